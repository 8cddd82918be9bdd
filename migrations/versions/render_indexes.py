"""Indexes that cover what the pages add up and list (issue 23 item 1).

Revision ID: render_indexes
Revises: task_start
"""

from alembic import op

revision = "render_indexes"
down_revision = "task_start"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_rollout_theme_stage", "rollout", ["theme_id", "stage", "municipality_id"]),
    (
        "ix_rollout_municipality_stage",
        "rollout",
        ["municipality_id", "stage", "theme_id"],
    ),
    ("ix_task_open", "task", ["due_on", "status", "group_id", "application_id"]),
    (
        "ix_task_group_progress",
        "task",
        ["application_id", "group_id", "status", "progress"],
    ),
    (
        "ix_task_municipality_progress",
        "task",
        ["application_id", "municipality_id", "status", "progress"],
    ),
    (
        "ix_score_round_thread_value",
        "score",
        ["round_id", "thread_id", "value", "municipality_id"],
    ),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
