"""Budget lines of a dossier and the spending recorded against them (issue 28
item 2).

Revision ID: budget_lines
Revises: own_contributions
"""

import sqlalchemy as sa
from alembic import op

revision = "budget_lines"
down_revision = "own_contributions"
branch_labels = None
depends_on = None

TABLES = ("budget_line", "spending")


def _fk(table: str, column: str, target: str, ondelete: str):
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def _index(table: str, *columns: str):
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def upgrade():
    op.create_table(
        "budget_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("planned_amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('personnel', 'external_services', 'equipment', 'other')",
            name=op.f("ck_budget_line_kind"),
        ),
        sa.CheckConstraint(
            "planned_amount >= 0", name=op.f("ck_budget_line_planned_amount")
        ),
        _fk("budget_line", "application_id", "application", "CASCADE"),
        _fk("budget_line", "municipality_id", "municipality", "RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_line")),
    )
    _index("budget_line", "application_id", "municipality_id")
    op.create_table(
        "spending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("budget_line_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("spent_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_spending_amount_positive")),
        _fk("spending", "budget_line_id", "budget_line", "CASCADE"),
        _fk("spending", "application_id", "application", "CASCADE"),
        _fk("spending", "document_id", "document", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spending")),
    )
    _index("spending", "budget_line_id", "application_id", "document_id")
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
    op.drop_table("spending")
    op.drop_table("budget_line")
