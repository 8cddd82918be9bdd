"""/municipalities and one municipality's participation."""

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.auth import permissions
from app.auth.access import regional_pages, requires
from app.extensions import db
from app.municipalities import bp
from app.municipalities.models import Municipality
from app.municipalities.participation import (
    MUNICIPALITY_SORT,
    municipality_list,
    participation,
)

regional_pages(bp)


@bp.get("/municipalities")
@requires(permissions.can_view_regional)
def index():
    """Every municipality, merged ones marked, with its progress."""
    sort = MUNICIPALITY_SORT.parse(request.args)
    return render_template(
        "municipalities/index.html", rows=municipality_list(sort), sort=sort
    )


@bp.get("/municipalities/<slug>")
@requires(permissions.can_view_regional)
def detail(slug: str):
    """One municipality's participation (what the user may see of it)."""
    municipality = db.first_or_404(
        select(Municipality)
        .options(
            joinedload(Municipality.merged_into), selectinload(Municipality.merged_from)
        )
        .where(Municipality.slug == slug)
    )
    return render_template(
        "municipalities/detail.html", p=participation(current_user, municipality)
    )
