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

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from flask import current_app
from sqlalchemy import (
    Integer,
    cast,
    delete,
    distinct,
    func,
    insert,
    null,
    select,
    union_all,
)

from app import readmodel
from app.auth import permissions
from app.extensions import db
from app.strategy.models import RoundTally, Score, ScoringRound, Thread, round_thread


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
    #: The figures are withheld from this reader (fewer than 3 answers).
    withheld: bool = False

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
    return summarize_counts(thread, Counter(values), high, majority)


def summarize_counts(
    thread: Thread | None, counts: Mapping[int, int], high: int, majority: float
) -> ThreadResult:
    """The figures of one thread from how often each score was given: scores
    are whole numbers 0–10, so a round's thousands of answers per thread come
    from the database as a dozen counts (no list of every answer), summed in
    one pass."""
    given = sorted((value, n) for value, n in counts.items() if n)
    responses = total = squares = above = 0
    for value, n in given:
        responses += n
        total += value * n
        squares += value * value * n
        if value >= high:
            above += n
    result = ThreadResult(thread=thread, responses=responses)
    if not responses:
        return result
    result.mean = total / responses
    result.median = _median(given, responses)
    result.minimum, result.maximum = given[0][0], given[-1][0]
    # The population variance, exact: (n·Σx² − (Σx)²) / n², whole numbers
    # divided once (Python rounds an int / int correctly, as a Fraction would).
    result.stdev = math.sqrt(
        (responses * squares - total * total) / (responses * responses)
    )
    result.high = above
    result.share_high = above / responses
    result.broadly_supported = result.share_high >= majority
    return result


def _median(given: list[tuple[int, int]], responses: int) -> float:
    """The median of the answers counted in `given` ((value, count) by value), as
    statistics.median: the middle answer, or the mean of the middle two."""
    lower, upper = (responses - 1) // 2, responses // 2
    seen, low = 0, None
    for value, n in given:
        seen += n
        if low is None and lower < seen:
            low = value
        if upper < seen:
            return (low + value) / 2
    raise IndexError(upper)


