"""Exports of this domain: one municipality's workbook and the forum report."""

from __future__ import annotations

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app import clock
from app.archive import not_archived, task_in_use
from app.auth import permissions
from app.deadlines.deadlines import Scope, deadlines
from app.exports.excel import Column, new_workbook, sheet, summary_sheet
from app.exports.registry import exporter
from app.extensions import db
from app.formatting import fmt_yes_no, progress_value
from app.labels import label
from app.municipalities.models import Municipality
from app.municipalities.participation import participation
from app.strategy.models import ScoringRound
from app.strategy.results import for_reader, round_results
from app.strategy.workbooks import results_sheet
from app.subsidies.exports import applications_sheet
from app.subsidies.listing import Filters
from app.subsidies.rollups import (
    calls_and_totals_for,
    figure_basis,
    regional_totals,
)
from app.work.models import Rollout, Task, Theme
from app.work.progress import overdue_clause, theme_progress


def _shown(figures, name: str):
    """A figure of the roll-ups, or "fewer than 3" where it is withheld."""
    if name in figures.withheld:
        return _("fewer than %(n)s dossiers", n=permissions.MIN_DOSSIERS_IN_AGGREGATE)
    return getattr(figures, name)


def _deadline_sheet(workbook, items) -> None:
    sheet(
        workbook,
        _("Deadlines"),
        [
            Column(_("Due"), 12, "date"),
            Column(_("What"), 20),
            Column(_("Title"), 50),
            Column(_("Municipality"), 18),
            Column(_("Overdue"), 10),
        ],
        [
            (
                d.due,
                label("deadline_kind", d.kind),
                d.title,
                d.municipality or "",
                fmt_yes_no(d.category == "overdue"),
            )
            for d in items
        ],
    )


@exporter("municipality", with_param=True)
def municipality_workbook(user, args, slug):
    """One municipality's participation, as on its page."""
    municipality = db.session.scalar(
        select(Municipality)
        .options(joinedload(Municipality.merged_into))
        .where(Municipality.slug == slug)
    )
    if municipality is None:
        abort(404)
    p = participation(user, municipality, limit=None)  # all, not the page's
    workbook = new_workbook()
    summary = [
        (_("Municipality"), municipality.name, "text"),
        (
            _("Merged into"),
            municipality.merged_into.name if municipality.merged_into else "",
            "text",
        ),
        (_("Themes live"), p.progress.live, "int"),
        (_("Tasks concerning it"), p.progress.tasks.total, "int"),
        (_("Tasks done"), p.progress.tasks.done, "int"),
    ]
    if p.amounts:
        for role, text in (
            ("lead", _("As lead (its share)")),
            ("partner", _("As partner (its share)")),
        ):
            summary.append(
                (f"{text}: {_('Granted')}", p.amounts[role].granted, "money")
            )
    summary_sheet(workbook, _("Summary"), (_("Figure"), _("Value")), summary)
    sheet(
        workbook,
        _("Rollout"),
        [
            Column(_("Theme"), 40),
            Column(_("Stage"), 18),
            Column(_("Note"), 50),
            Column(_("Updated"), 12, "date"),
        ],
        [
            (
                r.theme_title,
                label("rollout_stage", r.stage),
                r.note,
                r.updated_at.date(),
            )
            for r in p.rollout
        ],
    )
    sheet(
        workbook,
        _("Tasks"),
        [
            Column(_("Task"), 50),
            Column(_("Working group"), 30),
            Column(_("Status"), 14),
            Column(_("Progress"), 10, "percent"),
            Column(_("Due"), 12, "date"),
        ],
        [
            (
                t.title,
                t.group_name or "",
                label("task_status", t.status),
                progress_value(t.progress),
                t.due_on,
            )
            for t in p.tasks
        ],
    )
    if permissions.can_view_applications(user):
        involved = [(a, _("lead")) for a in p.applications_as_lead]
        involved += [(a, _("partner")) for a, _share in p.applications_as_partner]
        rows = [
            (
                a.title,
                a.call_title,
                role,
                label("application_status", a.status),
                a.requested_amount,
                a.granted_amount,
            )
            for a, role in involved
        ]
        sheet(
            workbook,
            _("Applications"),
            [
                Column(_("Application"), 45),
                Column(_("Call"), 40),
                Column(_("Role"), 10),
                Column(_("Status"), 16),
                Column(_("Requested"), 16, "money"),
                Column(_("Granted"), 16, "money"),
            ],
            rows,
        )
    score_rows = [
        (r.scoring_round.name, thread.code, thread.title, score.value)
        for r in p.rounds
        if r.visible
        for thread, score in r.scores
    ]
    sheet(
        workbook,
        _("Scores"),
        [
            Column(_("Round"), 36),
            Column(_("Code"), 8),
            Column(_("Thread"), 50),
            Column(_("Score"), 8, "int"),
        ],
        score_rows,
    )
    _deadline_sheet(workbook, p.deadlines)
    return workbook


