"""Configuration from environment variables, with safe defaults."""

import os
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

#: The app package, and the folder that holds it (the checkout, or site-packages).
PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parent
#: Installed from the wheel, templates/, static/, translations/ and migrations/
#: are inside the package (the build maps them there, setup.py); in a checkout
#: (and an editable install) they are the top-level folders beside app/.
INSTALLED = (PACKAGE / "templates").is_dir()
RESOURCES = PACKAGE if INSTALLED else ROOT
INSECURE_DEFAULT_KEY = "dev-insecure-change-me"  # noqa: S105 - refused in production


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


#: The app's own folder (the SQLite database by default, the document folder of
#: releases before db_blobs): INSTANCE_PATH, else instance/ in the checkout, or
#: var/midwest-instance in the virtualenv of an installed copy (never inside
#: site-packages). Created 0700.
INSTANCE_PATH = os.environ.get("INSTANCE_PATH") or str(
    Path(sys.prefix) / "var" / "midwest-instance" if INSTALLED else ROOT / "instance"
)


def default_database_url() -> str:
    return f"sqlite:///{Path(INSTANCE_PATH) / 'midwest.sqlite'}"


# --- Sign-in with an organisation: OpenID Connect (issue 27) ---------------------
# One block, read by app/auth/oidc.py. README "Sign-in with an organisation" says
# what each variable does; deploy/midwest.env.example lists them.


def _oidc_provider(name: str) -> dict:
    """The settings of provider `name` from its OIDC_<NAME>_* variables."""
    prefix = f"OIDC_{name.upper()}_"

    def env(key: str, default: str = "") -> str:
        return (os.environ.get(prefix + key) or default).strip()

    return {
        "name": name.lower(),
        "label": env("LABEL", name),
        "issuer": env("ISSUER").rstrip("/"),
        "client_id": env("CLIENT_ID"),
        "client_secret": env("CLIENT_SECRET"),
        "private_key_file": env("PRIVATE_KEY_FILE"),
        "private_key_id": env("PRIVATE_KEY_ID"),
        "scopes": env("SCOPES", "openid profile email"),
        "email_claim": env("EMAIL_CLAIM", "email"),
        "email_verified": env("EMAIL_VERIFIED", "claim"),
        "name_claim": env("NAME_CLAIM", "name"),
        "org_claim": env("ORG_CLAIM"),
        "org_code": env("ORG_CODE"),
        "role_claim": env("ROLE_CLAIM"),
        "role_map": env("ROLE_MAP"),
        "signup": env("SIGNUP", "link").lower(),
    }


def oidc_providers_from_env() -> dict[str, dict]:
    """{name: settings} of the providers OIDC_PROVIDERS names (none by default)."""
    names = os.environ.get("OIDC_PROVIDERS", "")
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    return {n.lower(): _oidc_provider(n) for n in wanted}


class OidcConfig:
    """Mixed into Config: OpenID Connect providers and local passwords."""

    OIDC_PROVIDERS = oidc_providers_from_env()
    # Seconds to wait for a provider (discovery, keys, token endpoint).
    OIDC_TIMEOUT = _env_float("OIDC_TIMEOUT", 10)
    # off: the password form is for the break-glass account only (/login?local=1).
    LOCAL_LOGIN = _env_bool("LOCAL_LOGIN", True)
    BREAK_GLASS_EMAIL = (os.environ.get("BREAK_GLASS_EMAIL") or "").strip().lower()
    # Whom a refused first sign-in is told to ask (default: the coordinators).
    ACCESS_CONTACT = os.environ.get("ACCESS_CONTACT", "")

    @staticmethod
    def check_oidc(app_config: dict) -> None:
        """Refuse to start with a provider that cannot work, or without a way in."""
        problems = []
        for name, p in (app_config.get("OIDC_PROVIDERS") or {}).items():
            where = f"OIDC_{name.upper()}_"
            if not p.get("issuer") or not p.get("client_id"):
                problems.append(f"{where}ISSUER and {where}CLIENT_ID must be set")
            key = p.get("private_key_file")
            if not p.get("client_secret") and not key:
                problems.append(f"{where}CLIENT_SECRET or {where}PRIVATE_KEY_FILE")
            if key and not os.access(key, os.R_OK):
                problems.append(f"{where}PRIVATE_KEY_FILE: {key} cannot be read")
            if p.get("signup") not in ("link", "jit", "invite"):
                problems.append(f"{where}SIGNUP must be link, jit or invite")
        if not app_config.get("LOCAL_LOGIN", True) and not (
            app_config.get("BREAK_GLASS_EMAIL")
        ):
            problems.append("LOCAL_LOGIN=off needs BREAK_GLASS_EMAIL")
        if problems:
            raise RuntimeError("Sign-in configuration: " + "; ".join(problems) + ".")


