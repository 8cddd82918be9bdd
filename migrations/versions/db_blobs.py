"""Documents and pending score imports in the database, not on an app host's disk
(several hosts on one database serve every document and take every apply).

The files of documents stored before this revision under DOCUMENTS_DIR are moved
into document_file here (the folder is left as it was: remove it once the
upgrade is checked). Pending score previews are an hour's work at most and are
not carried over: an apply after the upgrade asks for the file again.

Revision ID: db_blobs
Revises: read_versions
"""

import os
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "db_blobs"
down_revision = "read_versions"
branch_labels = None
depends_on = None


def _documents_dir() -> Path | None:
    try:
        from flask import current_app

        folder = current_app.config.get("DOCUMENTS_DIR")
    except RuntimeError:  # alembic without the app
        folder = os.environ.get("DOCUMENTS_DIR")
    return Path(folder) if folder else None


def upgrade():
    files = op.create_table(
        "document_file",
        sa.Column("storage_key", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("storage_key", name=op.f("pk_document_file")),
    )
    op.create_table(
        "pending_import",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_pending_import_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_pending_import")),
    )
    op.create_index(
        op.f("ix_pending_import_created_at"),
        "pending_import",
        ["created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_pending_import_user_id"), "pending_import", ["user_id"], unique=False
    )
    folder = _documents_dir()
    if folder is None or not folder.is_dir():
        return
    connection = op.get_bind()
    keys = connection.scalars(sa.text("SELECT storage_key FROM document")).all()
    for key in keys:
        path = folder / key
        if path.is_file():  # one at a time: documents are a few MB at most
            connection.execute(
                sa.insert(files).values(storage_key=key, data=path.read_bytes())
            )


def downgrade():
    # The bytes go back to DOCUMENTS_DIR, where the older release reads them.
    folder = _documents_dir()
    connection = op.get_bind()
    if folder is not None:
        rows = connection.execute(
            sa.text("SELECT storage_key, data FROM document_file")
        )
        for key, data in rows:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / key).write_bytes(data)
    op.drop_index(op.f("ix_pending_import_user_id"), table_name="pending_import")
    op.drop_index(op.f("ix_pending_import_created_at"), table_name="pending_import")
    op.drop_table("pending_import")
    op.drop_table("document_file")
