"""/notifications (inbox and bell), /profile/notifications, follow buttons, the
one-click unsubscribe per kind, and reminders to municipalities."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import permissions as perm
from app.auth.access import check, public, requires
from app.extensions import csrf, db
from app.http_cache import no_store
from app.notifications import bp
from app.notifications import events as _events  # noqa: F401 - connects receivers
from app.notifications.events import is_following, set_following
from app.notifications.forms import PreferencesForm
from app.notifications.inbox import (
    call_laggards,
    inbox,
    lead_times,
    mark_read,
    preferences,
    remind,
    reminders_sent,
    round_laggards,
    save_preferences,
    set_channel,
    unread_count,
)
from app.notifications.kinds import (
    KIND_LABELS,
    KINDS,
    message,
    object_url,
)
from app.notifications.mailing import kinds_for_unsubscribe_token
from app.notifications.models import Notification
from app.strategy.models import ScoringRound, Thread
from app.subsidies.models import Application, SubsidyCall
from app.work.models import Task, WorkingGroup

#: The URL segment of each followable object, its model and object type.
FOLLOW_PATHS = {
    "applications": (Application, "application"),
    "tasks": (Task, "task"),
    "groups": (WorkingGroup, "group"),
    "calls": (SubsidyCall, "call"),
    "threads": (Thread, "thread"),
}
CHANGED = "notifications-changed"


def _me():
    return current_user._get_current_object()


@bp.app_template_global()
def follow_state(object_type: str, obj) -> bool:
    """Whether the signed-in person follows `obj` (the follow button)."""
    return is_following(current_user, object_type, obj)


@bp.app_template_global("reminders_sent")
def reminders_sent_global(object_type: str, object_id: int) -> list:
    """The latest reminders about a round or call (who sent them, when, to whom)."""
    return reminders_sent(object_type, object_id)


@bp.app_template_global()
def notification_text(notification) -> str:
    actor = notification.actor.full_name if notification.actor else ""
    return message(notification.kind, notification.title, notification.detail, actor)


@bp.app_template_global()
def notification_url(notification) -> str:
    return object_url(notification.object_type, notification.object_id)


@bp.get("/notifications")
@requires(perm.is_signed_in)
@no_store
def index():
    """The inbox: unread first; filters unread and kind; mark read."""
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    unread_only = request.args.get("unread") == "1"
    page = inbox(_me(), unread_only, kind)
    return render_template(
        "notifications/index.html",
        page=page,
        kind=kind,
        unread_only=unread_only,
        kinds=[(k, KIND_LABELS[k]) for k in KINDS],
    )


@bp.get("/notifications/bell")
@requires(perm.is_signed_in)
def bell():
    """The header bell's count (htmx polls it; a passive request)."""
    response = make_response(
        render_template("notifications/_bell.html", count=unread_count(_me()))
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/notifications/<int:notification_id>/read")
@requires(perm.is_signed_in)
def read_one(notification_id: int):
    """Mark one of one's own events read (htmx: its row, and the bell refreshes)."""
    me = _me()
    mark_read(me, notification_id)
    if request.htmx:
        item = db.session.get(Notification, notification_id)
        if item is None or item.user_id != me.id:
            abort(404)
        response = make_response(render_template("notifications/_item.html", item=item))
        response.headers["HX-Trigger"] = CHANGED
        return response
    return redirect(_back(), code=303)


@bp.post("/notifications/read")
@requires(perm.is_signed_in)
def read_all():
    """Mark all of one's events read."""
    mark_read(_me())
    flash(_("All notifications are marked as read."), "success")
    return redirect(_back(), code=303)


def _back() -> str:
    """The inbox with the filters it was shown with."""
    kind = request.form.get("kind")
    return url_for(
        "notifications.index",
        kind=kind if kind in KINDS else None,
        unread="1" if request.form.get("unread") == "1" else None,
    )


@bp.route("/profile/notifications", methods=["GET", "POST"])
@requires(perm.is_signed_in)
def settings():
    """How each kind reaches me, and my lead times for the daily digest."""
    me = _me()
    form = PreferencesForm()
    if request.method == "GET":
        for kind, channel in preferences(me).items():
            form[f"channel_{kind}"].data = channel
        for kind, days in lead_times(me).items():
            form[f"lead_{kind}"].data = days
    elif form.validate_on_submit():
        save_preferences(me, form.channels(), form.leads())
        flash(_("Your notification settings are saved."), "success")
        return redirect(url_for("notifications.settings"), code=303)
    status = 422 if form.errors else 200
    return render_template("notifications/settings.html", form=form), status


@bp.post("/<any(applications,tasks,groups,calls,threads):path>/<int:object_id>/follow")
@requires(perm.can_view_regional)
def follow(path: str, object_id: int):
    """Follow or stop following an object one may see."""
    model, object_type = FOLLOW_PATHS[path]
    if object_type == "application":
        check(perm.can_view_applications(current_user))
    obj = db.session.get(model, object_id)
    if obj is None or not perm.can_see_object(current_user, object_type, obj):
        abort(404)
    following = request.form.get("following") == "1"
    set_following(_me(), object_type, obj, following)
    db.session.commit()
    if request.htmx:
        return render_template(
            "notifications/_follow.html", follow_type=object_type, follow_obj=obj
        )
    flash(
        _("You follow this now.") if following else _("You no longer follow this."),
        "success",
    )
    return redirect(object_url(object_type, obj.id), code=303)


# Exempt from CSRF on purpose, like the digest's link: a mail program's one-click
# unsubscribe (RFC 8058) posts without a session; the signature is the key, and
# all it can do is move one person's kinds from e-mail to the inbox.
@bp.route("/notifications/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
@public
def unsubscribe(token: str):
    """Stop the e-mail of the kinds in the link: GET asks, POST does."""
    found = kinds_for_unsubscribe_token(token)
    if found is None:
        abort(404)
    user, kinds = found
    done = request.method == "POST"
    if done:
        set_channel(user, kinds, "inbox")
    with force_locale(user.language):
        response = make_response(
            render_template(
                "notifications/unsubscribe.html",
                user=user,
                kinds=[KIND_LABELS[k] for k in kinds],
                done=done,
            )
        )
    response.headers["Cache-Control"] = "no-store"  # it names the user
    return response


@bp.post("/rounds/<int:round_id>/remind")
@requires(perm.can_send_reminders)
def remind_round(round_id: int):
    """Remind the municipalities without a complete ballot (once a day each)."""
    scoring_round = db.get_or_404(ScoringRound, round_id)
    if scoring_round.status != "open":
        flash(_("Only an open round can be reminded of."), "error")
    else:
        _flash_reminded(remind(scoring_round, round_laggards(scoring_round), _me()))
    return redirect(url_for("strategy.round", round_id=round_id), code=303)


@bp.post("/calls/<int:call_id>/remind")
@requires(perm.can_send_reminders)
def remind_call(call_id: int):
    """Remind the fitting municipalities that have not applied (once a day each)."""
    call = db.get_or_404(SubsidyCall, call_id)
    _flash_reminded(remind(call, call_laggards(call), _me()))
    return redirect(url_for("subsidies.call", call_id=call_id), code=303)


def _flash_reminded(result) -> None:
    if result.sent:
        flash(
            _("Reminded: %(names)s.", names=", ".join(result.sent)),
            "success",
        )
    if result.skipped:
        flash(
            _(
                "Already reminded today, not sent again: %(names)s.",
                names=", ".join(result.skipped),
            ),
            "info",
        )
    if not result.sent and not result.skipped:
        flash(_("Nobody to remind."), "info")
