"""What every template can use: the filters, globals and tests of Jinja."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from flask import Flask, has_request_context, request, url_for
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


def this_page() -> str:
    """This page's path and query string, for a form's `next`: every value of
    every argument except url_for's own ("_" names, as `query_args`)."""
    kept = [(k, v) for k, v in request.args.items(multi=True) if not k.startswith("_")]
    return request.path + (f"?{urlencode(kept)}" if kept else "")


#: Stand-ins for ids while a URL pattern is built: ten digits, within MAX_ID
#: (app/web/params.py), found nowhere else in a URL.
_STAND_IN = 2_024_000_000


def _url_pattern(app: Flask, endpoint: str, names: tuple[str, ...]):
    """How url_for writes `endpoint` with whole numbers for `names`: the text
    around each number, as (text, index of the value) pieces and the text after
    the last one; None where the numbers cannot simply be put in (a rule with
    defaults picks its route by value)."""
    if any(rule.defaults for rule in app.url_map.iter_rules(endpoint)):
        return None
    stand_ins = [str(_STAND_IN + i) for i in range(len(names))]
    url = url_for(endpoint, **{n: _STAND_IN + i for i, n in enumerate(names)})
    if any(url.count(s) != 1 for s in stand_ins):
        return None
    found = sorted((url.index(s), i) for i, s in enumerate(stand_ins))
    pieces, start = [], 0
    for position, index in found:
        pieces.append((url[start:position], index))
        start = position + len(stand_ins[index])
    return pieces, url[start:]


def pattern_url_for(app: Flask) -> Callable[..., str]:
    """url_for for templates, the same URLs: links with ids (hundreds on a list
    page, a few per row) are written into a pattern made once per endpoint and
    argument names, instead of a route build each. Anything else (no values, a
    value that is not a whole number, `_external`, `_anchor`...) goes to
    url_for."""
    patterns: dict[tuple, object] = {}

    def build(endpoint: str, **values) -> str:
        numbers = list(values.values())
        if (
            not values
            or endpoint.startswith(".")
            or any(type(v) is not int or v < 0 for v in numbers)
            or any(name.startswith("_") for name in values)
            or not has_request_context()
        ):
            return url_for(endpoint, **values)
        key = (endpoint, tuple(values), request.script_root)
        pattern = patterns.get(key, False)
        if pattern is False:
            pattern = patterns[key] = _url_pattern(app, endpoint, tuple(values))
        if pattern is None:
            return url_for(endpoint, **values)
        pieces, tail = pattern
        return "".join([text + str(numbers[i]) for text, i in pieces]) + tail

    return build


def register_template_helpers(app: Flask) -> None:
    from app.subsidies.rollups import figure_basis

    app.jinja_env.add_extension("jinja2.ext.do")
    for name, function in formatting.FILTERS.items():
        app.add_template_filter(function, name)
    app.jinja_env.globals.update(
        perm=permissions,
        label=labels.label,
        figure_basis=figure_basis,
        navigation=navigation,
        get_locale=get_locale,
        absolute_url=absolute_url,
        recent_activity=recent_activity,
        query_args=query_args,
        this_page=this_page,
        url_for=pattern_url_for(app),
    )

    from app.deadlines.deadlines import is_overdue

    app.jinja_env.tests["overdue"] = is_overdue

    @app.context_processor
    def inject_today() -> dict:
        return {"today": clock.today()}
