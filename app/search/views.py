"""The header search (htmx: the list under the field) and the search page."""

from flask import current_app, render_template, request
from flask_login import current_user

from app.auth import permissions
from app.auth.access import requires
from app.search import bp, index
from app.web import wants_fragment
from app.web.params import search_text

#: Hits of each kind: in the list under the field, and on the full page.
SUGGESTIONS_PER_KIND = 3


@bp.get("/search")
@requires(permissions.is_signed_in)
def results():
    """Everything the user may see that matches `q`."""
    query = search_text(request.args.get("q"))
    if wants_fragment():
        groups = index.search(current_user, query, SUGGESTIONS_PER_KIND)
        html = render_template("search/_suggestions.html", groups=groups, q=query)
    else:
        groups = index.search(current_user, query, current_app.config["PAGE_SIZE"])
        html = render_template("search/results.html", groups=groups, q=query)
    return html, 200, {"Vary": "HX-Request", "Cache-Control": "no-store"}
