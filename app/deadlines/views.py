"""/deadlines and the calendar feed."""

from flask import Response, abort, make_response, render_template, request
from flask_babel import force_locale
from flask_login import current_user
from sqlalchemy import select

from app.auth import permissions
from app.auth.access import public, regional_pages, requires
from app.auth.models import User
from app.deadlines import bp
from app.deadlines.calendar import feed
from app.deadlines.deadlines import CATEGORIES, KINDS, Scope, deadlines, grouped
from app.deadlines.reminders import set_digest, user_for_unsubscribe_token
from app.extensions import csrf, db
from app.paging import window
from app.web import wants_fragment

SCOPES = ("mine", "region")
#: Deadlines per page (a region's hundreds of overdue tasks in pages of this size).
DEADLINES_PER_PAGE = 100


regional_pages(bp)


@bp.get("/deadlines")
@requires(permissions.can_view_regional)
def index():
    """Overdue, this week, this month, later: filtered by kind, urgency and scope."""
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    category = request.args.get("when")
    category = category if category in CATEGORIES else None
    scope_name = request.args.get("scope")
    scope_name = scope_name if scope_name in SCOPES else "mine"
    scope = Scope(
        viewer=current_user, user=current_user if scope_name == "mine" else None
    )

    def deadlines_page() -> dict:
        page = window(
            lambda limit: deadlines(
                scope,
                kinds=(kind,) if kind else KINDS,
                categories=(category,) if category else CATEGORIES,
                limit=limit,
            ),
            per_page=DEADLINES_PER_PAGE,
        )
        return {
            "groups": grouped(page.items),
            "page": page,
            "kind": kind,
            "category": category,
            "scope_name": scope_name,
            "show_private": permissions.can_view_applications(current_user),
        }

    if wants_fragment():
        return render_template("deadlines/_list.html", **deadlines_page())
    return render_template("deadlines/index.html", **deadlines_page())


@bp.get("/calendar/<token>.ics")
@public
def calendar(token: str):
    """The iCalendar feed of the token's owner (no sign-in; the token is the key)."""
    user = db.session.scalar(select(User).where(User.calendar_token == token))
    if user is None or not permissions.can_use_calendar_feed(user):
        abort(404)
    response = Response(feed(user), mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="midwest.ics"'
    response.headers["Cache-Control"] = "no-store"
    return response


# Exempt from CSRF on purpose: a mail program's one-click unsubscribe (RFC 8058)
# posts here without a session or token; the signature in the address is the
# protection, and all it can do is turn one user's digest off.
@bp.route("/reminders/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
@public
def unsubscribe(token: str):
    """Stop the daily digest from the link in the mail: GET asks, POST does."""
    user = user_for_unsubscribe_token(token)
    if user is None:
        abort(404)
    if request.method == "POST":
        set_digest(user, False)
    with force_locale(user.language):
        response = make_response(
            render_template("deadlines/unsubscribe.html", user=user)
        )
    response.headers["Cache-Control"] = "no-store"  # it names the user
    return response
