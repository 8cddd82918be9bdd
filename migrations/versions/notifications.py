"""Notifications (issue 26): events per person, following, preferences per kind,
personal lead times, and recorded reminders to municipalities.

Revision ID: notifications
Revises: oidc_identities
"""

import sqlalchemy as sa
from alembic import op

revision = "notifications"
down_revision = "oidc_identities"
branch_labels = None
depends_on = None

#: Read by no cached figure's version but written by pages whose ETag must change
#: (a follow button, the preferences form, a round's "reminded" line).
TRACKED = ("follow", "notification_preference", "lead_time", "sent_reminder")


def _user_fk(table, column="user_id", ondelete="CASCADE"):
    return sa.ForeignKeyConstraint(
        [column],
        ["user_account.id"],
        name=op.f(f"fk_{table}_{column}_user_account"),
        ondelete=ondelete,
    )


def upgrade():
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("object_type", sa.String(length=20), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "channel IN ('inbox', 'mail', 'digest')",
            name=op.f("ck_notification_channel"),
        ),
        _user_fk("notification"),
        _user_fk("notification", "actor_id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint(
            "user_id", "dedupe_key", name=op.f("uq_notification_user_id_dedupe_key")
        ),
    )
    op.create_index("ix_notification_user_read", "notification", ["user_id", "read_at"])
    op.create_index("ix_notification_pending", "notification", ["channel", "mailed_at"])
    op.create_table(
        "follow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("object_type", sa.String(length=20), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("following", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "object_type IN ('application', 'task', 'group', 'call', 'thread')",
            name=op.f("ck_follow_object_type"),
        ),
        _user_fk("follow"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow")),
        sa.UniqueConstraint(
            "user_id",
            "object_type",
            "object_id",
            name=op.f("uq_follow_user_id_object_type_object_id"),
        ),
    )
    op.create_index("ix_follow_object", "follow", ["object_type", "object_id"])
    op.create_table(
        "notification_preference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.CheckConstraint(
            "channel IN ('inbox', 'mail', 'digest', 'off')",
            name=op.f("ck_notification_preference_channel"),
        ),
        _user_fk("notification_preference"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_preference")),
        sa.UniqueConstraint(
            "user_id", "kind", name=op.f("uq_notification_preference_user_id_kind")
        ),
    )
    op.create_table(
        "lead_time",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('call', 'task', 'application', 'obligation')",
            name=op.f("ck_lead_time_kind"),
        ),
        sa.CheckConstraint("days >= 0 AND days <= 365", name=op.f("ck_lead_time_days")),
        _user_fk("lead_time"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lead_time")),
        sa.UniqueConstraint("user_id", "kind", name=op.f("uq_lead_time_user_id_kind")),
    )
    op.create_table(
        "sent_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object_type", sa.String(length=10), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=True),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "object_type IN ('round', 'call')", name=op.f("ck_sent_reminder_object")
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_sent_reminder_municipality_id_municipality"),
            ondelete="CASCADE",
        ),
        _user_fk("sent_reminder", "sender_id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sent_reminder")),
        sa.UniqueConstraint(
            "object_type",
            "object_id",
            "municipality_id",
            "sent_on",
            name=op.f("uq_sent_reminder_object_type_object_id_municipality_id_sent_on"),
        ),
    )
    for table in TRACKED:
        op.execute(
            f"INSERT INTO data_version (table_name, value) VALUES ('{table}', 0)"  # noqa: S608 - constants
        )


def downgrade():
    op.execute(
        "DELETE FROM data_version WHERE table_name IN "
        "('follow', 'notification_preference', 'lead_time', 'sent_reminder')"
    )
    op.drop_table("sent_reminder")
    op.drop_table("lead_time")
    op.drop_table("notification_preference")
    op.drop_index("ix_follow_object", table_name="follow")
    op.drop_table("follow")
    op.drop_index("ix_notification_pending", table_name="notification")
    op.drop_index("ix_notification_user_read", table_name="notification")
    op.drop_table("notification")
