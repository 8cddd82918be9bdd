"""Tasks get an optional start date (the theme timeline draws start to due).

Revision ID: task_start
Revises: archive
"""

import sqlalchemy as sa
from alembic import op

revision = "task_start"
down_revision = "archive"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("task", sa.Column("start_on", sa.Date(), nullable=True))


def downgrade():
    # A plain DROP COLUMN (SQLite 3.35+): a batch copy of the table would lose the
    # search triggers on it.
    op.drop_column("task", "start_on")
