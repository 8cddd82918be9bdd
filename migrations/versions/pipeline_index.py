"""The pipeline board's newest dossiers per status read from an index (issue 23
item 1): status, then last change and id, newest first.

Revision ID: pipeline_index
Revises: mail_refused
"""

from alembic import op

revision = "pipeline_index"
down_revision = "mail_refused"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_application_status_updated", "application", ["status", "updated_at", "id"]
    )


def downgrade():
    op.drop_index("ix_application_status_updated", table_name="application")
