"""Sign-in with an organisation (issue 27): the identities at OpenID Connect
providers that sign in as a user, and the KBO number of a municipality (the
organisation code a provider sends).

On SQLite the constraints on `municipality.kbo_number` need a batch rebuild of
the table, and dropping the old table drops its search triggers (migration
0011_search): they are created again after the rebuild, both ways.

Revision ID: oidc_identities
Revises: round_tally
"""

import sqlalchemy as sa
from alembic import op

revision = "oidc_identities"
down_revision = "round_tally"
branch_labels = None
depends_on = None

#: The municipality triggers of migration 0011_search (kind "municipality",
#: number 7 of ROWID_KINDS = 16), as it creates them.
SEARCH_INSERT = (
    "INSERT INTO search_index (rowid, kind, ref_id, title, body) VALUES "
    "(NEW.id * 16 + 7, 'municipality', NEW.id, "
    "coalesce(NEW.name, ''), coalesce(coalesce(NEW.nis_code, ''), ''));"
)
SEARCH_DELETE = "DELETE FROM search_index WHERE rowid = OLD.id * 16 + 7;"


def _restore_search_triggers():
    """The search triggers on municipality, lost with the rebuilt table (SQLite)."""
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL alters the table in place and keeps its trigger
    op.execute(
        "CREATE TRIGGER search_municipality_insert AFTER INSERT ON municipality "
        f"BEGIN {SEARCH_INSERT} END"
    )
    op.execute(
        "CREATE TRIGGER search_municipality_update AFTER UPDATE OF name, nis_code "
        f"ON municipality BEGIN {SEARCH_DELETE} {SEARCH_INSERT} END"
    )
    op.execute(
        "CREATE TRIGGER search_municipality_delete AFTER DELETE ON municipality "
        f"BEGIN {SEARCH_DELETE} END"
    )


def upgrade():
    op.create_table(
        "user_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_user_identity_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_identity")),
        sa.UniqueConstraint(
            "provider", "subject", name=op.f("uq_user_identity_provider_subject")
        ),
    )
    op.create_index(
        op.f("ix_user_identity_user_id"), "user_identity", ["user_id"], unique=False
    )
    op.execute(
        "INSERT INTO data_version (table_name, value) VALUES ('user_identity', 0)"
    )
    with op.batch_alter_table("municipality", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kbo_number", sa.String(length=10)))
        batch_op.create_unique_constraint(
            batch_op.f("uq_municipality_kbo_number"), ["kbo_number"]
        )
        batch_op.create_check_constraint(
            "kbo_number_ten_digits", "kbo_number IS NULL OR length(kbo_number) = 10"
        )
    _restore_search_triggers()


def downgrade():
    with op.batch_alter_table("municipality", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("ck_municipality_kbo_number_ten_digits"), type_="check"
        )
        batch_op.drop_constraint(
            batch_op.f("uq_municipality_kbo_number"), type_="unique"
        )
        batch_op.drop_column("kbo_number")
    _restore_search_triggers()
    op.execute("DELETE FROM data_version WHERE table_name = 'user_identity'")
    op.drop_index(op.f("ix_user_identity_user_id"), table_name="user_identity")
    op.drop_table("user_identity")
