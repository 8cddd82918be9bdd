"""When each person last opened their dashboard, for "new since your last visit"
(issue 26 item 8). Bookkeeping: in app.readmodel.UNTRACKED_TABLES, no version row.

Revision ID: dashboard_visits
Revises: comments
"""

import sqlalchemy as sa
from alembic import op

revision = "dashboard_visits"
down_revision = "comments"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "dashboard_visit",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("previous_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_dashboard_visit_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_dashboard_visit")),
    )


def downgrade():
    op.drop_table("dashboard_visit")
