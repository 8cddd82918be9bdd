"""Recurring tasks, "starts after" dependencies between tasks, and the task
templates of working groups (issue 28 item 5).

Revision ID: recurring_tasks
Revises: forum_meetings
"""

import sqlalchemy as sa
from alembic import op

revision = "recurring_tasks"
down_revision = "forum_meetings"
branch_labels = None
depends_on = None

TABLES = ("task_recurrence", "task_dependency", "task_template", "task_template_item")


def upgrade():
    op.create_table(
        "task_recurrence",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("workdays", sa.Integer(), nullable=True),
        sa.Column("next_task_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('monthly', 'quarterly', 'yearly', 'workdays')",
            name=op.f("ck_task_recurrence_kind"),
        ),
        sa.CheckConstraint(
            "kind <> 'workdays' OR (workdays >= 1 AND workdays <= 260)",
            name=op.f("ck_task_recurrence_workdays_range"),
        ),
        sa.ForeignKeyConstraint(
            ["next_task_id"],
            ["task.id"],
            name=op.f("fk_task_recurrence_next_task_id_task"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["task.id"],
            name=op.f("fk_task_recurrence_task_id_task"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_task_recurrence")),
        sa.UniqueConstraint(
            "next_task_id", name=op.f("uq_task_recurrence_next_task_id")
        ),
    )
    op.create_table(
        "task_dependency",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("after_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "task_id <> after_id", name=op.f("ck_task_dependency_not_itself")
        ),
        sa.ForeignKeyConstraint(
            ["after_id"],
            ["task.id"],
            name=op.f("fk_task_dependency_after_id_task"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["task.id"],
            name=op.f("fk_task_dependency_task_id_task"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_task_dependency")),
    )
    op.create_index(
        op.f("ix_task_dependency_after_id"), "task_dependency", ["after_id"]
    )
    op.create_table(
        "task_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["working_group.id"],
            name=op.f("fk_task_template_group_id_working_group"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_template")),
        sa.UniqueConstraint(
            "group_id", "name", name=op.f("uq_task_template_group_id_name")
        ),
    )
    op.create_index(op.f("ix_task_template_group_id"), "task_template", ["group_id"])
    op.create_table(
        "task_template_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("offset_workdays", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "offset_workdays >= 0 AND offset_workdays <= 1000",
            name=op.f("ck_task_template_item_offset_range"),
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["task_template.id"],
            name=op.f("fk_task_template_item_template_id_task_template"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_template_item")),
    )
    op.create_index(
        op.f("ix_task_template_item_template_id"),
        "task_template_item",
        ["template_id"],
    )
    for table in TABLES:
        op.execute(
            f"INSERT INTO data_version (table_name, value) VALUES ('{table}', 0)"  # noqa: S608
        )


def downgrade():
    for table in TABLES:
        op.execute(f"DELETE FROM data_version WHERE table_name = '{table}'")  # noqa: S608
    for table in reversed(TABLES):
        op.drop_table(table)
