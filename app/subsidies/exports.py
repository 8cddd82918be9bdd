"""Excel export of the applications the user may see (same filters as the table)."""

from __future__ import annotations

from flask import abort
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.auth import permissions
from app.exports.excel import Column, new_workbook, sheet, summary_sheet
from app.exports.registry import exporter
from app.extensions import db
from app.formatting import fmt_progress
from app.labels import label
from app.subsidies import dossiers, finances, listing
from app.subsidies.models import Application
from app.web.params import parse_int


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
        .options(*listing.loaded(), selectinload(Application.own_contributions))
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
        # Added at the end (issue 28 item 2): the columns before keep their place.
        Column(_("Own contribution"), 16, "money"),
        Column(_("Own share of the project cost"), 14, "percent"),
    ]
    contributions = {a.id: finances.dossier_contributions(a) for a in applications}
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
            contributions[a.id].own,
            _fraction(contributions[a.id].own_pct),
        ]
        for a in applications
    )
    sheet(workbook, _("Applications"), columns, rows)


@exporter("finances", with_param=True)
def export_finances(user, args, param):
    """`finances-<dossier id>`: the dossier's financial overview, as on its
    finances page but with all spending (for whoever may open the dossier)."""
    application_id = parse_int(param)
    if not permissions.can_view_applications(user):
        abort(403)
    application = listing.get_application(application_id) if application_id else None
    if application is None or not permissions.can_view_application(user, application):
        abort(404)
    budget = finances.budget_overview(application, spending_limit=0)
    workbook = new_workbook()
    finances_sheets(workbook, application, budget)
    return workbook


def _fraction(pct):
    return None if pct is None else pct / 100


def finances_sheets(workbook, application, budget) -> None:
    """Summary, per municipality, budget lines and spending of one dossier."""
    c = budget.contributions
    summary_sheet(
        workbook,
        _("Summary"),
        (_("Figure"), _("Value")),
        [
            (_("Dossier"), application.title, "text"),
            (_("Reference"), application.reference or "", "text"),
            (_("Call"), application.call.title, "text"),
            (_("Status"), label("application_status", application.status), "text"),
            (
                _("Subsidy (granted)")
                if c.basis == "granted"
                else _("Subsidy (requested)"),
                c.subsidy,
                "money",
            ),
            (_("Own contribution"), c.own, "money"),
            (_("Own share of the project cost"), _fraction(c.own_pct), "percent"),
            (_("Minimum the call asks"), _fraction(c.required_pct), "percent"),
            (_("Planned"), budget.planned, "money"),
            (_("Spent"), budget.spent, "money"),
            (_("Remaining"), budget.remaining, "money"),
        ],
    )
    sheet(
        workbook,
        _("Per municipality"),
        [
            Column(_("Municipality"), 24),
            Column(_("Role"), 10),
            Column(_("Subsidy"), 16, "money"),
            Column(_("Own contribution"), 16, "money"),
            Column(_("Planned"), 16, "money"),
            Column(_("Spent"), 16, "money"),
            Column(_("Remaining"), 16, "money"),
        ],
        (
            [
                row.municipality.name,
                _("lead") if row.is_lead else _("partner"),
                row.subsidy,
                row.own,
                row.planned,
                row.spent,
                row.remaining,
            ]
            for row in budget.partners
        ),
    )
    sheet(
        workbook,
        _("Budget lines"),
        [
            Column(_("Budget line"), 36),
            Column(_("Kind"), 22),
            Column(_("Borne by"), 24),
            Column(_("Planned"), 16, "money"),
            Column(_("Spent"), 16, "money"),
            Column(_("Remaining"), 16, "money"),
        ],
        (
            [
                row.line.title,
                label("budget_kind", row.line.kind),
                row.line.municipality.name,
                row.line.planned_amount,
                row.spent,
                row.remaining,
            ]
            for row in budget.lines
        ),
    )
    sheet(
        workbook,
        _("Spending"),
        [
            Column(_("Date"), 14, "date"),
            Column(_("Budget line"), 36),
            Column(_("Amount"), 16, "money"),
            Column(_("Description"), 40),
            Column(_("Document"), 30),
        ],
        (
            [
                spending.spent_on,
                line_title,
                spending.amount,
                spending.description,
                document_name or "",
            ]
            for spending, line_title, _kind, document_name in budget.spending
        ),
    )
