"""Users can turn the daily reminder digest off.

Revision ID: 0002_user_digest
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_user_digest"
down_revision = "activity_struct"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "digest_enabled", sa.Boolean(), nullable=False, server_default=sa.true()
            )
        )


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("digest_enabled")
