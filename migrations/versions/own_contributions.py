"""Own contributions (co-financing) of the lead and partners of a dossier (issue 28
item 2).

Revision ID: own_contributions
Revises: application_list_index
"""

import sqlalchemy as sa
from alembic import op

revision = "own_contributions"
down_revision = "application_list_index"
branch_labels = None
depends_on = None

TABLES = ("own_contribution",)


def upgrade():
    op.create_table(
        "own_contribution",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("entered_as", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("share_pct", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "entered_as IN ('amount', 'percent')",
            name=op.f("ck_own_contribution_entered_as"),
        ),
        sa.CheckConstraint(
            "(entered_as = 'amount' AND amount IS NOT NULL AND amount >= 0 "
            "AND share_pct IS NULL) OR (entered_as = 'percent' "
            "AND share_pct IS NOT NULL AND share_pct >= 0 AND share_pct < 100 "
            "AND amount IS NULL)",
            name=op.f("ck_own_contribution_entered_value"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
            name=op.f("fk_own_contribution_application_id_application"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_own_contribution_municipality_id_municipality"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_own_contribution")),
        sa.UniqueConstraint(
            "application_id",
            "municipality_id",
            name=op.f("uq_own_contribution_application_id_municipality_id"),
        ),
    )
    op.create_index(
        op.f("ix_own_contribution_municipality_id"),
        "own_contribution",
        ["municipality_id"],
    )
    # Every new table gets its version row (app/readmodel.py).
    for table in TABLES:
        op.execute(
            sa.text(
                "INSERT INTO data_version (table_name, value) VALUES (:name, 0)"
            ).bindparams(name=table)
        )


def downgrade():
    op.execute(
        sa.text("DELETE FROM data_version WHERE table_name IN :names").bindparams(
            sa.bindparam("names", value=list(TABLES), expanding=True)
        )
    )
    op.drop_index(op.f("ix_own_contribution_municipality_id"), "own_contribution")
    op.drop_table("own_contribution")
