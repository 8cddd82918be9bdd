"""Reporting obligations can be waived: closing a dossier waives its open ones.

Revision ID: obligation_waived
Revises: 0011_search
"""

from alembic import op

revision = "obligation_waived"
down_revision = "0011_search"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reporting_obligation", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_reporting_obligation_status"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_reporting_obligation_status"),
            "status IN ('open', 'done', 'waived')",
        )


def downgrade():
    op.execute(
        "UPDATE reporting_obligation SET status = 'open' WHERE status = 'waived'"
    )
    with op.batch_alter_table("reporting_obligation", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_reporting_obligation_status"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_reporting_obligation_status"), "status IN ('open', 'done')"
        )
