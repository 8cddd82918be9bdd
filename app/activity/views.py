"""/activity: who changed what, filterable."""

from datetime import date

from flask import render_template, request
from flask_login import current_user

from app.activity import bp
from app.activity.queries import ActivityFilter, activity_query
from app.activity.render import present
from app.auth import permissions
from app.auth.access import requires
from app.choices import chosen_choice, search_choices
from app.paging import page_of
from app.web import wants_fragment
from app.web.params import query_int

ENTITY_TYPES = (
    permissions.PUBLIC_ACTIVITY
    + permissions.MUNICIPAL_ACTIVITY
    + (
        "conversation",
        "user_account",
    )
)


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/activity")
@requires(permissions.can_view_activity)
def index():
    """The activity log with filters: who, what kind, municipality, period."""
    kind = request.args.get("kind")
    filters = ActivityFilter(
        actor_id=query_int("who"),
        entity_type=kind if kind in ENTITY_TYPES else None,
        municipality_id=query_int("municipality"),
        since=_date("from"),
        until=_date("to"),
    )

    def activity_page() -> dict:
        page = page_of(activity_query(current_user, filters), per_page=50)
        return {
            "page": page,
            "entries": present(page.items),
            "filters": filters,
            "kinds": ENTITY_TYPES,
            "chosen": {
                "who": chosen_choice("who", filters.actor_id, current_user),
                "municipality": chosen_choice(
                    "municipality", filters.municipality_id, current_user
                ),
            },
            "matches": {
                kind: search_choices(
                    kind, request.args.get(f"{kind}_search"), current_user
                )
                for kind in ("who", "municipality")
            },
        }

    if wants_fragment():
        return render_template("activity/_list.html", **activity_page())
    return render_template("activity/index.html", **activity_page())
