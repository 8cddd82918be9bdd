"""Sign-in through OpenID Connect providers, beside local passwords (issue 27).

The providers come from configuration (config.py, OidcConfig: OIDC_PROVIDERS and
OIDC_<NAME>_*). Authlib's Flask client does the protocol: discovery, the
authorization code flow with PKCE (S256), `state` and `nonce` kept in the
session, client authentication by secret or `private_key_jwt`, and the id
token's signature against the provider's JWKS (fetched again when a token names
a key it does not know: key rotation), issuer, audience and expiry.

What this module adds is who someone is here: an identity (provider + subject)
signs in as one account; a first sign-in links by a verified e-mail address,
creates the account from the claims (just-in-time) or is refused, as the
provider's SIGNUP setting says; role and municipality follow the claims at every
sign-in where the provider maps them. Audit lines name provider, subject and
account, never a token.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError
from authlib.integrations.flask_client import OAuth
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from flask import current_app, session, url_for
from flask_babel import gettext as _
from joserfc.errors import JoseError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import clock
from app.activity.log import diff, record
from app.auth.models import MUNICIPAL_ROLES, Identity, Role, User
from app.auth.service import audit, find_user, loggable, normalize_email
from app.extensions import db
from app.municipalities.editing import kbo_number
from app.municipalities.models import Municipality

#: How a first sign-in finds its account (OIDC_<NAME>_SIGNUP).
SIGNUP_LINK = "link"  # by verified e-mail, to an existing account
SIGNUP_JIT = "jit"  # as link, else a new account when the claims map to a role
SIGNUP_INVITE = "invite"  # by verified e-mail, to an account not yet signed into
SIGNUP_MODES = (SIGNUP_LINK, SIGNUP_JIT, SIGNUP_INVITE)
#: Most rights first: when several role values map, the first of these wins.
ROLE_ORDER = (Role.COORDINATOR, Role.LEAD, Role.MUNICIPALITY, Role.VIEWER)
#: Session keys: the provider of this session, and its id token for the
#: provider's logout (only when small: the session is a cookie).
SESSION_PROVIDER = "auth_provider"
SESSION_ID_TOKEN = "auth_id_token"  # noqa: S105 - a session key, not a secret
MAX_ID_TOKEN_IN_SESSION = 1800
_OAUTH = "authlib.integrations.flask_client"
#: What a failed protocol step can raise: Authlib's and joserfc's errors (state,
#: signature, claims), the provider unreachable or answering nonsense.
CHECK_ERRORS = (AuthlibBaseError, JoseError, requests.RequestException, ValueError)


class Refused(Exception):
    """A sign-in that may not go on: `reason` for the audit line, `message` for
    the person, `status` of the answer."""

    def __init__(self, reason: str, message: str, status: int = 403) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Mapped:
    """What a provider's claims say about someone here."""

    subject: str
    email: str
    email_verified: bool
    full_name: str
    role: str | None  # None: no role claim, or no value of it maps
    municipality_id: int | None  # None: no organisation claim that maps
    org_code: str | None  # the organisation code as sent (for the message)


# --- configuration --------------------------------------------------------------


def providers() -> dict[str, dict]:
    """{name: settings} of the usable providers (issuer and client id set)."""
    configured = current_app.config.get("OIDC_PROVIDERS") or {}
    return {
        name: settings
        for name, settings in configured.items()
        if settings.get("issuer") and settings.get("client_id")
    }


def provider_origins() -> list[str]:
    """The origins of the providers' issuers (the sign-out form is redirected
    to their end-session endpoints: the CSP's form-action lists them)."""
    origins = set()
    for settings in providers().values():
        parts = urlsplit(settings["issuer"])
        if parts.scheme in ("http", "https") and parts.netloc:
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)


def local_login_enabled() -> bool:
    return bool(current_app.config.get("LOCAL_LOGIN", True))


def may_use_password(email: str) -> bool:
    """Whether `email` may sign in with a password: anyone while local sign-in
    is on, else the break-glass account only."""
    if local_login_enabled():
        return True
    break_glass = current_app.config.get("BREAK_GLASS_EMAIL") or ""
    return bool(break_glass) and normalize_email(email) == break_glass


def parse_role_map(text: str) -> dict[str, str]:
    """ "Value=role,Value=role" → {value: role}; unknown roles are left out."""
    mapping = {}
    for pair in (text or "").split(","):
        value, _sep, role = pair.partition("=")
        if value.strip() and role.strip().lower() in tuple(Role):
            mapping[value.strip()] = role.strip().lower()
    return mapping


