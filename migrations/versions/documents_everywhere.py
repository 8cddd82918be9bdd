"""Documents where people keep them (issue 28 item 6): besides a dossier's, a
document may belong to a call (its regulations), a talk (notes), a task
(deliverables) or a forum meeting (minutes). Exactly one owner is set.

SQLite rebuilds `document` in batch mode; no search trigger sits on it, so none
has to be created again.

Revision ID: documents_everywhere
Revises: dashboard_indexes
"""

import sqlalchemy as sa
from alembic import op

revision = "documents_everywhere"
down_revision = "dashboard_indexes"
branch_labels = None
depends_on = None

#: (column, referred table) of the new owners.
OWNERS = (
    ("call_id", "subsidy_call"),
    ("conversation_id", "conversation"),
    ("task_id", "task"),
    ("meeting_id", "meeting"),
)
OLD_KINDS = "kind IN ('approval_letter', 'report', 'annex')"
NEW_KINDS = (
    "kind IN ('approval_letter', 'report', 'annex', 'regulations', 'notes', "
    "'deliverable', 'minutes')"
)
ONE_OWNER = (
    " + ".join(
        f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)"
        for c in ("application_id", *(column for column, _table in OWNERS))
    )
    + " = 1"
)


def upgrade():
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.alter_column(
            "application_id", existing_type=sa.Integer(), nullable=True
        )
        for column, table in OWNERS:
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f"fk_document_{column}_{table}"),
                table,
                [column],
                ["id"],
                ondelete="CASCADE",
            )
            batch_op.create_index(
                batch_op.f(f"ix_document_{column}"), [column], unique=False
            )
        batch_op.create_check_constraint("one_owner", ONE_OWNER)
        batch_op.drop_constraint(batch_op.f("ck_document_kind"), type_="check")
        batch_op.create_check_constraint("kind", NEW_KINDS)


def downgrade():
    # The documents of other owners have no dossier to go back to.
    op.execute(
        "DELETE FROM document_file WHERE storage_key IN "
        "(SELECT storage_key FROM document WHERE application_id IS NULL)"
    )
    op.execute("DELETE FROM document WHERE application_id IS NULL")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_document_kind"), type_="check")
        batch_op.create_check_constraint("kind", OLD_KINDS)
        batch_op.drop_constraint(batch_op.f("ck_document_one_owner"), type_="check")
        for column, table in reversed(OWNERS):
            batch_op.drop_index(batch_op.f(f"ix_document_{column}"))
            batch_op.drop_constraint(
                batch_op.f(f"fk_document_{column}_{table}"), type_="foreignkey"
            )
            batch_op.drop_column(column)
        batch_op.alter_column(
            "application_id", existing_type=sa.Integer(), nullable=False
        )
