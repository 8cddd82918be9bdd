"""Documents where people keep them (issue 28 item 6): besides a dossier's, a
document may belong to a call (its regulations), a talk (notes), a task
(deliverables) or a forum meeting (minutes). Exactly one owner is set.

Documents enter the full-text index by name (kind "document", as migration
0011_search and comments): created here after SQLite's batch rebuild of
`document`, which would have dropped them.

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
#: The document's place among the index's kinds (0011_search 1 to 8, comments 9,
#: of ROWID_KINDS = 16): its FTS5 rowid is id * 16 + 10.
KIND_NUMBER = 10
ROWID_KINDS = 16
ONE_OWNER = (
    " + ".join(
        f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)"
        for c in ("application_id", *(column for column, _table in OWNERS))
    )
    + " = 1"
)


def _index_sqlite():
    rowid = f"NEW.id * {ROWID_KINDS} + {KIND_NUMBER}"
    insert = (
        "INSERT INTO search_index (rowid, kind, ref_id, title, body) VALUES "
        f"({rowid}, 'document', NEW.id, coalesce(NEW.filename, ''), '');"
    )
    delete = (
        f"DELETE FROM search_index WHERE rowid = OLD.id * {ROWID_KINDS} + {KIND_NUMBER};"
    )
    op.execute(
        "CREATE TRIGGER search_document_insert AFTER INSERT ON document "
        f"BEGIN {insert} END"
    )
    op.execute(
        "CREATE TRIGGER search_document_update AFTER UPDATE OF filename ON document "
        f"BEGIN {delete} {insert} END"
    )
    op.execute(
        "CREATE TRIGGER search_document_delete AFTER DELETE ON document "
        f"BEGIN {delete} END"
    )
    op.execute(
        "INSERT INTO search_index (rowid, kind, ref_id, title, body) "
        f"SELECT id * {ROWID_KINDS} + {KIND_NUMBER}, 'document', id, filename, '' "
        "FROM document"
    )


def _index_postgresql():
    op.execute(
        "CREATE FUNCTION search_document_sync() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP = 'DELETE' THEN "
        "DELETE FROM search_index WHERE kind = 'document' AND ref_id = OLD.id; "
        "RETURN OLD; END IF; "
        "INSERT INTO search_index (kind, ref_id, title, body) "
        "VALUES ('document', NEW.id, coalesce(NEW.filename, ''), '') "
        "ON CONFLICT (kind, ref_id) DO UPDATE "
        "SET title = EXCLUDED.title, body = EXCLUDED.body; "
        "RETURN NEW; END $$"
    )
    op.execute(
        "CREATE TRIGGER search_document_sync "
        "AFTER INSERT OR DELETE OR UPDATE OF filename ON document "
        "FOR EACH ROW EXECUTE FUNCTION search_document_sync()"
    )
    op.execute(
        "INSERT INTO search_index (kind, ref_id, title, body) "
        "SELECT 'document', id, filename, '' FROM document"
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
    if op.get_bind().dialect.name == "postgresql":
        _index_postgresql()
    else:
        _index_sqlite()


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER search_document_sync ON document")
        op.execute("DROP FUNCTION search_document_sync()")
    else:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER search_document_{event}")
    op.execute("DELETE FROM search_index WHERE kind = 'document'")
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
