"""A closed round's summary (issue 23 item 1): how often each score was given per
thread, and how many municipalities answered, written when the round closes, so
its figures are read from a hundred rows instead of counted from every score.
Rounds closed before this revision get theirs here.

Revision ID: round_tally
Revises: pipeline_index
"""

import sqlalchemy as sa
from alembic import op

revision = "round_tally"
down_revision = "pipeline_index"
branch_labels = None
depends_on = None

#: The same summary as app.strategy.results.tally_round, for every closed round.
TALLY = """
INSERT INTO round_tally (round_id, thread_id, value, responses)
SELECT score.round_id, score.thread_id, score.value, count(*)
FROM score
JOIN round_thread ON round_thread.round_id = score.round_id
  AND round_thread.thread_id = score.thread_id
JOIN scoring_round ON scoring_round.id = score.round_id
WHERE scoring_round.status = 'closed' AND score.value IS NOT NULL
GROUP BY score.round_id, score.thread_id, score.value
"""
RESPONDENTS = """
UPDATE scoring_round SET respondents = (
  SELECT count(DISTINCT score.municipality_id)
  FROM score
  JOIN round_thread ON round_thread.round_id = score.round_id
    AND round_thread.thread_id = score.thread_id
  WHERE score.round_id = scoring_round.id AND score.value IS NOT NULL
)
WHERE status = 'closed'
"""


def upgrade():
    op.create_table(
        "round_tally",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["scoring_round.id"],
            name=op.f("fk_round_tally_round_id_scoring_round"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["thread.id"],
            name=op.f("fk_round_tally_thread_id_thread"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "round_id", "thread_id", "value", name=op.f("pk_round_tally")
        ),
    )
    with op.batch_alter_table("scoring_round") as batch_op:
        batch_op.add_column(sa.Column("respondents", sa.Integer(), nullable=True))
    op.execute("INSERT INTO data_version (table_name, value) VALUES ('round_tally', 0)")
    op.execute(TALLY)
    op.execute(RESPONDENTS)


def downgrade():
    op.execute("DELETE FROM data_version WHERE table_name = 'round_tally'")
    with op.batch_alter_table("scoring_round") as batch_op:
        batch_op.drop_column("respondents")
    op.drop_table("round_tally")
