"""Scoring rounds: who gets a ballot, ballots, the coordinator's matrix, saving."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import signals
from app.activity.log import diff, record
from app.archive import archived_filter
from app.auth import permissions
from app.clock import now_utc
from app.extensions import db
from app.municipalities.models import Municipality
from app.strategy import promotion
from app.strategy.models import Score, ScoringRound, Thread, round_thread
from app.strategy.results import for_reader, round_results, tally_round

#: Allowed status moves of a round.
STATUS_MOVES = {"draft": ("open",), "open": ("closed",), "closed": ()}


def visible_rounds_query(user: Any, archived: bool = False):
    """Rounds `user` may see, newest first: drafts are for the coordinator only;
    archived rounds only when asked (the "Archived" filter)."""
    query = (
        select(ScoringRound)
        .where(archived_filter(ScoringRound, archived))
        .order_by(ScoringRound.opens_on.desc(), ScoringRound.id.desc())
    )
    if not permissions.can_view_draft_rounds(user):
        query = query.where(ScoringRound.status != "draft")
    return query


def get_round(user: Any, round_id: int) -> ScoringRound:
    """The round, or 404 when it does not exist or is a draft `user` may not see."""
    scoring_round = db.get_or_404(ScoringRound, round_id)
    if scoring_round.status == "draft" and not permissions.can_view_draft_rounds(user):
        abort(404)
    return scoring_round


def ballot_municipality(user: Any, chosen_id: int | None) -> Municipality | None:
    """The municipality whose ballot `user` works on (see permissions)."""
    municipality_id = permissions.ballot_municipality_id(user, chosen_id)
    return db.session.get(Municipality, municipality_id) if municipality_id else None


def template_municipalities(
    user: Any, scoring_round: ScoringRound, chosen_id: int | None
) -> list[Municipality] | None:
    """The columns of the score workbook (the coordinator's: every municipality
    with a ballot, or the chosen one); None when `user` may not have one."""
    if not permissions.can_download_score_template(user):
        return None
    municipalities = ballot_municipalities(scoring_round)
    if chosen_id:
        municipalities = [m for m in municipalities if m.id == chosen_id]
    return municipalities


def round_threads(scoring_round: ScoringRound) -> list[Thread]:
    return list(
        db.session.scalars(
            select(Thread)
            .join(round_thread, round_thread.c.thread_id == Thread.id)
            .where(round_thread.c.round_id == scoring_round.id)
            .order_by(Thread.code)
        )
    )


def _in_round(scoring_round: ScoringRound):
    """Every active municipality, plus merged ones that scored in the round before
    they merged (their history stays; no new ballot)."""
    scored = select(Score.municipality_id).where(Score.round_id == scoring_round.id)
    return or_(Municipality.merged_into_id.is_(None), Municipality.id.in_(scored))


def ballot_municipalities(scoring_round: ScoringRound) -> list[Municipality]:
    """The columns of a round (`_in_round`), by name."""
    return list(
        db.session.scalars(
            select(Municipality)
            .options(selectinload(Municipality.merged_into))
            .where(_in_round(scoring_round))
            .order_by(Municipality.name)
        )
    )


def ballot_municipality_count(scoring_round: ScoringRound) -> int:
    """How many columns the round has (`_in_round`), counted by the database."""
    return db.session.scalar(
        select(func.count(Municipality.id)).where(_in_round(scoring_round))
    )


def has_ballot(scoring_round: ScoringRound, municipality: Municipality) -> bool:
    """Active municipalities get a ballot; merged ones only show their old scores."""
    if municipality.is_active:
        return True
    return (
        db.session.scalar(
            select(func.count(Score.id)).where(
                Score.round_id == scoring_round.id,
                Score.municipality_id == municipality.id,
            )
        )
        > 0
    )


@dataclass
class BallotLine:
    thread: Thread
    score: Score | None

    @property
    def value(self) -> int | None:
        return self.score.value if self.score else None


@dataclass
class Ballot:
    scoring_round: ScoringRound
    municipality: Municipality
    lines: list[BallotLine]

    @property
    def scored(self) -> int:
        return sum(1 for line in self.lines if line.value is not None)

    @property
    def total(self) -> int:
        return len(self.lines)


def ballot(scoring_round: ScoringRound, municipality: Municipality) -> Ballot:
    """Every thread of the round with this municipality's score (two queries)."""
    threads = round_threads(scoring_round)
    scores = {
        score.thread_id: score
        for score in db.session.scalars(
            select(Score)
            .options(selectinload(Score.entered_by))
            .where(
                Score.round_id == scoring_round.id,
                Score.municipality_id == municipality.id,
            )
        )
    }
    lines = [BallotLine(thread, scores.get(thread.id)) for thread in threads]
    return Ballot(scoring_round, municipality, lines)


