"""A meeting's pack as a workbook, from the same `meeting_pack()` as the page."""

from __future__ import annotations

from flask_babel import gettext as _

from app.exports.excel import Column, new_workbook, sheet, summary_sheet
from app.labels import label
from app.meetings.pack import Pack


def _theme(changes) -> str:
    return changes.title or _("No theme")


def pack_workbook(pack: Pack):
    """Summary, changes per theme, tasks, rollout, dossiers (for who may open
    them) and the open action points."""
    meeting, window = pack.meeting, pack.window
    workbook = new_workbook()
    summary_sheet(
        workbook,
        _("Summary"),
        (_("Meeting"), _("Value")),
        [
            (_("Forum"), meeting.forum.name, "text"),
            (_("Date"), meeting.held_on, "date"),
            (_("Title"), meeting.title, "text"),
            (_("Changes since"), window.since, "date"),
            (_("Up to"), window.as_of, "date"),
            (_("Open action points"), len(pack.action_points), "int"),
        ],
    )
    sheet(
        workbook,
        _("Agenda"),
        [Column("#", 5, "int"), Column(_("Agenda item"), 50)],
        [(item.position, item.title) for item in pack.agenda],
    )
    columns = [
        Column(_("Theme"), 35),
        Column(_("Tasks done"), 12, "int"),
        Column(_("Tasks overdue"), 12, "int"),
        Column(_("Municipalities with an updated rollout"), 12, "int"),
    ]
    if pack.shows_dossiers:
        columns += [
            Column(_("New dossiers"), 12, "int"),
            Column(_("Changed dossiers"), 12, "int"),
            Column(_("Granted"), 16, "money"),
            Column(_("Paid"), 16, "money"),
        ]

    def theme_row(changes):
        row = [
            _theme(changes),
            changes.tasks_done,
            changes.tasks_overdue,
            changes.rollout_total,
        ]
        if pack.shows_dossiers:
            row += [
                changes.new_dossiers,
                changes.moved_dossiers,
                changes.granted,
                changes.paid,
            ]
        return row

    sheet(workbook, _("Per theme"), columns, [theme_row(c) for c in pack.themes])
    sheet(
        workbook,
        _("Tasks"),
        [
            Column(_("Theme"), 30),
            Column(_("Task"), 45),
            Column(_("Working group"), 30),
            Column(_("Status"), 14),
            Column(_("Due date"), 12, "date"),
            Column(_("Assignee"), 25),
        ],
        [
            (
                _theme(c),
                t.title,
                t.group or "",
                label("task_status", t.status),
                t.due_on,
                t.assignee or "",
            )
            for c in pack.themes
            for t in c.tasks
        ],
    )
    sheet(
        workbook,
        _("Rollout"),
        [
            Column(_("Theme"), 30),
            Column(_("Municipality"), 25),
            Column(_("Stage"), 18),
            Column(_("Changed"), 18, "datetime"),
        ],
        [
            (_theme(c), r.municipality, label("rollout_stage", r.stage), r.updated_at)
            for c in pack.themes
            for r in c.rollout
        ],
    )
    if pack.shows_dossiers:
        sheet(
            workbook,
            _("Dossiers"),
            [
                Column(_("Theme"), 30),
                Column(_("Reference"), 22),
                Column(_("Dossier"), 40),
                Column(_("Status"), 16),
                Column(_("Granted"), 16, "money"),
                Column(_("Paid since"), 16, "money"),
            ],
            [
                (
                    _theme(c),
                    d.reference or "",
                    d.title,
                    label("application_status", d.status),
                    d.granted_amount,
                    d.paid,
                )
                for c in pack.themes
                for d in c.dossiers
            ],
        )
    sheet(
        workbook,
        _("Open action points"),
        [
            Column(_("Meeting"), 12, "date"),
            Column(_("Action point"), 50),
            Column(_("Assignee"), 25),
            Column(_("Due date"), 12, "date"),
        ],
        [(a.held_on, a.text, a.assignee or "", a.due_on) for a in pack.action_points],
    )
    return workbook
