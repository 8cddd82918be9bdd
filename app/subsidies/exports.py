"""Excel export of the applications the user may see (same filters as the table)."""

from __future__ import annotations

from flask import abort
from flask_babel import gettext as _

from app.auth import permissions
from app.exports.excel import Column, new_workbook, sheet
from app.exports.registry import exporter
from app.extensions import db
from app.formatting import fmt_progress
from app.labels import label
from app.subsidies import dossiers, listing


@exporter("applications")
def export_applications(user, args, param):
    """Every visible application with its amounts (euro-formatted numbers)."""
    if not permissions.can_view_applications(user):
        abort(403)
    workbook = new_workbook()
    applications_sheet(workbook, user, listing.parse_filters(args))
    return workbook


def applications_sheet(workbook, user, filters: listing.Filters) -> None:
    """The sheet of applications `user` may see: also part of the forum report."""
    query = (
        listing.with_call(listing.filtered(user, filters))
        .options(*listing.loaded())
        .order_by(*listing.APPLICATION_SORT.order_by(filters.sorting))
    )
    applications = list(db.session.scalars(query))
    money = dossiers.money(applications)
    columns = [
        Column(_("Reference"), 22),
        Column(_("Title"), 40),
        Column(_("Call"), 36),
        Column(_("Theme"), 28),
        Column(_("Lead municipality"), 20),
        Column(_("Partners (share)"), 40),
        Column(_("Status"), 14),
        Column(_("Owner"), 24),
        Column(_("Requested"), 16, "money"),
        Column(_("Granted"), 16, "money"),
        Column(_("Paid"), 16, "money"),
        Column(_("Open balance"), 16, "money"),
        Column(_("Submitted on"), 14, "date"),
        Column(_("Decided on"), 14, "date"),
        Column(_("Project start"), 14, "date"),
        Column(_("Project end"), 14, "date"),
    ]
    rows = (
        [
            a.reference or "",
            a.title,
            a.call.title,
            a.theme.title if a.theme else "",
            a.lead_municipality.name,
            ", ".join(
                f"{p.municipality.name} ({fmt_progress(p.share_pct, 2)})"
                for p in a.partners
            ),
            label("application_status", a.status),
            a.owner.full_name if a.owner else "",
            a.requested_amount,
            a.granted_amount,
            money[a.id].paid,
            money[a.id].open_balance,
            a.submitted_on,
            a.decided_on,
            a.project_start,
            a.project_end,
        ]
        for a in applications
    )
    sheet(workbook, _("Applications"), columns, rows)
