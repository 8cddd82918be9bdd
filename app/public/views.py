"""Public pages, open data (no sign-in, no cookie) and the coordinator's
publish and unpublish buttons."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    redirect,
    render_template,
    request,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import permissions
from app.auth.access import public, requires
from app.extensions import db
from app.links import absolute_url
from app.public import bp, opendata, pages, publishing
from app.public.cookieless import is_cookieless_path
from app.web import reload_url, wants_fragment

#: How long a proxy or browser may keep a public answer without asking again.
MAX_AGE = 300


@bp.after_request
def cacheable(response: Response) -> Response:
    """Public answers: cacheable by anyone, validated with an ETag."""
    if not is_cookieless_path(request.path):
        return response
    if response.status_code != 200:
        # Not found may become found (published) at any moment.
        response.headers["Cache-Control"] = "no-store"
        return response
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.vary.add("Accept-Language")
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/public")
@public
def index():
    """The region's published progress and funded projects."""
    return render_template("public/index.html", **pages.overview())


@bp.get("/public/themes/<int:theme_id>")
@public
def theme(theme_id: int):
    """A published theme: progress, rollout per municipality, its funded projects."""
    return render_template("public/theme.html", **pages.theme_page(theme_id))


@bp.get("/public/municipalities/<slug>")
@public
def municipality(slug: str):
    """A municipality's stage per published theme and its funded projects."""
    return render_template("public/municipality.html", **pages.municipality_page(slug))


@bp.get("/public/data/<name>.csv")
@public
def data_csv(name: str):
    """Open data as CSV (UTF-8, header row, amounts with a decimal dot)."""
    if name not in opendata.RESOURCES:
        abort(404)
    response = Response(opendata.as_csv(name), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@bp.get("/public/data/<name>.json")
@public
def data_json(name: str):
    """Open data as JSON: the CSV's rows as objects; or the data package."""
    if name == "datapackage":
        data = opendata.datapackage(absolute_url("public.index"))
    elif name in opendata.RESOURCES:
        data = opendata.as_json(name)
    else:
        abort(404)
    return Response(opendata.json_text(data), mimetype="application/json")


# --- publishing (the coordinator, signed in: not a cookieless path) ------------------


def _object(kind: str, object_id: int):
    if kind not in publishing.KINDS:
        abort(404)
    return db.get_or_404(publishing.KINDS[kind].model, object_id)


def _answer(obj, error: str | None = None, status: int = 200):
    if wants_fragment():
        html = render_template("public/_publish.html", obj=obj, error=error)
        return html, status
    if error:
        return render_template("error.html", status=status, message=error), status
    return redirect(reload_url(), code=303)


@bp.post("/publications/<kind>/<int:object_id>")
@requires(permissions.can_publish)
def publish(kind: str, object_id: int):
    """Make a theme, a granted dossier or a closed round's results public."""
    obj = _object(kind, object_id)
    if not publishing.publish(obj, current_user):
        return _answer(obj, _("This cannot be published (yet)."), 422)
    db.session.commit()
    return _answer(obj)


@bp.post("/publications/<kind>/<int:object_id>/withdraw")
@requires(permissions.can_publish)
def unpublish(kind: str, object_id: int):
    """Take it off the public pages and the open data."""
    obj = _object(kind, object_id)
    publishing.unpublish(obj)
    db.session.commit()
    return _answer(obj)


@bp.app_template_global()
def publication_of(obj):
    """The publication of `obj`, or None (for the publish button)."""
    return publishing.publication_of(obj)


@bp.app_template_global()
def is_publishable(obj) -> bool:
    return publishing.is_publishable(obj)


@bp.app_template_global()
def publish_kind(obj) -> str:
    return publishing.kind_of(obj).name
