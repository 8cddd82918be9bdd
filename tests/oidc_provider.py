"""A real OpenID Connect provider on loopback, for the sign-in tests (issue 27).

A small Flask app served by werkzeug in a thread on 127.0.0.1 and a free port,
signing with joserfc: discovery, JWKS (with key rotation), the authorization
endpoint (consent given at once with the claims of `user`, or a sign-in page
where a person picks one of `people`: the browser journey), the token endpoint
(authorization code, PKCE S256 checked, client authentication by secret or
`private_key_jwt`) and the end-session endpoint. Knobs let a test break one
thing at a time: `token_changes` (claims of the next id token: a wrong issuer,
audience, an expiry in the past), `tamper_next`, `discovery_issuer`.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from typing import Any
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from markupsafe import escape
from werkzeug.serving import WSGIRequestHandler, make_server

CLIENT_ID = "midwest-tracker"
CLIENT_SECRET = "a-client-secret-of-the-test-provider"  # noqa: S105


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


def _new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(
        2048, parameters={"kid": kid, "use": "sig"}, private=True
    )


class Provider:
    """The provider's state; `start()` serves it, `stop()` ends it."""

    def __init__(self) -> None:
        self.keys = [_new_key("key-1")]
        self.signing_key = self.keys[0]
        self.client_public_key: RSAKey | None = None  # set: private_key_jwt
        self.redirect_uris: set[str] = set()
        #: The claims the next sign-in gives (consent given at once).
        self.user: dict[str, Any] = {}
        #: A sign-in page instead: the person picks one of these (by name).
        self.people: dict[str, dict[str, Any]] | None = None
        self.token_changes: dict[str, Any] = {}
        self.tamper_next = False
        self.discovery_issuer: str | None = None
        self.codes: dict[str, dict[str, Any]] = {}
        self.logouts: list[dict[str, str]] = []
        self.jwks_fetches = 0
        self.token_requests: list[dict[str, str]] = []
        self._server = None
        self._thread: threading.Thread | None = None
        self.issuer = ""

    # --- serving -------------------------------------------------------------

    def start(self) -> Provider:
        self._server = make_server(
            "127.0.0.1", 0, self._app(), threaded=True, request_handler=_Quiet
        )
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def rotate_keys(self, keep_old: bool = False) -> None:
        """Sign with a new key; the JWKS lists it (and the old one if kept)."""
        new = _new_key(f"key-{len(self.keys) + 1}")
        self.keys = [*self.keys, new] if keep_old else [new]
        self.signing_key = new

    # --- the protocol ------------------------------------------------------------

    def _issue_code(self, params: dict[str, str], claims: dict[str, Any]) -> str:
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "client_id": params["client_id"],
            "redirect_uri": params["redirect_uri"],
            "nonce": params.get("nonce"),
            "code_challenge": params.get("code_challenge"),
            "claims": dict(claims),
        }
        return code

    def _back_to_client(self, params: dict[str, str], claims: dict[str, Any]):
        code = self._issue_code(params, claims)
        query = urlencode({"code": code, "state": params.get("state", "")})
        return redirect(f"{params['redirect_uri']}?{query}")

    def _check_authorization_request(self, params: dict[str, str]) -> None:
        if params.get("client_id") != CLIENT_ID:
            abort(400, "unknown client")
        if params.get("redirect_uri") not in self.redirect_uris:
            abort(400, "redirect_uri not registered")
        if params.get("response_type") != "code":
            abort(400, "response_type")
        if "openid" not in params.get("scope", "").split():
            abort(400, "scope")
        if params.get("code_challenge_method") != "S256":
            abort(400, "PKCE S256 required")

    def _client_authenticated(self) -> bool:
        form = request.form
        if self.client_public_key is not None:
            if form.get("client_assertion_type") != (
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
            ):
                return False
            try:
                token = jwt.decode(form["client_assertion"], self.client_public_key)
            except Exception:  # noqa: BLE001 - any bad assertion is a refusal
                return False
            claims = token.claims
            return (
                claims.get("iss") == CLIENT_ID
                and claims.get("sub") == CLIENT_ID
                and claims.get("aud") == f"{self.issuer}/token"
                and claims.get("exp", 0) > time.time()
            )
        auth = request.authorization
        if auth is not None:
            return auth.username == CLIENT_ID and auth.password == CLIENT_SECRET
        return (
            form.get("client_id") == CLIENT_ID
            and form.get("client_secret") == CLIENT_SECRET
        )

    def _id_token(self, grant: dict[str, Any]) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": grant["client_id"],
            "iat": now,
            "exp": now + 300,
            **grant["claims"],
        }
        if grant["nonce"]:
            claims["nonce"] = grant["nonce"]
        claims.update(self.token_changes)
        self.token_changes = {}
        header = {"alg": "RS256", "kid": self.signing_key.kid}
        token = jwt.encode(header, claims, self.signing_key)
        if self.tamper_next:
            self.tamper_next = False
            head, payload, signature = token.split(".")
            changed = dict(claims, sub="someone-else")
            payload = jwt.encode(header, changed, self.signing_key).split(".")[1]
            token = f"{head}.{payload}.{signature}"
        return token

    def _app(self) -> Flask:
        app = Flask("test_oidc_provider")
        provider = self

        @app.get("/.well-known/openid-configuration")
        def discovery():
            base = provider.issuer
            return jsonify(
                issuer=provider.discovery_issuer or base,
                authorization_endpoint=f"{base}/authorize",
                token_endpoint=f"{base}/token",
                jwks_uri=f"{base}/jwks",
                end_session_endpoint=f"{base}/logout",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
                code_challenge_methods_supported=["S256"],
                token_endpoint_auth_methods_supported=[
                    "client_secret_basic",
                    "client_secret_post",
                    "private_key_jwt",
                ],
                scopes_supported=["openid", "profile", "email"],
            )

        @app.get("/favicon.ico")
        def favicon():
            return "", 204  # no console error in the browser journey

        @app.get("/jwks")
        def jwks():
            provider.jwks_fetches += 1
            return jsonify(keys=[key.as_dict(private=False) for key in provider.keys])

        @app.get("/authorize")
        def authorize():
            params = request.args.to_dict()
            provider._check_authorization_request(params)
            if provider.people is None:
                return provider._back_to_client(params, provider.user)
            hidden = "".join(
                f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
                for k, v in params.items()
            )
            options = "".join(
                f'<option value="{escape(n)}">{escape(n)}</option>'
                for n in provider.people
            )
            return (
                "<!doctype html><html lang='en'><head><title>Test provider</title>"
                "</head><body><h1>Test provider: sign in</h1>"
                f"<form method='post' action='/authorize'>{hidden}"
                "<label for='person'>Person</label>"
                f"<select id='person' name='person'>{options}</select>"
                "<button type='submit'>Sign in at the provider</button>"
                "</form></body></html>"
            )

        @app.post("/authorize")
        def authorize_as():
            params = request.form.to_dict()
            person = params.pop("person", "")
            provider._check_authorization_request(params)
            if provider.people is None or person not in provider.people:
                abort(400, "unknown person")
            return provider._back_to_client(params, provider.people[person])

        @app.post("/token")
        def token():
            form = request.form
            provider.token_requests.append(
                {k: v for k, v in form.items() if k != "client_assertion"}
            )
            if not provider._client_authenticated():
                return jsonify(error="invalid_client"), 401
            grant = provider.codes.pop(form.get("code", ""), None)
            if (
                form.get("grant_type") != "authorization_code"
                or grant is None
                or form.get("redirect_uri") != grant["redirect_uri"]
            ):
                return jsonify(error="invalid_grant"), 400
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode("ascii")).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if challenge != grant["code_challenge"]:
                return jsonify(error="invalid_grant", error_description="PKCE"), 400
            return jsonify(
                access_token=secrets.token_urlsafe(24),
                token_type="Bearer",  # noqa: S106 - the OAuth token type
                expires_in=300,
                id_token=provider._id_token(grant),
            )

        @app.get("/logout")
        def logout():
            provider.logouts.append(request.args.to_dict())
            target = request.args.get("post_logout_redirect_uri")
            if target:
                state = request.args.get("state")
                return redirect(f"{target}?{urlencode({'state': state})}")
            return "<!doctype html><title>Signed out</title><p>Signed out</p>"

        return app
