"""/municipalities and one municipality's participation."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app import clock
from app.auth import permissions
from app.auth.access import regional_pages, requires
from app.choices import municipality_search
from app.extensions import db
from app.meetings.meetings import municipality_meetings
from app.municipalities import bp
from app.municipalities.editing import conflicts, save_municipality
from app.municipalities.forms import MunicipalityForm
from app.municipalities.models import Municipality
from app.municipalities.participation import (
    MUNICIPALITY_SORT,
    municipality_list,
    participation,
)
from app.paging import page_number

regional_pages(bp)


@bp.get("/municipalities")
@requires(permissions.can_view_regional)
def index():
    """Every municipality, merged ones marked, with its progress."""
    sort = MUNICIPALITY_SORT.parse(request.args)
    pagination = municipality_list(sort, page_number())
    return render_template(
        "municipalities/index.html", pagination=pagination, sort=sort
    )


@bp.get("/municipalities/<slug>")
@requires(permissions.can_view_regional)
def detail(slug: str):
    """One municipality's participation (what the user may see of it)."""

    def municipality_page() -> dict:
        municipality = db.first_or_404(
            select(Municipality)
            .options(
                joinedload(Municipality.merged_into),
                selectinload(Municipality.merged_from),
            )
            .where(Municipality.slug == slug)
        )
        return {
            "p": participation(current_user, municipality),
            "meetings": municipality_meetings(municipality.id, clock.today()),
        }

    return render_template("municipalities/detail.html", **municipality_page())


def _render_edit(municipality: Municipality, form: MunicipalityForm) -> str:
    # The merger target is searched among active municipalities (the rule is
    # checked when saving: not itself, no cycle).
    search = municipality_search(form.merged_into_id, request.values)
    return render_template(
        "municipalities/edit.html", m=municipality, form=form, merger=search
    )


@bp.route("/municipalities/<slug>/edit", methods=["GET", "POST"])
@requires(permissions.can_edit_municipality)
def edit(slug: str):
    """Name, NIS code and merger of a municipality (coordinator)."""
    municipality = db.first_or_404(
        select(Municipality).where(Municipality.slug == slug)
    )
    if request.method == "GET":
        form = MunicipalityForm(municipality, obj=municipality)
        return _render_edit(municipality, form)
    # Only what was sent, never the stored values.
    form = MunicipalityForm(municipality)
    if request.form.get("find"):  # without JavaScript: list the matches, unsaved
        return _render_edit(municipality, form)
    valid = form.validate()
    if valid:
        for field, message in conflicts(
            municipality, form.name.data, form.nis_code.data, form.kbo_number.data
        ).items():
            getattr(form, field).errors.append(message)
            valid = False
    if not valid:
        return _render_edit(municipality, form), 422
    values = {
        "name": form.name.data,
        "nis_code": form.nis_code.data,
        "kbo_number": form.kbo_number.data,
        "merged_into_id": form.merged_into_id.data or None,
        "merged_on": form.merged_on.data if form.merged_into_id.data else None,
    }
    save_municipality(municipality, values, current_user._get_current_object())
    flash(_("The municipality is saved."), "success")
    return redirect(url_for("municipalities.detail", slug=municipality.slug), code=303)
