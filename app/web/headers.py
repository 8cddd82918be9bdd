"""Security headers on every answer: CSP, no sniffing or framing, HSTS, no-store."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_login import current_user

from app.public.cookieless import is_cookieless_path

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


def content_security_policy() -> str:
    """CSP, with the OpenID Connect providers in form-action: signing out
    redirects the sign-out form to the provider's end-session endpoint."""
    from app.auth.oidc import provider_origins

    origins = provider_origins()
    if not origins:
        return CSP
    return CSP.replace("form-action 'self'", " ".join(["form-action 'self'", *origins]))


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def set_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", content_security_policy())
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        hsts_max_age = app.config["HSTS_MAX_AGE"]
        # Only over HTTPS (directly, or from the trusted proxy through ProxyFix): a
        # plain-HTTP answer must not pin a local run to HTTPS.
        if request.is_secure and hsts_max_age > 0:
            headers["Strict-Transport-Security"] = f"max-age={hsts_max_age}"
        if request.endpoint == "static":
            return response  # public files without personal data: caches may keep them
        if (current_user and current_user.is_authenticated) or _by_token(request.path):
            headers.setdefault("Cache-Control", "no-store")  # app/http_cache.py
        response.vary.add("HX-Request")
        return response


def _by_token(path: str) -> bool:
    """A cookieless answer that a token or signed address asks for (the API, an
    unsubscribe link): personal, whoever is signed in, so never kept either."""
    public = path == "/public" or path.startswith("/public/")
    return is_cookieless_path(path) and not public
