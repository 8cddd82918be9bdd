"""/municipalities and one municipality's participation."""

from flask import render_template
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.municipalities import bp
from app.municipalities.models import Municipality
from app.municipalities.participation import municipality_list, participation


@bp.get("/municipalities")
@login_required
def index():
    """Every municipality, merged ones marked, with its progress."""
    return render_template("municipalities/index.html", rows=municipality_list())


@bp.get("/municipalities/<slug>")
@login_required
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
