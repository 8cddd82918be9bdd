"""Comments with mentions on dossiers, tasks and threads (issue 26 item 4), and
their text in the full-text index (kind "comment", as migration 0011_search).

Revision ID: comments
Revises: notifications
"""

import sqlalchemy as sa
from alembic import op

revision = "comments"
down_revision = "notifications"
branch_labels = None
depends_on = None

#: The comment's place among the index's kinds (0011_search numbers 1 to 8, of
#: ROWID_KINDS = 16): its FTS5 rowid is id * 16 + 9.
KIND_NUMBER = 9
ROWID_KINDS = 16
TARGET_CHECK = (
    "(CASE WHEN application_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN task_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN thread_id IS NULL THEN 0 ELSE 1 END) = 1"
)


def _index_sqlite():
    rowid = f"NEW.id * {ROWID_KINDS} + {KIND_NUMBER}"
    insert = (
        "INSERT INTO search_index (rowid, kind, ref_id, title, body) VALUES "
        f"({rowid}, 'comment', NEW.id, '', coalesce(NEW.body, ''));"
    )
    delete = (
        "DELETE FROM search_index WHERE rowid = "
        f"OLD.id * {ROWID_KINDS} + {KIND_NUMBER};"
    )
    op.execute(
        f"CREATE TRIGGER search_comment_insert AFTER INSERT ON comment BEGIN {insert} END"
    )
    op.execute(
        "CREATE TRIGGER search_comment_update AFTER UPDATE OF body ON comment "
        f"BEGIN {delete} {insert} END"
    )
    op.execute(
        f"CREATE TRIGGER search_comment_delete AFTER DELETE ON comment BEGIN {delete} END"
    )


def _index_postgresql():
    op.execute(
        "CREATE FUNCTION search_comment_sync() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP = 'DELETE' THEN "
        "DELETE FROM search_index WHERE kind = 'comment' AND ref_id = OLD.id; "
        "RETURN OLD; END IF; "
        "INSERT INTO search_index (kind, ref_id, title, body) "
        "VALUES ('comment', NEW.id, '', coalesce(NEW.body, '')) "
        "ON CONFLICT (kind, ref_id) DO UPDATE "
        "SET title = EXCLUDED.title, body = EXCLUDED.body; "
        "RETURN NEW; END $$"
    )
    op.execute(
        "CREATE TRIGGER search_comment_sync "
        "AFTER INSERT OR DELETE OR UPDATE OF body ON comment "
        "FOR EACH ROW EXECUTE FUNCTION search_comment_sync()"
    )


def upgrade():
    op.create_table(
        "comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("thread_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.String(length=5000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(TARGET_CHECK, name=op.f("ck_comment_one_target")),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
            name=op.f("fk_comment_application_id_application"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["task.id"],
            name=op.f("fk_comment_task_id_task"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["thread.id"],
            name=op.f("fk_comment_thread_id_thread"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user_account.id"],
            name=op.f("fk_comment_author_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment")),
    )
    op.create_index(
        "ix_comment_application", "comment", ["application_id", "created_at", "id"]
    )
    op.create_index("ix_comment_task", "comment", ["task_id", "created_at", "id"])
    op.create_index("ix_comment_thread", "comment", ["thread_id", "created_at", "id"])
    op.create_index(op.f("ix_comment_author_id"), "comment", ["author_id"])
    op.create_table(
        "comment_mention",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comment.id"],
            name=op.f("fk_comment_mention_comment_id_comment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_comment_mention_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "comment_id", "user_id", name=op.f("pk_comment_mention")
        ),
    )
    op.create_index(op.f("ix_comment_mention_user_id"), "comment_mention", ["user_id"])
    op.execute(
        "INSERT INTO data_version (table_name, value) VALUES ('comment', 0), "
        "('comment_mention', 0)"
    )
    if op.get_bind().dialect.name == "postgresql":
        _index_postgresql()
    else:
        _index_sqlite()


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER search_comment_sync ON comment")
        op.execute("DROP FUNCTION search_comment_sync()")
    else:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER search_comment_{event}")
    op.execute("DELETE FROM search_index WHERE kind = 'comment'")
    op.execute(
        "DELETE FROM data_version WHERE table_name IN ('comment', 'comment_mention')"
    )
    op.drop_table("comment_mention")
    op.drop_table("comment")