def rank(results: list[ThreadResult]) -> list[ThreadResult]:
    """Sort by mean, share, median (all descending) and number them; ties share."""
    scored = sorted(
        (r for r in results if r.responses and not r.withheld),
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
        (r for r in results if not r.responses or r.withheld),
        key=lambda r: r.thread.code,
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
    from the read model. A closed round's come from its tally (`tally_round`),
    or from its scores when it has none (closed before it was kept) and are
    kept; an open round's are recomputed once per change of the scores."""
    result: dict[int, tuple[dict, int]] = {}
    tallied = [r for r in rounds if r.status == "closed" and r.respondents is not None]
    closed = [r for r in rounds if r.status == "closed" and r.respondents is None]
    still_open = [r for r in rounds if r.status != "closed"]
    parts = (
        (tallied, "round_tally_results", _tally_figures, ("round_tally",)),
        (closed, "round_results", _score_figures, ("score", "round_thread")),
        (still_open, "round_results", _score_figures, ("score", "round_thread")),
    )
    for part, name, compute, reads in parts:
        scopes = {
            (r.id, tuple(t.id for t in asked[r.id]), high, majority): r for r in part
        }
        if not scopes:
            continue
        figures = readmodel.cached_many(
            name,
            scopes,
            lambda missing, c=compute, s=scopes: c(
                [s[scope] for scope in missing], missing
            ),
            keep=part is not still_open,
            reads=reads,
        )
        result.update({scopes[scope].id: value for scope, value in figures.items()})
    return result


def _asked(round_ids: list[int]):
    """Scores of these rounds that answer a thread the round asks."""
    return (
        round_thread.c.round_id == Score.round_id,
        round_thread.c.thread_id == Score.thread_id,
        Score.round_id.in_(round_ids),
        Score.value.is_not(None),
    )


def _score_figures(rounds: list[ScoringRound], scopes: list[tuple]) -> dict:
    """Figures of the scores of several rounds (one query, whatever their size):
    per round and thread how often each score was given, and per round the
    number of municipalities that answered."""
    condition = _asked([r.id for r in rounds])
    per_value = (
        select(Score.round_id, Score.thread_id, Score.value, func.count())
        .where(*condition)
        .group_by(Score.round_id, Score.thread_id, Score.value)
    )
    per_round = (
        select(
            Score.round_id,
            cast(null(), Integer),
            cast(null(), Integer),
            func.count(distinct(Score.municipality_id)),
        )
        .where(*condition)
        .group_by(Score.round_id)
    )
    counts: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
    respondents: dict[int, int] = defaultdict(int)
    for round_id, thread_id, value, n in db.session.execute(
        union_all(per_value, per_round)
    ):
        if thread_id is None:
            respondents[round_id] = n
        else:
            counts[(round_id, thread_id)][value] = n
    return _figures(scopes, counts, respondents)


def _tally_figures(rounds: list[ScoringRound], scopes: list[tuple]) -> dict:
    """The same figures from the tallies of closed rounds (at most 11 rows a
    thread)."""
    tally = RoundTally.__table__.c  # plain rows: no ORM on a thousand of them
    counts: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
    for round_id, thread_id, value, n in db.session.execute(
        select(tally.round_id, tally.thread_id, tally.value, tally.responses).where(
            tally.round_id.in_([r.id for r in rounds])
        )
    ):
        counts[(round_id, thread_id)][value] = n
    return _figures(scopes, counts, {r.id: r.respondents for r in rounds})


def _figures(scopes, counts, respondents) -> dict[tuple, tuple[dict, int]]:
    result = {}
    for round_id, thread_ids, high, majority in scopes:
        per_thread = {}
        for thread_id in thread_ids:
            figures = vars(
                summarize_counts(
                    None, counts.get((round_id, thread_id), {}), high, majority
                )
            )
            per_thread[thread_id] = {
                k: v
                for k, v in figures.items()
                if k not in ("thread", "rank", "withheld")
            }
        result[(round_id, thread_ids, high, majority)] = (
            per_thread,
            respondents.get(round_id, 0),
        )
    return result


def tally_round(scoring_round: ScoringRound) -> None:
    """Write the summary of a round that closes, in the closing transaction: how
    often each score was given per asked thread, and how many municipalities
    answered (what `_score_figures` counts from the scores)."""
    condition = _asked([scoring_round.id])
    db.session.execute(
        delete(RoundTally).where(RoundTally.round_id == scoring_round.id)
    )
    db.session.execute(
        insert(RoundTally).from_select(
            ["round_id", "thread_id", "value", "responses"],
            select(Score.round_id, Score.thread_id, Score.value, func.count())
            .where(*condition)
            .group_by(Score.round_id, Score.thread_id, Score.value),
        )
    )
    scoring_round.respondents = db.session.scalar(
        select(func.count(distinct(Score.municipality_id))).where(*condition)
    )


def round_results(scoring_round: ScoringRound, **options) -> RoundResults:
    """The results of one round (see the module docstring)."""
    return compute_results([scoring_round], **options)[scoring_round.id]


def withheld(result: ThreadResult) -> ThreadResult:
    """The result with its figures left out: only the thread and that it had
    answers remain."""
    return ThreadResult(thread=result.thread, responses=result.responses, withheld=True)


def for_reader(results: RoundResults, user: Any) -> RoundResults:
    """The results as `user` may read them: the figures of a thread with 1 or 2
    answers are withheld (`permissions.withholds_thread_result`), and the rest
    ranked among themselves, so that no rank hints at a withheld mean."""
    hidden = {
        r.thread.id
        for r in results.threads
        if permissions.withholds_thread_result(user, r.responses)
    }
    if not hidden:
        return results
    threads = [
        withheld(r) if r.thread.id in hidden else replace(r, rank=None)
        for r in results.threads
    ]
    return replace(results, threads=rank(threads))
