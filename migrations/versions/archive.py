"""Archiving: calls, dossiers, scoring rounds, working groups, talks and threads
get `archived_at` and `archived_by_id`.

Plain ADD COLUMN / DROP COLUMN on both databases (SQLite 3.35+ drops columns):
no batch rebuild, which on SQLite would lose the search triggers and, dropping
the old table, fire the ON DELETE CASCADE of the rows that refer to it. Hence
`archived_by_id` has no foreign key (see app.db.ArchivableMixin).

Revision ID: archive
Revises: obligation_waived
"""

import sqlalchemy as sa
from alembic import op

revision = "archive"
down_revision = "obligation_waived"
branch_labels = None
depends_on = None

TABLES = (
    "subsidy_call",
    "application",
    "scoring_round",
    "working_group",
    "conversation",
    "thread",
)


def upgrade():
    for table in TABLES:
        op.add_column(
            table, sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True)
        )
        op.add_column(table, sa.Column("archived_by_id", sa.Integer(), nullable=True))


def downgrade():
    for table in reversed(TABLES):
        op.drop_column(table, "archived_by_id")
        op.drop_column(table, "archived_at")
