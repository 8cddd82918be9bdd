"""Forums, their meetings, agenda items, decisions and action points (issue 28
item 1).

Revision ID: forum_meetings
Revises: dashboard_visits
"""

import sqlalchemy as sa
from alembic import op

revision = "forum_meetings"
down_revision = "dashboard_visits"
branch_labels = None
depends_on = None

TABLES = ("forum", "forum_member", "meeting", "agenda_item", "meeting_note")


def _fk(table: str, column: str, target: str, ondelete: str):
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def _index(table: str, *columns: str, unique: bool = False):
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=unique)


def upgrade():
    op.create_table(
        "forum",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=5000), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        _fk("forum", "group_id", "working_group", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forum")),
        sa.UniqueConstraint("name", name=op.f("uq_forum_name")),
    )
    _index("forum", "group_id")
    op.create_table(
        "forum_member",
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        _fk("forum_member", "forum_id", "forum", "CASCADE"),
        _fk("forum_member", "user_id", "user_account", "CASCADE"),
        sa.PrimaryKeyConstraint("forum_id", "user_id", name=op.f("pk_forum_member")),
    )
    _index("forum_member", "user_id")
    op.create_table(
        "meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("meeting", "forum_id", "forum", "RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting")),
    )
    _index("meeting", "forum_id", "held_on")
    op.create_table(
        "agenda_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        _fk("agenda_item", "meeting_id", "meeting", "CASCADE"),
        _fk("agenda_item", "theme_id", "theme", "SET NULL"),
        _fk("agenda_item", "application_id", "application", "SET NULL"),
        _fk("agenda_item", "call_id", "subsidy_call", "SET NULL"),
        _fk("agenda_item", "thread_id", "thread", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_item")),
    )
    _index(
        "agenda_item",
        "meeting_id",
        "theme_id",
        "application_id",
        "call_id",
        "thread_id",
    )
    op.create_table(
        "meeting_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('decision', 'action')", name=op.f("ck_meeting_note_kind")
        ),
        _fk("meeting_note", "meeting_id", "meeting", "CASCADE"),
        _fk("meeting_note", "theme_id", "theme", "SET NULL"),
        _fk("meeting_note", "task_id", "task", "SET NULL"),
        _fk("meeting_note", "created_by_id", "user_account", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_note")),
        sa.UniqueConstraint("task_id", name=op.f("uq_meeting_note_task_id")),
    )
    _index("meeting_note", "meeting_id", "theme_id")
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
    for table in reversed(TABLES):
        op.drop_table(table)
