"""/activity: who changed what, filterable."""

from flask import render_template, request
from flask_login import current_user

from app.activity import bp
from app.activity.queries import ENTITY_TYPES, activity_query, filters_from
from app.activity.render import present
from app.auth import permissions
from app.auth.access import requires
from app.choices import chosen_choice, search_choices
from app.paging import page_of
from app.web import wants_fragment


@bp.get("/activity")
@requires(permissions.can_view_activity)
def index():
    """The activity log with filters: who, what kind, municipality, period."""
    filters = filters_from(request.args)

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
