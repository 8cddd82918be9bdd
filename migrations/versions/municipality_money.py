"""The roll-up per municipality as summary rows (issue 23 item 1): per
municipality and role (lead or partner), the count, amounts by share in cents
and the decided, won and submitted counts of its dossiers that are not archived,
kept by each writing transaction (app/subsidies/money.py). /applications reads
a few hundred rows instead of adding up every dossier and partner of the region.
Filled here with the rule of app.subsidies.rollups.municipality_sums.

Revision ID: municipality_money
Revises: documents_everywhere
"""

import sqlalchemy as sa
from alembic import op

revision = "municipality_money"
down_revision = "documents_everywhere"
branch_labels = None
depends_on = None

SUBMITTED = "('submitted', 'granted', 'rejected', 'reporting', 'closed')"
DECIDED = "('granted', 'rejected', 'reporting', 'closed')"
GRANTED = "('granted', 'reporting', 'closed')"
FIGURES = ("requested", "granted", "paid")


def _share(product: str) -> str:
    """SQL: cents × hundredths / 10,000, rounded half to even (the rule of
    rollups._share_in_cents_sql)."""
    return (
        f"(({product}) + 5000) / 10000"
        f" - CASE WHEN ({product}) % 20000 = 5000 THEN 1 ELSE 0 END"
    )


def _half(municipality: str, role: str, pct: str) -> str:
    amounts = ", ".join(f"{_share(f'rows.{a} * {pct}')} AS {a}" for a in FIGURES)
    return (
        f"SELECT {municipality} AS municipality_id, '{role}' AS role, {amounts},"
        " rows.decided, rows.won, rows.submitted"
    )


FILL = f"""
INSERT INTO municipality_money (municipality_id, role, applications, requested,
  granted, paid, decided, won, submitted)
WITH rows AS (
  SELECT application.id AS id,
    application.lead_municipality_id AS lead_id,
    coalesce(CAST(round(CASE WHEN application.status IN {SUBMITTED}
      THEN application.requested_amount ELSE 0 END * 100) AS BIGINT), 0)
      AS requested,
    CAST(round(CASE WHEN application.status IN {GRANTED}
      THEN coalesce(application.granted_amount, 0) ELSE 0 END * 100) AS BIGINT)
      AS granted,
    CAST(round(coalesce(paid.paid, 0) * 100) AS BIGINT) AS paid,
    CAST(round(coalesce(shares.pct, 0) * 100) AS BIGINT) AS partner_pct,
    CASE WHEN application.status IN {DECIDED} THEN 1 ELSE 0 END AS decided,
    CASE WHEN application.status IN {GRANTED} THEN 1 ELSE 0 END AS won,
    CASE WHEN application.status IN {SUBMITTED} THEN 1 ELSE 0 END AS submitted
  FROM application
  LEFT OUTER JOIN (SELECT application_id, sum(amount) AS paid FROM payment
    GROUP BY application_id) AS paid ON paid.application_id = application.id
  LEFT OUTER JOIN (SELECT application_id, sum(share_pct) AS pct
    FROM application_partner GROUP BY application_id) AS shares
    ON shares.application_id = application.id
  WHERE application.archived_at IS NULL
)
SELECT municipality_id, role, count(*), sum(requested), sum(granted), sum(paid),
  sum(decided), sum(won), sum(submitted)
FROM (
  {_half("rows.lead_id", "lead", "(10000 - rows.partner_pct)")} FROM rows
  UNION ALL
  {
    _half(
        "application_partner.municipality_id",
        "partner",
        "CAST(round(application_partner.share_pct * 100) AS BIGINT)",
    )
}
  FROM application_partner JOIN rows ON rows.id = application_partner.application_id
) AS both_halves
GROUP BY municipality_id, role
"""  # noqa: S608 - constants of this file only


def upgrade():
    op.create_table(
        "municipality_money",
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        *(
            sa.Column(name, sa.BigInteger(), nullable=False)
            for name in (
                "applications",
                *FIGURES,
                "decided",
                "won",
                "submitted",
            )
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_municipality_money_municipality_id_municipality"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "municipality_id", "role", name=op.f("pk_municipality_money")
        ),
    )
    op.execute(
        "INSERT INTO data_version (table_name, value) VALUES ('municipality_money', 0)"
    )
    op.execute(FILL)


def downgrade():
    op.execute("DELETE FROM data_version WHERE table_name = 'municipality_money'")
    op.drop_table("municipality_money")
