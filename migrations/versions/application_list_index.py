"""An index for the default order of /applications (issue 23 item 1): the
dossiers in use by call, so the newest call deadline first reads the calls in
their deadline index's order and each call's dossiers from this index instead
of sorting every dossier of the region for a page of 40; and one for the
roll-up per theme of the dossiers in use (its columns in the index).

Revision ID: application_list_index
Revises: municipality_money
"""

import sqlalchemy as sa
from alembic import op

revision = "application_list_index"
down_revision = "municipality_money"
branch_labels = None
depends_on = None

IN_USE = "archived_at IS NULL"


def upgrade():
    op.create_index(
        "ix_application_in_use_by_call",
        "application",
        ["call_id", "id"],
        sqlite_where=sa.text(IN_USE),
        postgresql_where=sa.text(IN_USE),
    )
    op.create_index(
        "ix_application_in_use_by_theme",
        "application",
        ["theme_id", "status", "requested_amount", "granted_amount"],
        sqlite_where=sa.text(IN_USE),
        postgresql_where=sa.text(IN_USE),
    )


def downgrade():
    op.drop_index("ix_application_in_use_by_theme", table_name="application")
    op.drop_index("ix_application_in_use_by_call", table_name="application")