def _amounts_basis(user) -> str:
    """Whose view the report's amounts are: they differ by who downloads it
    (nobody gets a total over dossiers they may not see), so the sheet says so."""
    scope = permissions.application_scope(user)
    if scope == "region":
        return _("every dossier of the region")
    if scope == "none":
        return _(
            "every dossier of the region; a figure over 1 or 2 dossiers you may"
            " not see is withheld"
        )
    municipality = db.session.get(Municipality, user.municipality_id)
    return _(
        "only the dossiers of %(name)s (as lead or partner): the ones you may see;"
        " the coordinator's report counts every dossier",
        name=municipality.name if municipality else "",
    )


@exporter("forum-report")
def forum_report(user, args, _param):
    """One workbook for the Midwest forums: summary, themes and rollout, tasks due
    and overdue, applications and amounts, the latest round's results."""
    today = clock.today()
    workbook = new_workbook()
    themes = list(db.session.scalars(select(Theme).order_by(Theme.title)))
    progress = theme_progress([t.id for t in themes])
    overdue = db.session.scalar(
        select(func.count(Task.id)).where(
            overdue_clause(today),
            permissions.in_shared_task_figures(),
            task_in_use(),
        )
    )
    open_tasks = db.session.scalar(
        select(func.count(Task.id)).where(
            Task.status != "done", permissions.in_shared_task_figures(), task_in_use()
        )
    )
    municipalities = list(
        db.session.scalars(
            select(Municipality)
            .where(Municipality.merged_into_id.is_(None))
            .order_by(Municipality.name)
        )
    )
    if permissions.can_view_applications(user):
        per_call, totals = {}, regional_totals(user)  # of the dossiers they see
    else:
        per_call, totals = calls_and_totals_for(user)
    summary = [
        (_("Date of the report"), today, "date"),
        (_("Municipalities"), len(municipalities), "int"),
        (
            _("Active themes"),
            sum(1 for t in themes if t.status == "active"),
            "int",
        ),
        (_("Open tasks"), open_tasks, "int"),
        (_("Overdue tasks"), overdue, "int"),
        (_("Requested"), _shown(totals, "requested"), "money"),
        (_("Granted"), _shown(totals, "granted"), "money"),
        (_("Paid"), _shown(totals, "paid"), "money"),
        (_("Amounts counted over"), _amounts_basis(user), "text"),
        *(
            (title, figure_basis(name), "text")
            for title, name in (
                (_("“Requested” counts"), "requested"),
                (_("“Granted” counts"), "granted"),
                (_("“Paid” counts"), "paid"),
            )
        ),
    ]
    summary_sheet(workbook, _("Summary"), (_("Figure"), _("Value")), summary)
    stages = {
        (r.theme_id, r.municipality_id): r.stage
        for r in db.session.scalars(select(Rollout))
    }
    sheet(
        workbook,
        _("Themes and rollout"),
        [
            Column(_("Theme"), 36),
            Column(_("Status"), 12),
            Column(_("Tasks done"), 12, "int"),
            Column(_("Tasks"), 10, "int"),
        ]
        + [Column(m.name, 14) for m in municipalities],
        [
            [
                t.title,
                label("theme_status", t.status),
                progress[t.id].done,
                progress[t.id].total,
            ]
            + [label("rollout_stage", stages.get((t.id, m.id))) for m in municipalities]
            for t in themes
        ],
    )
    soon = deadlines(Scope(viewer=user), kinds=("task",), within_days=30, limit=None)
    _deadline_sheet(workbook, soon)
    if permissions.can_view_applications(user):
        applications_sheet(workbook, user, Filters())
    else:
        from app.subsidies.models import SubsidyCall

        calls = {c.id: c.title for c in db.session.scalars(select(SubsidyCall))}
        sheet(
            workbook,
            _("Amounts per call"),
            [
                Column(_("Call"), 45),
                Column(_("Applications"), 12, "int"),
                Column(_("Requested"), 16, "money"),
                Column(_("Granted"), 16, "money"),
                Column(_("Paid"), 16, "money"),
            ],
            [
                (
                    calls[cid],
                    _shown(f, "applications"),
                    _shown(f, "requested"),
                    _shown(f, "granted"),
                    _shown(f, "paid"),
                )
                for cid, f in per_call.items()
            ],
        )
    latest = db.session.scalar(
        select(ScoringRound)
        .where(ScoringRound.status == "closed", not_archived(ScoringRound))
        .order_by(ScoringRound.closes_on.desc())
        .limit(1)
    )
    results = for_reader(round_results(latest), user) if latest is not None else None
    results_sheet(workbook, results, _("Scores results"))
    return workbook
