"""Talks, threads (rode draden) and the trajectory steps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from app.activity.log import diff, record
from app.archive import archived_filter, not_archived
from app.auth import permissions
from app.extensions import db
from app.municipalities.models import Municipality
from app.strategy import promotion
from app.strategy.models import (
    Conversation,
    ScoringRound,
    Thread,
    ThreadMention,
    TrajectoryStep,
    round_thread,
)
from app.strategy.results import ThreadResult, compute_results, for_reader
from app.strategy.rounds import visible_rounds_query

# --- trajectory ------------------------------------------------------------------


def steps() -> list[TrajectoryStep]:
    return list(
        db.session.scalars(select(TrajectoryStep).order_by(TrajectoryStep.position))
    )


def update_step(step: TrajectoryStep, values: dict) -> dict:
    changes = diff(step, values)
    if changes:
        record("update", step, changes)
    return changes


# --- threads ---------------------------------------------------------------------


def mention_counts(thread_ids: list[int] | None = None) -> dict[int, int]:
    """Distinct municipalities that raised each thread in a talk (archived talks
    no longer count)."""
    query = (
        select(
            ThreadMention.thread_id,
            func.count(func.distinct(Conversation.municipality_id)),
        )
        .join(Conversation, Conversation.id == ThreadMention.conversation_id)
        .where(not_archived(Conversation))
        .group_by(ThreadMention.thread_id)
    )
    if thread_ids is not None:
        query = query.where(ThreadMention.thread_id.in_(thread_ids))
    return dict(db.session.execute(query).all())


def qualifies(count: int) -> bool:
    return count >= current_app.config["THREAD_MIN_MUNICIPALITIES"]


def latest_closed_round() -> ScoringRound | None:
    return db.session.scalar(
        select(ScoringRound)
        .where(ScoringRound.status == "closed", not_archived(ScoringRound))
        .order_by(ScoringRound.closes_on.desc(), ScoringRound.id.desc())
        .limit(1)
    )


@dataclass
class ThreadRow:
    thread: Thread
    municipalities: int
    qualifies: bool
    latest: ThreadResult | None
    latest_round: ScoringRound | None = None


def latest_closed_rounds(thread_ids: list[int]) -> dict[int, ScoringRound]:
    """Per thread, the latest closed round that asked it (one query)."""
    rows = db.session.execute(
        select(round_thread.c.thread_id, ScoringRound)
        .join(ScoringRound, ScoringRound.id == round_thread.c.round_id)
        .where(
            ScoringRound.status == "closed",
            not_archived(ScoringRound),
            round_thread.c.thread_id.in_(thread_ids),
        )
        .order_by(ScoringRound.closes_on.desc(), ScoringRound.id.desc())
    )
    latest: dict[int, ScoringRound] = {}
    for thread_id, scoring_round in rows:
        latest.setdefault(thread_id, scoring_round)
    return latest


def thread_rows(threads: list[Thread], user: Any) -> list[ThreadRow]:
    """The threads with mention counts and the figures of the latest closed round
    that asked each thread (a later round that asked others does not blank it),
    as `user` may read them."""
    ids = [t.id for t in threads]
    counts = mention_counts(ids)
    latest = latest_closed_rounds(ids) if ids else {}
    rounds = {r.id: r for r in latest.values()}
    results = {
        round_id: for_reader(computed, user).by_thread_id()
        for round_id, computed in compute_results(rounds.values()).items()
    }
    return [
        ThreadRow(
            thread=t,
            municipalities=counts.get(t.id, 0),
            qualifies=qualifies(counts.get(t.id, 0)),
            latest=(results[latest[t.id].id].get(t.id) if t.id in latest else None),
            latest_round=latest.get(t.id),
        )
        for t in threads
    ]


def mentions_by_municipality(thread: Thread) -> list[tuple[Municipality, list]]:
    """The talks that raised `thread`, grouped per municipality (by name)."""
    talks = db.session.scalars(
        select(Conversation)
        .options(joinedload(Conversation.municipality))
        .join(ThreadMention, ThreadMention.conversation_id == Conversation.id)
        .where(ThreadMention.thread_id == thread.id, not_archived(Conversation))
        .order_by(Conversation.held_on)
    )
    grouped: dict[int, tuple[Municipality, list]] = {}
    for talk in talks:
        grouped.setdefault(talk.municipality_id, (talk.municipality, []))[1].append(
            talk
        )
    return sorted(grouped.values(), key=lambda item: item[0].name)


def score_history(
    thread: Thread, rounds_query, user: Any
) -> list[tuple[ScoringRound, Any]]:
    """The thread's figures in every round that asked about it, as `user` may
    read them: the rounds with every thread each asked in one query, whatever
    the data (figures from the read model)."""
    this_thread, every_thread = round_thread.alias(), round_thread.alias()
    rows = db.session.execute(
        rounds_query.join(this_thread, this_thread.c.round_id == ScoringRound.id)
        .join(every_thread, every_thread.c.round_id == ScoringRound.id)
        .join(Thread, Thread.id == every_thread.c.thread_id)
        .where(this_thread.c.thread_id == thread.id)
        .add_columns(Thread)
        .order_by(Thread.code)
    )
    rounds: dict[int, ScoringRound] = {}
    asked: dict[int, list[Thread]] = {}
    for scoring_round, asked_thread in rows:
        rounds.setdefault(scoring_round.id, scoring_round)
        asked.setdefault(scoring_round.id, []).append(asked_thread)
    results = compute_results(rounds.values(), asked=asked)
    return [
        (r, for_reader(results[r.id], user).by_thread_id().get(thread.id))
        for r in rounds.values()
    ]


def thread_detail(thread: Thread, user: Any) -> dict[str, Any]:
    """Everything the page of one thread shows: mentions per municipality, its
    figures in every round `user` may see the results of, promotion."""
    history = [
        (r, result)
        for r, result in score_history(thread, visible_rounds_query(user), user)
        if permissions.can_view_round_results(user, r)
    ]
    theme = promotion.existing_theme(thread)
    return {
        "thread": thread,
        "mentions": mentions_by_municipality(thread),
        "history": history,
        "can_promote": permissions.can_promote_threads(user)
        and promotion.promotable(thread, theme),
        "theme": theme,
    }


def create_thread(values: dict) -> Thread:
    thread = Thread(**values)
    db.session.add(thread)
    record("create", thread)
    return thread


def update_thread(thread: Thread, values: dict) -> dict:
    changes = diff(thread, values)
    if changes:
        record("update", thread, changes)
    return changes


def code_taken(code: str, thread_id: int | None = None) -> bool:
    query = select(Thread.id).where(func.upper(Thread.code) == code.upper())
    if thread_id is not None:
        query = query.where(Thread.id != thread_id)
    return db.session.scalar(query) is not None


# --- talks -----------------------------------------------------------------------


def talks_query(archived: bool = False):
    return (
        select(Conversation)
        .options(
            joinedload(Conversation.municipality),
            selectinload(Conversation.mentions).joinedload(ThreadMention.thread),
        )
        .where(archived_filter(Conversation, archived))
        .order_by(Conversation.held_on.desc(), Conversation.id.desc())
    )


def save_talk(talk: Conversation | None, values: dict, thread_ids: list[int], user):
    """Create or update a talk and the threads it raised; records the activity."""
    created = talk is None
    if created:
        talk = Conversation(created_by_id=getattr(user, "id", None))
        db.session.add(talk)
    before = sorted(m.thread_id for m in talk.mentions)
    changes = diff(talk, values)
    wanted = sorted(set(thread_ids))
    if before != wanted:
        keep = set(wanted)
        talk.mentions = [m for m in talk.mentions if m.thread_id in keep] + [
            ThreadMention(thread_id=thread_id)
            for thread_id in wanted
            if thread_id not in before
        ]
        codes = dict(
            db.session.execute(
                select(Thread.id, Thread.code).where(Thread.id.in_(set(before) | keep))
            ).all()
        )
        changes["threads"] = [
            ", ".join(sorted(codes[i] for i in before)) or None,
            ", ".join(sorted(codes[i] for i in wanted)) or None,
        ]
    if created or changes:
        db.session.flush()
        municipality = db.session.get(Municipality, talk.municipality_id)
        record(
            "create" if created else "update",
            talk,
            changes,
            label=municipality.name,
            details={"held_on": talk.held_on.isoformat()},
            municipality_id=talk.municipality_id,
        )
    return talk
