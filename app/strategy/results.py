"""The result of a scoring round: the one computation every page and export uses.

Per thread: responses, mean, median, spread (min–max and standard deviation), the
share of responding municipalities that scored at least SCORE_HIGH, whether that
share makes it *broadly supported* (≥ SCORE_MAJORITY) and the rank. Ranking is by
mean, ties broken by share, then by median; threads still tied share a rank
(1, 2, 2, 4). Threads nobody scored get no rank and come last.

Every stored score of a round counts, also those of a municipality that merged
later: its history stays. "No answer" (an empty score or no row) is not a response.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from app import readmodel
from app.extensions import db
from app.strategy.models import Score, ScoringRound, Thread, round_thread


@dataclass
class ThreadResult:
    thread: Thread
    responses: int = 0
    mean: float | None = None
    median: float | None = None
    minimum: int | None = None
    maximum: int | None = None
    stdev: float | None = None
    high: int = 0  # responses scoring >= SCORE_HIGH
    share_high: float | None = None
    broadly_supported: bool = False
    rank: int | None = None

    @property
    def sort_key(self) -> tuple:
        return (self.mean, self.share_high, self.median)


@dataclass
class RoundResults:
    scoring_round: ScoringRound
    threads: list[ThreadResult] = field(default_factory=list)  # ranked order
    respondents: int = 0  # municipalities with at least one answer
    score_high: int = 7
    majority: float = 2 / 3

    def by_thread_id(self) -> dict[int, ThreadResult]:
        return {result.thread.id: result for result in self.threads}


def summarize(
    thread: Thread | None, values: list[int], high: int, majority: float
) -> ThreadResult:
    """The figures of one thread from its answers (no-answers left out)."""
    result = ThreadResult(thread=thread, responses=len(values))
    if not values:
        return result
    result.mean = sum(values) / len(values)
    result.median = float(statistics.median(values))
    result.minimum = min(values)
    result.maximum = max(values)
    result.stdev = statistics.pstdev(values)
    result.high = sum(1 for value in values if value >= high)
    result.share_high = result.high / len(values)
    result.broadly_supported = result.share_high >= majority
    return result


def rank(results: list[ThreadResult]) -> list[ThreadResult]:
    """Sort by mean, share, median (all descending) and number them; ties share."""
    scored = sorted(
        (r for r in results if r.responses),
        key=lambda r: (tuple(-value for value in r.sort_key), r.thread.code),
    )
    previous = None
    for position, result in enumerate(scored, start=1):
        if previous is not None and result.sort_key == previous.sort_key:
            result.rank = previous.rank
        else:
            result.rank = position
        previous = result
    unscored = sorted(
        (r for r in results if not r.responses), key=lambda r: r.thread.code
    )
    return scored + unscored


def compute_results(
    rounds: Iterable[ScoringRound],
    *,
    high: int | None = None,
    majority: float | None = None,
    asked: Mapping[int, list[Thread]] | None = None,
) -> dict[int, RoundResults]:
    """The results of several rounds in three queries, whatever their size;
    `asked`: the threads of each round by code, when the caller loaded them
    already (one query fewer)."""
    rounds = list(rounds)
    config = current_app.config
    high = config["SCORE_HIGH"] if high is None else high
    majority = config["SCORE_MAJORITY"] if majority is None else majority
    if not rounds:
        return {}
    if asked is None:
        asked = defaultdict(list)
        rows = db.session.execute(
            select(round_thread.c.round_id, Thread)
            .join(Thread, Thread.id == round_thread.c.thread_id)
            .where(round_thread.c.round_id.in_([r.id for r in rounds]))
            .order_by(Thread.code)
        )
        for round_id, thread in rows:
            asked[round_id].append(thread)
    figures = _round_figures(rounds, asked, high, majority)
    results = {}
    for scoring_round in rounds:
        per_thread, respondents = figures[scoring_round.id]
        results[scoring_round.id] = RoundResults(
            scoring_round=scoring_round,
            threads=rank(
                [
                    ThreadResult(thread=thread, **per_thread[thread.id])
                    for thread in asked[scoring_round.id]
                ]
            ),
            respondents=respondents,
            score_high=high,
            majority=majority,
        )
    return results


def _round_figures(rounds, asked, high, majority) -> dict[int, tuple[dict, int]]:
    """Per round: the figures of each asked thread and the number of respondents,
    from the read model. A closed round's scores never change: its figures are
    kept; an open round's are recomputed once per data generation."""
    result: dict[int, tuple[dict, int]] = {}
    for closed in (True, False):
        part = [r for r in rounds if (r.status == "closed") == closed]
        scopes = {
            (r.id, tuple(t.id for t in asked[r.id]), high, majority): r.id for r in part
        }
        figures = readmodel.cached_many(
            "round_results",
            scopes,
            _score_figures,
            keep=closed,
            reads=("score", "round_thread"),
        )
        result.update({scopes[scope]: value for scope, value in figures.items()})
    return result


def _score_figures(scopes: list[tuple]) -> dict[tuple, tuple[dict, int]]:
    """Figures of the scores of several rounds (one query, whatever their size)."""
    values: dict[tuple[int, int], list[int]] = defaultdict(list)
    respondents: dict[int, set[int]] = defaultdict(set)
    scores = db.session.execute(
        select(Score.round_id, Score.thread_id, Score.municipality_id, Score.value)
        .join(
            round_thread,
            (round_thread.c.round_id == Score.round_id)
            & (round_thread.c.thread_id == Score.thread_id),
        )
        .where(Score.round_id.in_([scope[0] for scope in scopes]))
        .where(Score.value.is_not(None))
    )
    for round_id, thread_id, municipality_id, value in scores:
        values[(round_id, thread_id)].append(value)
        respondents[round_id].add(municipality_id)
    result = {}
    for round_id, thread_ids, high, majority in scopes:
        per_thread = {}
        for thread_id in thread_ids:
            figures = vars(
                summarize(None, values[(round_id, thread_id)], high, majority)
            )
            per_thread[thread_id] = {
                k: v for k, v in figures.items() if k not in ("thread", "rank")
            }
        result[(round_id, thread_ids, high, majority)] = (
            per_thread,
            len(respondents[round_id]),
        )
    return result


def round_results(scoring_round: ScoringRound, **options) -> RoundResults:
    """The results of one round (see the module docstring)."""
    return compute_results([scoring_round], **options)[scoring_round.id]