def _client_settings(settings: dict) -> dict:
    client_kwargs: dict[str, Any] = {
        "scope": settings["scopes"],
        "code_challenge_method": "S256",
        "default_timeout": current_app.config.get("OIDC_TIMEOUT", 10),
    }
    kwargs: dict[str, Any] = {
        "client_id": settings["client_id"],
        "server_metadata_url": settings["issuer"] + "/.well-known/openid-configuration",
        "client_kwargs": client_kwargs,
    }
    if settings.get("private_key_file"):
        key = Path(settings["private_key_file"]).read_text(encoding="utf-8")
        kid = settings.get("private_key_id")
        kwargs["client_secret"] = key
        kwargs["client_auth_methods"] = [
            PrivateKeyJWT(headers={"kid": kid} if kid else None)
        ]
        client_kwargs["token_endpoint_auth_method"] = "private_key_jwt"  # noqa: S105
    else:
        kwargs["client_secret"] = settings.get("client_secret") or None
    return kwargs


def client(name: str):
    """Authlib's client of provider `name` for this app (None: not configured).

    Registered on first use, so the discovery document and the keys are
    fetched when someone signs in, never at start-up."""
    settings = providers().get(name)
    if settings is None:
        return None
    oauth = current_app.extensions.get(_OAUTH) or OAuth(current_app)
    found = oauth.create_client(name)
    if found is None:
        oauth.register(name, **_client_settings(settings))
        found = oauth.create_client(name)
    return found


def _metadata(name: str, provider_client) -> dict:
    """The discovery document, refused unless it names the configured issuer."""
    try:
        metadata = provider_client.load_server_metadata()
    except CHECK_ERRORS as error:
        raise _unreachable(name, error) from error
    if (metadata.get("issuer") or "").rstrip("/") != providers()[name]["issuer"]:
        raise Refused("issuer", _check_failed(name), 400)
    return metadata


# --- the protocol ------------------------------------------------------------------


def _label(name: str) -> str:
    return providers()[name]["label"]


def _check_failed(name: str) -> str:
    return _(
        "The sign-in through %(provider)s could not be checked. Please try again.",
        provider=_label(name),
    )


def _unreachable(name: str, error: Exception) -> Refused:
    audit.warning("oidc unreachable provider=%s error=%s", name, type(error).__name__)
    return Refused(
        "unreachable",
        _(
            "%(provider)s cannot be reached. Please try again later.",
            provider=_label(name),
        ),
        502,
    )


def start(name: str):
    """The redirect to the provider's sign-in page (state, nonce and PKCE
    verifier kept in the session by Authlib)."""
    provider_client = client(name)
    _metadata(name, provider_client)
    redirect_uri = url_for("auth.oidc_callback", name=name, _external=True)
    return provider_client.authorize_redirect(redirect_uri)


def finish(name: str) -> tuple[User, str | None]:
    """Check the provider's answer and return the account it signs in as, and
    the id token (for the provider's logout). Raises Refused."""
    provider_client = client(name)
    metadata = _metadata(name, provider_client)
    options = {"iss": {"essential": True, "values": [metadata["issuer"]]}}
    try:
        token = provider_client.authorize_access_token(claims_options=options)
    except MismatchingStateError as error:
        audit.warning("oidc refused provider=%s reason=state", name)
        raise Refused(
            "state",
            _(
                "This sign-in was already completed or has expired. "
                "Please sign in again."
            ),
            400,
        ) from error
    except requests.RequestException as error:
        raise _unreachable(name, error) from error
    except CHECK_ERRORS as error:
        audit.warning(
            "oidc refused provider=%s reason=token error=%s",
            name,
            type(error).__name__,
        )
        raise Refused("token", _check_failed(name), 400) from error
    claims = token.get("userinfo")
    if not claims or not claims.get("sub"):
        audit.warning("oidc refused provider=%s reason=no_id_token", name)
        raise Refused("token", _check_failed(name), 400)
    user = account_for(name, map_claims(providers()[name], dict(claims)))
    return user, token.get("id_token")


def logout_url(name: str | None, id_token: str | None) -> str | None:
    """The provider's end-session address (RP-initiated logout) for a session
    that signed in through `name`, when the provider offers one."""
    if not name or name not in providers():
        return None
    try:
        metadata = client(name).load_server_metadata()
    except CHECK_ERRORS:
        return None
    endpoint = metadata.get("end_session_endpoint")
    # Only at the issuer's origin: the CSP's form-action allows no other.
    if not endpoint or not any(
        endpoint.startswith(origin + "/") for origin in provider_origins()
    ):
        return None
    return client(name).create_logout_url(
        post_logout_redirect_uri=url_for("auth.login", _external=True),
        id_token_hint=id_token,
        client_id=providers()[name]["client_id"],
    )["url"]


