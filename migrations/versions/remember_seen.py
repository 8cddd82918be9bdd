"""The last time a user with a remember-me cookie was active, kept server-side:
a copied cookie is refused once that is longer ago than the idle timeout.

Revision ID: remember_seen
Revises: token_expiry
"""

import sqlalchemy as sa
from alembic import op

revision = "remember_seen"
down_revision = "token_expiry"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "user_account",
        sa.Column("remember_seen_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade():
    op.drop_column("user_account", "remember_seen_at")
