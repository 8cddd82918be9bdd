"""Deny by default (issue 14): every view states its rule in one way."""

from __future__ import annotations

from app.auth import permissions
from app.auth.access import PUBLIC

#: The views anyone may open, on purpose.
PUBLIC_VIEWS = {
    "api.not_found",
    "api.openapi_json",
    "api.reference",
    "auth.login",
    # Sign-in through an OpenID Connect provider (issue 27).
    "auth.oidc_callback",
    "auth.oidc_login",
    "deadlines.calendar",
    "deadlines.unsubscribe",
    "main.healthz",
    # One-click unsubscribe from notification mail (issue 26): the signed token
    # in the link is the key, like deadlines.unsubscribe.
    "notifications.unsubscribe",
    "public.data_csv",
    "public.data_json",
    "public.index",
    "public.municipality",
    "public.theme",
    "static",
}


def _unruled(app) -> list[str]:
    return sorted(
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not hasattr(view, "access_rule")
    )


def test_every_view_is_ruled_or_explicitly_public(app):
    assert _unruled(app) == []
    public = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if getattr(view, "access_rule", None) == PUBLIC
    }
    assert public | {"static"} == PUBLIC_VIEWS


def test_a_view_added_without_a_rule_is_caught(app):
    @app.get("/forgotten")
    def forgotten():
        return "open"

    assert _unruled(app) == ["forgotten"]


def test_admin_pages_require_the_coordinator(app):
    for endpoint, view in app.view_functions.items():
        if endpoint.startswith("admin."):
            assert view.access_rule is permissions.can_manage_users, endpoint


def test_anonymous_is_sent_to_login_and_refused_rule_is_403(client, login_as):
    assert client.get("/admin/users").status_code in (302, 303)
    htmx = client.get("/themes", headers={"HX-Request": "true"})
    assert "HX-Redirect" in htmx.headers or htmx.status_code in (302, 303, 401)
    assert login_as("viewer").get("/admin/users").status_code == 403
    assert login_as("viewer").get("/applications").status_code == 403
