"""How a view states who may use it: one decorator, deny by default.

Every view function is either `@requires(rule)` (which implies sign-in: an
anonymous visitor is sent to the login page, or gets HX-Redirect for htmx) or
`@public` (no sign-in). A test walks the app's views and fails on any other.
Object-level rules that need the loaded object call `check(allowed)` once.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, current_app, request
from flask_login import current_user, login_required

from app.auth import permissions

#: The rule of views that need no sign-in.
PUBLIC = "public"


def requires(rule: Callable[[Any], bool]):
    """Sign-in and `rule(current_user)`; 403 when the rule refuses."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def guarded(*args, **kwargs):
            check(rule(current_user))
            return view(*args, **kwargs)

        guarded.access_rule = rule
        return guarded

    return decorate


def public(view: Callable) -> Callable:
    """A view anyone may open (login, health check, token-protected feeds)."""
    view.access_rule = PUBLIC
    return view


def check(allowed: bool) -> None:
    """An object-level rule the view could only decide with the object: 403."""
    if not allowed:
        abort(403)


def regional_pages(blueprint: Blueprint) -> None:
    """Every non-public page of `blueprint` is for who may view regional pages."""

    @blueprint.before_request
    def require_regional():
        view = current_app.view_functions.get(request.endpoint or "")
        if getattr(view, "access_rule", None) == PUBLIC:
            return None
        if not current_user.is_authenticated:
            from app.extensions import login_manager

            return login_manager.unauthorized()
        check(permissions.can_view_regional(current_user))
        return None
