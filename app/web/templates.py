"""What every template can use: the filters, globals and tests of Jinja."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import get_locale
from flask_login import current_user

from app import clock, formatting, labels
from app.auth import permissions
from app.links import absolute_url
from app.navigation import navigation


def recent_activity(entity) -> list:
    """The recent activity of `entity` that the signed-in user may read."""
    from app.activity.queries import recent_for
    from app.activity.render import present

    return present(recent_for(current_user, entity))


def query_args() -> dict[str, str]:
    """The query string as arguments for a link to another page of the same list.
    Names starting with "_" are url_for's own (_external, _scheme, _anchor): from
    the URL they would let a visitor choose the scheme of the links (javascript:)."""
    return {k: v for k, v in request.args.items() if not k.startswith("_")}


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    for name, function in formatting.FILTERS.items():
        app.add_template_filter(function, name)
    app.jinja_env.globals.update(
        perm=permissions,
        label=labels.label,
        navigation=navigation,
        get_locale=get_locale,
        absolute_url=absolute_url,
        recent_activity=recent_activity,
        query_args=query_args,
    )

    from app.deadlines.deadlines import is_overdue

    app.jinja_env.tests["overdue"] = is_overdue

    @app.context_processor
    def inject_today() -> dict:
        return {"today": clock.today()}
