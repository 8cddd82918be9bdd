"""The activity log as an Excel workbook, with the filters of /activity."""

from __future__ import annotations

from itertools import islice

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select

from app.activity.queries import activity_query, filters_from
from app.activity.render import present
from app.auth import permissions
from app.exports.excel import Column, new_workbook, sheet
from app.exports.registry import exporter
from app.extensions import db
from app.labels import label
from app.municipalities.models import Municipality

#: Entries read and rendered at a time: a long log streams, never all at once.
BATCH = 500


def activity_rows(user, filters):
    """(when, who, kind, object, what happened, municipality, changes) of every
    entry `user` may read under `filters`, newest first (the list's order)."""
    places = dict(db.session.execute(select(Municipality.id, Municipality.name)).all())
    entries = db.session.scalars(
        activity_query(user, filters).execution_options(yield_per=BATCH)
    )
    while batch := list(islice(entries, BATCH)):
        for view in present(batch):
            entry = view.entry
            yield (
                entry.created_at,
                view.actor.full_name if view.actor else _("system"),
                label("entity", entry.entity_type),
                entry.label or "",
                view.sentence,
                places.get(entry.municipality_id, ""),
                "; ".join(f"{c.label}: {c.old} → {c.new}" for c in view.changes),
            )


@exporter("activity")
def export_activity(user, args, param):
    """The activity log with the same filters and order as /activity."""
    if not permissions.can_view_activity(user):
        abort(403)
    workbook = new_workbook()
    columns = [
        Column(_("When"), 18, "datetime"),
        Column(_("Who"), 24),
        Column(_("What"), 18),
        Column(_("Object"), 40),
        Column(_("What happened"), 60),
        Column(_("Municipality"), 20),
        Column(_("Changes"), 60),
    ]
    sheet(workbook, _("Activity"), columns, activity_rows(user, filters_from(args)))
    return workbook
