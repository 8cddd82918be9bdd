"""Dashboard and health check."""

import re

from flask import abort, jsonify, render_template, request
from flask_login import current_user
from sqlalchemy import text

from app.auth import permissions
from app.auth.access import public, regional_pages, requires
from app.choices import (
    KINDS,
    MULTIPLE,
    dossier_scope,
    field_name,
    group_member_ids,
    search_choices,
    search_more,
)
from app.comments.comments import comment_scope
from app.extensions import db
from app.main import bp
from app.main.dashboard import dashboard_data, dashboard_template
from app.main.visits import register_visit

regional_pages(bp)

#: An element id a page may pass to /choices (a row's form, a matches box).
ELEMENT_ID = re.compile(r"[a-z][a-z0-9_-]{0,60}")


@bp.get("/")
@requires(permissions.can_view_regional)
def dashboard():
    """The signed-in user's dashboard for their role."""
    since, written = None, False
    if permissions.can_view_activity(current_user):  # "new since your last visit"
        since = register_visit(current_user)
        written = bool(db.session.new or db.session.dirty)  # every few minutes
    page = render_template(
        dashboard_template(current_user), **dashboard_data(current_user, since)
    )
    # Committed after the page is read and rendered: a commit before would have
    # the page load the user and the versions again (issue 23's bound).
    if written:
        session = db.session()
        session.expire_on_commit = False  # nothing read after it needs new rows
        try:
            session.commit()
        finally:
            session.expire_on_commit = True
    return page


@bp.get("/choices/<kind>")
@requires(permissions.can_view_regional)
def choices(kind: str):
    """The matches of a filter's search field, as the user types (htmx)."""
    if kind not in KINDS:
        abort(404)
    # A form's own field name (a prefixed or differently named field).
    name = request.args.get("name", "")
    name = name if ELEMENT_ID.fullmatch(name) else field_name(kind)
    search = request.args.get(f"{name}_search")
    # A search field in a table row: its matches belong to the row's form.
    form_id, target = request.args.get("form", ""), request.args.get("target", "")
    # A dossier's owner: among who may open it (its partners, the lead chosen).
    scope = dossier_scope(
        request.args.get("dossier", type=int),
        request.args.get("lead_municipality_id", type=int),
    )
    if kind == "mention":  # a comment's mentions: who may see its object
        scope = comment_scope(request.args.get("on", ""), current_user)
    picked, matches = [], search_choices(kind, search, current_user, scope)
    if kind in MULTIPLE:  # a group's members: ticked ones stay across searches
        picked, matches = search_more(
            kind,
            search,
            request.args.getlist(name, type=int),
            group_member_ids(request.args.get("group", type=int)),
            current_user,
            scope,
        )
    return render_template(
        "_filter_matches.html",
        kind=kind,
        name=name,
        form_id=form_id if ELEMENT_ID.fullmatch(form_id) else None,
        matches_id=target if ELEMENT_ID.fullmatch(target) else None,
        search=search,
        matches=matches,
        picked=picked,
        multiple=kind in MULTIPLE,
    )


@bp.get("/healthz")
@public
def healthz():
    """Liveness with a database round trip: 200 ok, 503 when the database fails."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        db.session.rollback()
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok")