def ballot_line(
    scoring_round: ScoringRound, thread: Thread, municipality: Municipality
) -> BallotLine:
    score = db.session.scalar(
        select(Score).where(
            Score.round_id == scoring_round.id,
            Score.thread_id == thread.id,
            Score.municipality_id == municipality.id,
        )
    )
    return BallotLine(thread, score)


#: Municipality columns per page of the matrix: a whole region of 300 does not fit
#: on a screen and would cost seconds to render; 10 columns × 100 threads keep a
#: page under 100 KB of HTML.
MATRIX_COLUMNS = 10


@dataclass
class Matrix:
    threads: list[Thread]
    municipalities: list[Municipality]  # the columns on this page
    values: dict[tuple[int, int], int | None]
    answered: dict[int, int]  # municipality id -> threads answered (all columns)
    everyone: list[Municipality]  # every column, on every page
    page: int = 1
    pages: int = 1

    def value(self, thread_id: int, municipality_id: int) -> int | None:
        return self.values.get((thread_id, municipality_id))

    @property
    def not_complete(self) -> list[tuple[Municipality, int]]:
        """Active municipalities that have not answered every thread yet."""
        total = len(self.threads)
        return [
            (m, self.answered.get(m.id, 0))
            for m in self.everyone
            if m.is_active and self.answered.get(m.id, 0) < total
        ]

    @property
    def first(self) -> int:
        return (self.page - 1) * MATRIX_COLUMNS + 1