def remember_provider(name: str, id_token: str | None) -> None:
    """After sign_in(): the session knows its provider (no forced password
    change, logout at the provider)."""
    session[SESSION_PROVIDER] = name
    if id_token and len(id_token) <= MAX_ID_TOKEN_IN_SESSION:
        session[SESSION_ID_TOKEN] = id_token


# --- who someone is here ----------------------------------------------------------


def _values(claim: Any) -> list[str]:
    if claim is None:
        return []
    if isinstance(claim, list | tuple):
        return [str(v) for v in claim]
    return [v for v in str(claim).replace(",", " ").split() if v]


def map_role(settings: dict, claims: dict) -> tuple[str | None, str | None]:
    """(role, organisation key) from the role claim: values "Role" or
    "Role:OrgKey" (ACM/IDM), the highest role that maps wins."""
    mapping = parse_role_map(settings.get("role_map", ""))
    if not settings.get("role_claim") or not mapping:
        return None, None
    found: dict[str, str | None] = {}
    for value in _values(claims.get(settings["role_claim"])):
        key, _sep, org = value.partition(":")
        if key in mapping:
            found.setdefault(mapping[key], org or None)
    for role in ROLE_ORDER:
        if role.value in found:
            return role.value, found[role.value]
    return None, None


def _municipality_id(code: str | None) -> int | None:
    number = kbo_number(code)
    if number is None:
        return None
    return db.session.scalar(
        select(Municipality.id).where(Municipality.kbo_number == number)
    )


def map_claims(settings: dict, claims: dict) -> Mapped:
    """The claims, read with the provider's mapping."""
    email = normalize_email(str(claims.get(settings["email_claim"]) or ""))
    if settings.get("email_verified") == "trusted":
        verified = bool(email)
    else:
        verified = bool(email) and claims.get("email_verified") in (True, "true")
    name = str(claims.get(settings["name_claim"]) or "").strip()
    if not name:
        parts = (claims.get("given_name"), claims.get("family_name"))
        name = " ".join(str(p).strip() for p in parts if p) or email
    role, role_org = map_role(settings, claims)
    org_code = None
    if settings.get("org_claim"):
        org_code = str(claims.get(settings["org_claim"]) or "") or None
    # ORG_CODE: a provider of one organisation (an Entra ID tenant per town).
    org_code = org_code or role_org or settings.get("org_code") or None
    return Mapped(
        subject=str(claims["sub"]),
        email=email,
        email_verified=verified,
        full_name=name[:120],
        role=role,
        municipality_id=_municipality_id(org_code),
        org_code=org_code,
    )


def whom_to_ask() -> str:
    """Who gives access: ACCESS_CONTACT, else the active coordinators."""
    contact = current_app.config.get("ACCESS_CONTACT")
    if contact:
        return contact
    coordinators = db.session.scalars(
        select(User)
        .where(User.role == Role.COORDINATOR, User.active.is_(True))
        .order_by(User.full_name)
        .limit(3)
    ).all()
    return ", ".join(f"{c.full_name} ({c.email})" for c in coordinators) or _(
        "the coordinator of the region"
    )


def _refuse(name: str, mapped: Mapped, reason: str, message: str) -> Refused:
    audit.warning(
        "oidc refused provider=%s reason=%s subject=%s email=%s",
        name,
        reason,
        loggable(mapped.subject),
        loggable(mapped.email),
    )
    return Refused(reason, message)


def _ask(text: str) -> str:
    return text + " " + _("Please ask %(contact)s.", contact=whom_to_ask())


def _linkable(settings: dict, mapped: Mapped) -> User | None:
    """The existing account a first sign-in links to, by verified e-mail."""
    if not mapped.email_verified:
        return None
    user = find_user(mapped.email)
    if user is None:
        return None
    if settings["signup"] == SIGNUP_INVITE and user.last_login_at is not None:
        return None  # an invitation is an account nobody signed into yet
    return user


def _assignment(user: User | None, mapped: Mapped) -> dict:
    """Role and municipality the claims set (only what the provider maps)."""
    values: dict[str, Any] = {}
    if mapped.role:
        values["role"] = mapped.role
    if mapped.municipality_id is not None:
        values["municipality_id"] = mapped.municipality_id
    role = values.get("role", user.role if user else None)
    if role not in MUNICIPAL_ROLES and mapped.role:
        values["municipality_id"] = None
    return values