class Config(OidcConfig):
    """Settings for running the app; every value can come from the environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", INSECURE_DEFAULT_KEY)
    # The instance folder of this host (nothing in it is needed by another host).
    INSTANCE_PATH = INSTANCE_PATH
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or default_database_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "15000"))

    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Brussels"
    LANGUAGES = ("nl", "en")
    BABEL_TRANSLATION_DIRECTORIES = str(RESOURCES / "translations")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("IDLE_TIMEOUT_MINUTES", "60")))
    # The idle timeout ends remembered sessions too: the remember-me cookie lives
    # as long as the idle timeout and is renewed while the user is active.
    REMEMBER_COOKIE_DURATION = IDLE_TIMEOUT

    # Login throttling (app/auth/throttle.py): failures free of delay per account
    # and per address within the window, then a delay that doubles from
    # LOGIN_DELAY_SECONDS up to a ceiling, per account and per address.
    LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
    LOGIN_MAX_FAILURES_PER_IP = int(os.environ.get("LOGIN_MAX_FAILURES_PER_IP", "20"))
    LOGIN_WINDOW_MINUTES = int(os.environ.get("LOGIN_WINDOW_MINUTES", "15"))
    LOGIN_DELAY_SECONDS = _env_float("LOGIN_DELAY_SECONDS", 2)
    LOGIN_MAX_DELAY_SECONDS = _env_float("LOGIN_MAX_DELAY_SECONDS", 60)
    LOGIN_MAX_DELAY_PER_IP_SECONDS = _env_float("LOGIN_MAX_DELAY_PER_IP_SECONDS", 300)

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    # How long a signed-in page's ETag may answer 304 (app/http_cache.py): pages
    # show time-relative things (countdowns, overdue), so not for long.
    HTTP_CACHE_SECONDS = int(os.environ.get("HTTP_CACHE_SECONDS", "60"))
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_BYTES", str(5 * 1024 * 1024)))
    # Documents on dossiers are stored in the database (every app host serves
    # them). DOCUMENTS_DIR is where releases before migration db_blobs kept them:
    # that migration moves the files found there into the database.
    DOCUMENTS_DIR = os.environ.get("DOCUMENTS_DIR") or str(
        Path(INSTANCE_PATH) / "documents"
    )
    # One document may not pass DOCUMENT_MAX_BYTES, and no request passes
    # MAX_UPLOAD_BYTES: raise both for larger files.
    DOCUMENT_MAX_BYTES = int(os.environ.get("DOCUMENT_MAX_BYTES", str(4 * 1024 * 1024)))

    THREAD_MIN_MUNICIPALITIES = int(os.environ.get("THREAD_MIN_MUNICIPALITIES", "5"))
    SCORE_HIGH = int(os.environ.get("SCORE_HIGH", "7"))
    SCORE_MAJORITY = _env_float("SCORE_MAJORITY", 2 / 3)
    PAGE_SIZE = int(os.environ.get("PAGE_SIZE", "50"))
    TIMEZONE = "Europe/Brussels"

    # The public address of the app: every link outside a request's own page
    # (mail, calendar feeds, the feed address on /profile) starts with it.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL")
    # Seconds to wait for the mail server (connecting, its greeting, each reply).
    MAIL_TIMEOUT = _env_float("MAIL_TIMEOUT", 30)
    # Default: noreply@ the host of BASE_URL (send-reminders refuses to send
    # while BASE_URL still points at this machine, outside debug and testing).
    MAIL_SENDER = os.environ.get("MAIL_SENDER") or (
        f"Midwest digitale regio <noreply@{urlsplit(BASE_URL).hostname}>"
    )
    # The domain of Message-ID headers; default: the domain of MAIL_SENDER.
    MAIL_MESSAGE_ID_DOMAIN = os.environ.get("MAIL_MESSAGE_ID_DOMAIN")

    # Strict-Transport-Security on HTTPS answers (seconds; 0 turns it off). Never
    # sent over plain HTTP.
    HSTS_MAX_AGE = int(os.environ.get("HSTS_MAX_AGE", str(365 * 24 * 3600)))

    # Number of reverse proxies in front of the app whose X-Forwarded-* to trust.
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0"))

    # werkzeug's method for new password hashes (see User.set_password).
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a method name, not a secret

    TESTING = False
    DEBUG = _env_bool("FLASK_DEBUG")

    @classmethod
    def check(cls, app_config: dict) -> None:
        """Refuse to start outside debug and testing without a real secret key;
        never with a sign-in configuration that cannot work."""
        cls.check_oidc(app_config)
        if app_config.get("DEBUG") or app_config.get("TESTING"):
            return
        key = app_config.get("SECRET_KEY") or ""
        if key == INSECURE_DEFAULT_KEY or len(key) < 16:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 16 characters "
                "outside debug and testing (for example: "
                'python -c "import secrets; print(secrets.token_hex(32))").'
            )


class TestConfig(Config):
    """The test suite: a throwaway database given by the fixtures."""

    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    WTF_CSRF_ENABLED = True
    SERVER_NAME = None
    # A cached figure that reads a table it does not declare fails the test.
    READMODEL_CHECK_READS = True
    # scrypt costs ~0.1-0.5 s per hash and check (a sign-in, every user a test
    # makes); a cheap method keeps the suite fast. Production keeps scrypt
    # (test_security_auth.py checks Config's default).
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - a method name