def matrix(scoring_round: ScoringRound, column_page: int = 1) -> Matrix:
    """Threads × municipalities with every individual score, one page of
    municipality columns at a time (four queries, whatever the size)."""
    threads = round_threads(scoring_round)
    everyone = ballot_municipalities(scoring_round)
    pages = max(1, -(-len(everyone) // MATRIX_COLUMNS))
    page = min(max(1, column_page), pages)
    shown = everyone[(page - 1) * MATRIX_COLUMNS : page * MATRIX_COLUMNS]
    asked = [t.id for t in threads]
    answered = dict(
        db.session.execute(
            select(Score.municipality_id, func.count(Score.id))
            .where(
                Score.round_id == scoring_round.id,
                Score.thread_id.in_(asked),
                Score.value.is_not(None),
            )
            .group_by(Score.municipality_id)
        ).all()
    )
    values = round_scores(scoring_round, [m.id for m in shown])
    return Matrix(threads, shown, values, answered, everyone, page, pages)


def round_scores(
    scoring_round: ScoringRound, municipality_ids: list[int]
) -> dict[tuple[int, int], int | None]:
    """Every stored score of the round of these municipalities, by (thread id,
    municipality id), in one query: what a matrix page and the workbooks show."""
    asked = select(round_thread.c.thread_id).where(
        round_thread.c.round_id == scoring_round.id
    )
    rows = db.session.execute(
        select(Score.thread_id, Score.municipality_id, Score.value).where(
            Score.round_id == scoring_round.id,
            Score.thread_id.in_(asked),
            Score.municipality_id.in_(municipality_ids),
        )
    )
    return {(thread_id, mid): value for thread_id, mid, value in rows}


def round_detail(
    user: Any,
    scoring_round: ScoringRound,
    chosen_id: int | None,
    column_page: int = 1,
) -> dict[str, Any]:
    """Everything the page of a round shows: a municipality's ballot (the one
    `user` works on), the coordinator's matrix, or only the round's facts."""
    municipality = ballot_municipality(user, chosen_id)
    chosen_ballot = None
    if municipality is not None and has_ballot(scoring_round, municipality):
        chosen_ballot = ballot(scoring_round, municipality)
    score_matrix = None
    if permissions.can_view_score_matrix(user):
        score_matrix = matrix(scoring_round, column_page)
    return {
        "scoring_round": scoring_round,
        "municipality": municipality,
        "ballot": chosen_ballot,
        "matrix": score_matrix,
        "can_edit": chosen_ballot is not None
        and permissions.can_score(user, scoring_round, municipality),
        "thread_count": len(scoring_round.threads),
    }


def results_detail(user: Any, scoring_round: ScoringRound) -> dict[str, Any]:
    """Everything the results page of a round shows: the ranking, the number of
    municipalities asked and (for who may promote) the themes made so far."""
    computed = for_reader(round_results(scoring_round), user)
    themes = {}
    if permissions.can_promote_threads(user):
        themes = promotion.themes_by_thread([r.thread.id for r in computed.threads])
    return {
        "scoring_round": scoring_round,
        "results": computed,
        "themes": themes,
        "municipalities": ballot_municipality_count(scoring_round),
    }


def thread_in_round(scoring_round: ScoringRound, thread_id: int) -> Thread:
    """The thread if the round asks about it, else 404."""
    thread = db.session.scalar(
        select(Thread)
        .join(round_thread, round_thread.c.thread_id == Thread.id)
        .where(round_thread.c.round_id == scoring_round.id, Thread.id == thread_id)
    )
    if thread is None:
        abort(404)
    return thread


def _on_behalf(user: Any, municipality: Municipality) -> bool:
    return not permissions.belongs_to(user, municipality.id)


def save_score(
    scoring_round: ScoringRound,
    thread: Thread,
    municipality: Municipality,
    value: int | None,
    comment: str | None,
    user: Any,
) -> Score:
    """Create or change one score (None = no answer) and record who did it."""
    score = db.session.scalar(
        select(Score).where(
            Score.round_id == scoring_round.id,
            Score.thread_id == thread.id,
            Score.municipality_id == municipality.id,
        )
    )
    values: dict[str, Any] = {"value": value}
    if comment is not None:
        values["comment"] = comment.strip()
    created = score is None
    if created:
        score = Score(
            round_id=scoring_round.id,
            thread_id=thread.id,
            municipality_id=municipality.id,
        )
        db.session.add(score)
        changes = {key: [None, new] for key, new in values.items()}
        for key, new in values.items():
            setattr(score, key, new)
    else:
        changes = diff(score, values)
    if not created and not changes:
        return score
    score.entered_by_id = getattr(user, "id", None)
    score.entered_at = now_utc()
    # A score is individual: its entry is for that municipality (and coordinators).
    record(
        "create" if created else "update",
        score,
        changes,
        label=f"{thread.code} – {municipality.name}",
        details={
            "round": scoring_round.name,
            "on_behalf": _on_behalf(user, municipality),
        },
        municipality_id=municipality.id,
        audience=permissions.AUDIENCE_MUNICIPALITY,
        actor=user,
    )
    return score


def save_score_committed(*args) -> None:
    """save_score and commit. When two requests create the same score at once,
    the second meets the unique key: it then finds the first one's row and saves
    as an update, so neither answer is an error and the last one counts."""
    try:
        save_score(*args)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        save_score(*args)
        db.session.commit()


def create_round(name: str, opens_on, closes_on, threads: list[Thread]) -> ScoringRound:
    scoring_round = ScoringRound(
        name=name.strip(), opens_on=opens_on, closes_on=closes_on, status="draft"
    )
    scoring_round.threads = threads
    db.session.add(scoring_round)
    record(
        "create",
        scoring_round,
        {"threads": [None, ", ".join(t.code for t in threads)]},
    )
    return scoring_round


def update_round(
    scoring_round: ScoringRound, values: dict, threads: list[Thread] | None
) -> dict:
    changes = diff(scoring_round, values)
    if threads is not None:
        old = ", ".join(t.code for t in scoring_round.threads)
        new = ", ".join(t.code for t in sorted(threads, key=lambda t: t.code))
        if old != new:
            scoring_round.threads = threads
            changes["threads"] = [old, new]
    if changes:
        record("update", scoring_round, changes)
    return changes


def change_status(scoring_round: ScoringRound, status: str, actor: Any = None) -> bool:
    """Move draft→open→closed; False when the move is not allowed."""
    if status not in STATUS_MOVES.get(scoring_round.status, ()):
        return False
    changes = diff(scoring_round, {"status": status})
    if status == "closed":
        tally_round(scoring_round)
    record("status", scoring_round, changes)
    if status == "open":
        signals.round_opened.send(scoring_round, actor=actor)
    return True
