"""activity as data: audience, dossier, label and details; individual scores purged

Entries were finished English sentences, readable by object type. Now an entry
stores its object's label and the details its sentence needs (rendered in the
reader's language), and who may read it (`audience`, with `application_id` for
entries about a dossier). Existing rows are converted where their sentence can be
parsed; the others keep their text as fallback (label stays NULL). Score imports
listed every municipality's old and new score in a regional entry: those values
are purged (the entry keeps its count).

Revision ID: activity_struct
Revises: 0001
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "activity_struct"
down_revision = "0001"
branch_labels = None
depends_on = None

# The entity types as they were at this revision (app.auth.permissions).
PUBLIC = {
    "trajectory_step",
    "thread",
    "scoring_round",
    "theme",
    "rollout",
    "working_group",
    "task",
    "subsidy_call",
}
MUNICIPAL = {
    "score",
    "application",
    "application_partner",
    "payment",
    "reporting_obligation",
}

# The sentences written before this revision, most specific first: each gives the
# label and the details of the structured entry.
SENTENCES = [
    r"^(?P<count>\d+) scores imported into '(?P<label>.*)'"
    r"(?: from (?P<filename>.+))?$",
    r"^Score (?P<code>\S+) of (?P<municipality>.+) in '(?P<round>.*)'"
    r"(?P<on_behalf> entered on behalf of the municipality)?$",
    r"^Scoring round '(?P<label>.*)' (?:created|updated|is now \w+)$",
    r"^Thread (?P<thread>\S+) promoted to theme '(?P<label>.*)'$",
    r"^Thread (?P<code>\S+) '(?P<title>.*)' created$",
    r"^Thread (?P<label>\S+) (?:updated|selected as a theme)$",
    r"^Trajectory step '(?P<label>.*)' updated$",
    r"^Talk with (?P<label>.+) on (?P<held_on>\d{4}-\d\d-\d\d) (?:recorded|updated)$",
    r"^Working group '(?P<label>.*)' created for '(?P<theme>.*)'$",
    r"^Working group '(?P<label>.*)' updated$",
    r"^Rollout of '(?P<theme>.*)' in (?P<municipality>.+) updated$",
    r"^Task '(?P<label>.*)' (?:created|updated|deleted)$",
    r"^Call '(?P<label>.*)' (?:created|updated)$",
    r"^Notes of application '(?P<label>.*)' updated$",
    r"^Partner (?P<partner>.+?) removed from application '(?P<label>.*)'$",
    r"^Partner (?P<partner>.+?) of application '(?P<label>.*)'$",
    r"^Payment (?P<amount>\S+) (?:for|of) application '(?P<label>.*)'(?: deleted)?$",
    r"^Obligation '(?P<label>.*)' (?:created|updated)$",
    r"^Application '(?P<label>.*)' \w+$",
    r"^Password of (?P<label>\S+) reset$",
    r"^User (?P<label>\S+) (?:created \(\w+\)|updated)$",
]
PATTERNS = [re.compile(pattern) for pattern in SENTENCES]


def _structure(action: str, summary: str) -> tuple[str | None, dict, str]:
    """(label, details, action) parsed from an old sentence; label None if not."""
    for pattern in PATTERNS:
        match = pattern.match(summary or "")
        if match is None:
            continue
        found = {k: v for k, v in match.groupdict().items() if v is not None}
        details: dict = {}
        if "code" in found and "municipality" in found:  # a score
            label = f"{found['code']} – {found['municipality']}"
            details = {"round": found["round"], "on_behalf": "on_behalf" in found}
        elif "code" in found:  # a new thread
            label = f"{found['code']} {found['title']}"
        elif "theme" in found and "municipality" in found:  # a rollout
            label = f"{found['theme']} – {found['municipality']}"
        else:
            label = found["label"]
            for key in ("count", "filename", "thread", "held_on", "partner", "amount"):
                if key in found:
                    details[key] = int(found[key]) if key == "count" else found[key]
            if "theme" in found:
                details["theme"] = found["theme"]
        if summary.startswith("Password of "):
            action = "password_reset"
        return label, details, action
    return None, {}, action


def _audience(entity_type: str, municipality_id, application_id) -> str:
    if application_id is not None:
        return "dossier"
    if entity_type in MUNICIPAL:
        return "municipality" if municipality_id else "coordinator"
    if entity_type in PUBLIC:
        return "regional"
    return "coordinator"


def upgrade():
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("application_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "audience",
                sa.String(length=20),
                server_default="regional",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("label", sa.String(length=300), nullable=True))
        batch_op.add_column(
            sa.Column("details", sa.JSON(), server_default="{}", nullable=False)
        )
        batch_op.create_index(
            batch_op.f("ix_activity_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_activity_audience"), ["audience"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_activity_application_id_application"),
            "application",
            ["application_id"],
            ["id"],
            ondelete="SET NULL",
        )
    _convert_rows(op.get_bind())


def _convert_rows(connection) -> None:
    meta = sa.MetaData()
    activity = sa.Table("activity", meta, autoload_with=connection)
    owners = {}
    for table_name in ("payment", "reporting_obligation", "task"):
        table = sa.Table(table_name, meta, autoload_with=connection)
        owners[table_name] = dict(
            connection.execute(
                sa.select(table.c.id, table.c.application_id).where(
                    table.c.application_id.is_not(None)
                )
            ).all()
        )
    rows = connection.execute(
        sa.select(
            activity.c.id,
            activity.c.action,
            activity.c.entity_type,
            activity.c.entity_id,
            activity.c.municipality_id,
            activity.c.summary,
            activity.c.changes,
        )
    ).all()
    updates = []
    for row in rows:
        if row.entity_type == "application":
            application_id = row.entity_id
        else:
            application_id = owners.get(row.entity_type, {}).get(row.entity_id)
        label, details, action = _structure(row.action, row.summary)
        changes = row.changes or {}
        if row.entity_type == "scoring_round" and row.action == "import":
            changes = {}  # every municipality's individual scores: purged
        updates.append(
            {
                "row_id": row.id,
                "new_action": action,
                "new_application_id": application_id,
                "new_audience": _audience(
                    row.entity_type, row.municipality_id, application_id
                ),
                "new_label": label,
                "new_details": details,
                "new_changes": changes,
            }
        )
    if updates:
        connection.execute(
            activity.update()
            .where(activity.c.id == sa.bindparam("row_id"))
            .values(
                action=sa.bindparam("new_action"),
                application_id=sa.bindparam("new_application_id"),
                audience=sa.bindparam("new_audience"),
                label=sa.bindparam("new_label"),
                details=sa.bindparam("new_details"),
                changes=sa.bindparam("new_changes"),
            ),
            updates,
        )


def downgrade():
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_activity_application_id_application"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_activity_audience"))
        batch_op.drop_index(batch_op.f("ix_activity_application_id"))
        batch_op.drop_column("details")
        batch_op.drop_column("label")
        batch_op.drop_column("audience")
        batch_op.drop_column("application_id")
