"""Read model: a version per table and a change log, instead of one data generation
row that every writing transaction updated (and held locked to commit).

Revision ID: read_versions
Revises: task_start
"""

import sqlalchemy as sa
from alembic import op

revision = "read_versions"
down_revision = "render_indexes"
branch_labels = None
depends_on = None

#: The tables at this revision whose writes change what figures read, and the
#: bookkeeping columns' own version; any other table present when this runs gets
#: a row too. A later migration that adds a table adds its row as well, e.g.
#: INSERT INTO data_version (table_name, value) VALUES ('new_table', 0), unless
#: app/readmodel.py lists it in UNTRACKED_TABLES (the app does not start while a
#: row is missing).
VERSIONED = (
    "activity",
    "api_token",
    "application",
    "application_partner",
    "call_theme",
    "conversation",
    "document",
    "group_lead",
    "group_member",
    "group_municipality",
    "municipality",
    "payment",
    "publication",
    "reporting_obligation",
    "rollout",
    "round_thread",
    "score",
    "scoring_round",
    "subsidy_call",
    "task",
    "theme",
    "thread",
    "thread_mention",
    "trajectory_step",
    "user_account",
    "working_group",
    "bookkeeping",
)
#: Present but without a version: bookkeeping, the old counter, and alembic's.
SKIPPED = {
    "alembic_version",
    "data_generation",
    "data_version",
    "data_change",
    "login_failure",
    "reminder_sent",
}


def upgrade():
    # Versions start above the old generation: nothing a running process kept
    # under an old number can be taken for current.
    bind = op.get_bind()
    start = bind.scalar(sa.text("SELECT max(value) FROM data_generation"))
    present = {
        name
        for name in sa.inspect(bind).get_table_names()
        if name not in SKIPPED and not name.startswith("search_index")
    }
    version = op.create_table(
        "data_version",
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", name=op.f("pk_data_version")),
    )
    op.bulk_insert(
        version,
        [
            {"table_name": name, "value": start or 0}
            for name in sorted(set(VERSIONED) | present)
        ],
    )
    op.create_table(
        "data_change",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_change")),
    )
    op.create_index(
        op.f("ix_data_change_table_name"), "data_change", ["table_name"], unique=False
    )
    op.drop_table("data_generation")


def downgrade():
    table = op.create_table(
        "data_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_generation")),
    )
    total = op.get_bind().scalar(
        sa.text(
            "SELECT (SELECT coalesce(max(value), 0) FROM data_version)"
            " + (SELECT count(*) FROM data_change)"
        )
    )
    op.bulk_insert(table, [{"id": 1, "value": (total or 0) + 1}])
    op.drop_index(op.f("ix_data_change_table_name"), table_name="data_change")
    op.drop_table("data_change")
    op.drop_table("data_version")
