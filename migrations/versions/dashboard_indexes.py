"""Indexes for the dashboard's figures (issue 23 item 1): the dossiers per
status with their amounts (the pipeline totals read the index alone), and the
archived dossiers and working groups (the tasks out of use are counted from them
instead of testing every task).

Revision ID: dashboard_indexes
Revises: recurring_tasks
"""

import sqlalchemy as sa
from alembic import op

revision = "dashboard_indexes"
down_revision = "recurring_tasks"
branch_labels = None
depends_on = None

ARCHIVED = "archived_at IS NOT NULL"


def upgrade():
    # Status first: `archived_at IS NULL` must not look like a way into the
    # dossiers for the deadline queries (it matches nearly all of them).
    op.create_index(
        "ix_application_status_amounts",
        "application",
        ["status", "archived_at", "requested_amount", "granted_amount"],
    )
    # Partial: only the few archived rows, used by `task_out_of_use()` alone.
    for table in ("application", "working_group"):
        op.create_index(
            f"ix_{table}_archived",
            table,
            ["id"],
            sqlite_where=sa.text(ARCHIVED),
            postgresql_where=sa.text(ARCHIVED),
        )


def downgrade():
    op.drop_index("ix_working_group_archived", table_name="working_group")
    op.drop_index("ix_application_archived", table_name="application")
    op.drop_index("ix_application_status_amounts", table_name="application")
