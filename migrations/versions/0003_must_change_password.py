"""An account created or reset by an admin must choose a new password.

Revision ID: 0003_must_change_password
Revises: 0003_dossier_confirmations
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_must_change_password"
down_revision = "0003_dossier_confirmations"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "must_change_password",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
