"""Users get a mark for an address the mail server refused for good (SMTP 5xx).

Revision ID: mail_refused
Revises: remember_seen
"""

import sqlalchemy as sa
from alembic import op

revision = "mail_refused"
down_revision = "remember_seen"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("user_account", sa.Column("mail_refused_at", sa.DateTime(timezone=True)))
    op.add_column(
        "user_account", sa.Column("mail_refused_reason", sa.String(length=300))
    )


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+), as in task_start.
    op.drop_column("user_account", "mail_refused_reason")
    op.drop_column("user_account", "mail_refused_at")
