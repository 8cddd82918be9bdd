"""API tokens get an expiry chosen at creation; existing tokens expire in 90 days.

Revision ID: token_expiry
Revises: db_blobs
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "token_expiry"
down_revision = "db_blobs"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "api_token", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True)
    )
    # Tokens made before expiry existed get the default lifetime from now on.
    api_token = sa.table(
        "api_token", sa.column("expires_at", sa.DateTime(timezone=True))
    )
    op.execute(
        api_token.update().values(
            expires_at=datetime.now(UTC) + timedelta(days=90)
        )
    )
    with op.batch_alter_table("api_token") as batch:
        batch.alter_column(
            "expires_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )


def downgrade():
    op.drop_column("api_token", "expires_at")