def _create(name: str, mapped: Mapped) -> User:
    """A new account from the claims (just-in-time); no usable password."""
    user = User(
        email=mapped.email,
        full_name=mapped.full_name,
        role=mapped.role,
        municipality_id=mapped.municipality_id
        if mapped.role in MUNICIPAL_ROLES
        else None,
        language=session.get("lang") or "nl",
    )
    user.set_password(secrets.token_urlsafe(32))  # nobody knows it
    db.session.add(user)
    db.session.flush()
    record("create", user, {"role": [None, user.role]}, actor=user)
    audit.info("oidc created provider=%s user=%s", name, user.id)
    return user


def account_for(name: str, mapped: Mapped) -> User:
    """The account identity (`name`, subject) signs in as, linked or created as
    the provider's settings say, its role and municipality synchronised.
    Commits; raises Refused (nothing changed). Two first sign-ins of one person
    at once: the second meets the first one's identity (or account) at its
    commit, and then signs in through it."""
    try:
        return _account_for(name, mapped)
    except IntegrityError:
        db.session.rollback()
        return _account_for(name, mapped)


def _account_for(name: str, mapped: Mapped) -> User:
    from app.subsidies.dossiers import hand_back_dossiers_of

    settings = providers()[name]
    identity = db.session.scalar(
        select(Identity).where(
            Identity.provider == name, Identity.subject == mapped.subject
        )
    )
    user = identity.user if identity else _linkable(settings, mapped)
    if user is None:
        if mapped.email and not mapped.email_verified:
            raise _refuse(
                name,
                mapped,
                "unverified_email",
                _ask(
                    _(
                        "%(provider)s did not confirm your e-mail address, so it "
                        "cannot be linked to an account here.",
                        provider=settings["label"],
                    )
                ),
            )
        creatable = settings["signup"] == SIGNUP_JIT and mapped.role
        if not creatable or not mapped.email or find_user(mapped.email):
            raise _refuse(
                name,
                mapped,
                "no_account",
                _ask(_("There is no account for you in the tracker yet.")),
            )
    if user is not None and not user.active:
        raise _refuse(
            name,
            mapped,
            "deactivated",
            _ask(_("Your account in the tracker is deactivated.")),
        )
    values = _assignment(user, mapped)
    role = values.get("role", user.role if user else None)
    municipality_id = values.get(
        "municipality_id", user.municipality_id if user else None
    )
    if role in MUNICIPAL_ROLES and municipality_id is None:
        raise _refuse(
            name,
            mapped,
            "no_municipality",
            _ask(
                _(
                    "Your organisation (%(code)s) is not a municipality known "
                    "to the tracker.",
                    code=mapped.org_code or "?",
                )
            ),
        )
    if user is None:
        user = _create(name, mapped)
    else:
        changes = diff(user, values)
        if changes:
            # As an admin's change: other sessions end, dossiers it may no
            # longer open are handed back.
            user.rotate_session_nonce()
            record("update", user, changes, actor=user)
            hand_back_dossiers_of(user, None)
            audit.info(
                "oidc synchronised provider=%s user=%s fields=%s",
                name,
                user.id,
                ",".join(sorted(changes)),
            )
    if identity is None:
        identity = Identity(user=user, provider=name, subject=mapped.subject)
        db.session.add(identity)
        audit.info(
            "oidc linked provider=%s subject=%s user=%s",
            name,
            loggable(mapped.subject),
            user.id,
        )
    identity.email = mapped.email or None
    identity.last_login_at = clock.now_utc()
    db.session.commit()
    return user


def identities_of(user: User) -> list[Identity]:
    """The identities linked to `user` (the admin's user page)."""
    return list(
        db.session.scalars(
            select(Identity)
            .where(Identity.user_id == user.id)
            .order_by(Identity.provider, Identity.id)
        )
    )


def unlink(identity: Identity, actor: User) -> None:
    """Remove a link: the next sign-in through it is a first sign-in again."""
    user, provider = identity.user, identity.provider
    record(
        "update",
        user,
        {"identity": [f"{identity.provider}: {identity.email or ''}", None]},
        actor=actor,
    )
    db.session.delete(identity)
    user.rotate_session_nonce()  # a session that came through it ends
    db.session.commit()
    audit.info("oidc unlinked provider=%s user=%s by=%s", provider, user.id, actor.id)
