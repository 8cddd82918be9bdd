"""Indexes of the dossiers in use by call and by theme, with the columns the
roll-ups per call and per theme add up (issue 23 item 1): /calls and the
roll-up per theme of /applications read them from the index alone, and the
list's default order (the newest call deadline first) sorts the narrow index
entries instead of every dossier's whole row.

Revision ID: application_list_index
Revises: municipality_money
"""

import sqlalchemy as sa
from alembic import op

revision = "application_list_index"
down_revision = "municipality_money"
branch_labels = None
depends_on = None

IN_USE = "archived_at IS NULL"
#: What the roll-ups per call and per theme add up (archived_at too: SQLite
#: then reads the dossiers from the index alone).
COLUMNS = ("status", "requested_amount", "granted_amount", "archived_at")


def upgrade():
    for key in ("call", "theme"):
        op.create_index(
            f"ix_application_in_use_by_{key}",
            "application",
            [f"{key}_id", *COLUMNS],
            sqlite_where=sa.text(IN_USE),
            postgresql_where=sa.text(IN_USE),
        )


def downgrade():
    for key in ("theme", "call"):
        op.drop_index(f"ix_application_in_use_by_{key}", table_name="application")
