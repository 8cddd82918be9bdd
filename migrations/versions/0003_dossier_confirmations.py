"""Dossiers keep the reason for an unusual submission date and the confirmations
of an over-grant and of amounts above the call's maximum.

Revision ID: 0003_dossier_confirmations
Revises: 0002_user_digest
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_dossier_confirmations"
down_revision = "0002_public_api"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("submission_reason", sa.String(length=500), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "over_grant_confirmed",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
        batch_op.add_column(
            sa.Column(
                "over_maximum_confirmed",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )


def downgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_column("over_maximum_confirmed")
        batch_op.drop_column("over_grant_confirmed")
        batch_op.drop_column("submission_reason")
