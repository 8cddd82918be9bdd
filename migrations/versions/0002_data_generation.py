"""data generation: one counter row every write bumps (the read model's key)

Revision ID: 0002_data_generation
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_data_generation"
down_revision = "0002_user_digest"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "data_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_generation")),
    )
    op.bulk_insert(table, [{"id": 1, "value": 1}])


def downgrade():
    op.drop_table("data_generation")
