"""One municipality's participation, as far as the viewing user may see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import or_, select, union_all
from sqlalchemy.orm import aliased, joinedload

from app.archive import not_archived
from app.auth import permissions
from app.auth.models import User
from app.deadlines.deadlines import Deadline, Scope, deadlines
from app.extensions import db
from app.municipalities.models import Municipality
from app.paging import ListPage, paginate
from app.sorting import Sort, Sortable
from app.strategy.models import Score, ScoringRound, Thread
from app.subsidies.models import Application, ApplicationPartner, SubsidyCall
from app.subsidies.rollups import (
    Figures,
    own_contribution_by_municipality,
    rollup_by_municipality,
)
from app.work.models import Rollout, Task, Theme, WorkingGroup, group_municipality
from app.work.progress import MunicipalityProgress, municipality_progress

LIST_LIMIT = 50


class ThreadShown(NamedTuple):
    """What a municipality's page and export show of a scored thread."""

    code: str
    title: str


class ScoreShown(NamedTuple):
    """What they show of its score (value None: no answer)."""

    value: int | None
    comment: str


@dataclass
class RoundScores:
    scoring_round: ScoringRound
    visible: bool
    scores: list[tuple[ThreadShown, ScoreShown]] = field(default_factory=list)


@dataclass
class Participation:
    municipality: Municipality
    rounds: list[RoundScores]
    groups: list[WorkingGroup]
    rollout: list[RolloutShown]
    tasks: list[TaskShown]
    applications_as_lead: list[DossierShown]
    applications_as_partner: list[tuple[DossierShown, Any]]
    #: More dossiers than the page lists (they are in /applications).
    more_applications: bool
    amounts: dict[str, Figures] | None
    deadlines: list[Deadline]
    progress: MunicipalityProgress
    #: Its own contributions as lead and as partner (issue 28 item 2).
    own: dict[str, Decimal] | None = None


#: The columns /municipalities sorts on: a bounded list (every municipality, a few
#: dozen) whose figures come from the read model, so it sorts in Python.
MUNICIPALITY_SORT = Sortable(
    columns={
        "name": lambda row: row[0].name.casefold(),
        "live": lambda row: row[1].live,
        "under_way": lambda row: row[1].under_way,
        "tasks": lambda row: (row[1].tasks.total, row[1].tasks.done),
    },
    default="name",
)


#: Municipalities per page of /municipalities (Flanders has 300).
MUNICIPALITIES_PER_PAGE = 50


def municipality_list(sort: Sort | None = None, page: int = 1) -> ListPage:
    """One page of every municipality (merged ones too) with its progress
    figures, sorted: by name, only the page's figures are read; by a figure,
    every municipality's (from the read model)."""
    sort = sort or MUNICIPALITY_SORT.parse({})
    names = db.session.execute(select(Municipality.id, Municipality.name)).all()
    progress = None
    if sort.key != "name":
        progress = municipality_progress([row.id for row in names])
    ordered = MUNICIPALITY_SORT.sorted_rows(
        [(row, progress[row.id] if progress else None) for row in names],
        sort,
        lambda row: row[0].id,
    )
    listed = paginate(
        [row[0].id for row in ordered], page, per_page=MUNICIPALITIES_PER_PAGE
    )
    ids = listed.items
    shown = {
        m.id: m
        for m in db.session.scalars(
            select(Municipality)
            .options(joinedload(Municipality.merged_into))
            .where(Municipality.id.in_(ids))
        )
    }
    progress = progress or municipality_progress(ids)
    listed.items = [(shown[mid], progress[mid]) for mid in ids if mid in shown]
    return listed


def _rounds(user: Any, municipality: Municipality) -> list[RoundScores]:
    """Every round past its draft with this municipality's scores, in one query
    whatever the data (plain rows: what the page and the export show of each
    score); only the rounds whose scores `user` may see keep them."""
    rows = db.session.execute(
        select(
            ScoringRound,
            Score.id,
            Thread.code,
            Thread.title,
            Score.value,
            Score.comment,
        )
        .outerjoin(
            Score,
            (Score.round_id == ScoringRound.id)
            & (Score.municipality_id == municipality.id),
        )
        .outerjoin(Thread, Thread.id == Score.thread_id)
        .where(ScoringRound.status != "draft")
        .order_by(ScoringRound.opens_on.desc(), ScoringRound.id.desc())
    ).tuples()
    scores: dict[ScoringRound, list[tuple[ThreadShown, ScoreShown]]] = {}
    for scoring_round, score_id, code, title, value, comment in rows:
        found = scores.setdefault(scoring_round, [])
        if score_id is not None:
            found.append((ThreadShown(code, title), ScoreShown(value, comment)))
    result = []
    for scoring_round, found in scores.items():
        visible = permissions.can_view_scores_of(user, scoring_round, municipality.id)
        result.append(
            RoundScores(
                scoring_round=scoring_round,
                visible=visible,
                scores=sorted(found, key=lambda pair: pair[0].code) if visible else [],
            )
        )
    return result


class RolloutShown(NamedTuple):
    """What a municipality's page and export show of its stage in a theme."""

    theme_id: int
    theme_title: str
    stage: str
    note: str
    updated_at: datetime
    updated_by_name: str | None


class TaskShown(NamedTuple):
    """What they show of a task concerning it (`is_overdue` reads it too)."""

    title: str
    group_name: str | None
    assignee_name: str | None
    status: str
    progress: int
    due_on: date | None


class DossierShown(NamedTuple):
    """What a municipality's page and export show of a dossier it takes part in
    (plain values of one query, no ORM entity per row)."""

    id: int
    title: str
    call_title: str
    status: str
    requested_amount: Decimal
    granted_amount: Decimal | None
    lead_name: str


def _dossier_ids(municipality_id: int) -> Any:
    """SQL: the ids of the dossiers `municipality_id` leads or is a partner of,
    each half from its index (not every dossier of the region tested)."""
    return union_all(
        select(ApplicationPartner.application_id).where(
            ApplicationPartner.municipality_id == municipality_id
        ),
        select(Application.id).where(
            Application.lead_municipality_id == municipality_id
        ),
    )


def _applications(
    user: Any, municipality: Municipality, limit: int | None
) -> tuple[list[DossierShown], list[tuple[DossierShown, Any]], bool]:
    """The dossiers `user` may see that this municipality leads, and those it is
    a partner of with its share (one query for both lists): the newest `limit`
    (None: all), and whether there are more."""
    lead = aliased(Municipality)
    query = permissions.visible_applications(
        user,
        select(
            Application.id,
            Application.title,
            SubsidyCall.title,
            Application.status,
            Application.requested_amount,
            Application.granted_amount,
            lead.name,
            Application.lead_municipality_id,
            ApplicationPartner.share_pct,
        )
        .join(SubsidyCall, SubsidyCall.id == Application.call_id)
        .join(lead, lead.id == Application.lead_municipality_id)
        .outerjoin(
            ApplicationPartner,
            (ApplicationPartner.application_id == Application.id)
            & (ApplicationPartner.municipality_id == municipality.id),
        )
        .where(
            Application.id.in_(_dossier_ids(municipality.id)), not_archived(Application)
        ),
    ).order_by(Application.created_at.desc(), Application.id)
    if limit is not None:
        query = query.limit(limit + 1)
    rows = db.session.execute(query).all()
    more = limit is not None and len(rows) > limit
    rows = rows[:limit] if more else rows
    as_lead = [DossierShown(*row[:7]) for row in rows if row[7] == municipality.id]
    as_partner = [
        (DossierShown(*row[:7]), row[8]) for row in rows if row[8] is not None
    ]
    return as_lead, as_partner, more


def participation(
    user: Any, municipality: Municipality, limit: int | None = LIST_LIMIT
) -> Participation:
    """Everything of one municipality's page, in a fixed number of queries; the
    page lists the first `limit` tasks and deadlines, an export (None) all."""
    groups = list(
        db.session.scalars(
            select(WorkingGroup)
            .join(group_municipality, group_municipality.c.group_id == WorkingGroup.id)
            .options(joinedload(WorkingGroup.theme))
            .where(group_municipality.c.municipality_id == municipality.id)
            .where(not_archived(WorkingGroup))
            .order_by(WorkingGroup.name)
        )
    )
    updater = aliased(User)
    rollout = [
        RolloutShown(*row)
        for row in db.session.execute(
            select(
                Rollout.theme_id,
                Theme.title,
                Rollout.stage,
                Rollout.note,
                Rollout.updated_at,
                updater.full_name,
            )
            .join(Theme, Theme.id == Rollout.theme_id)
            .outerjoin(updater, updater.id == Rollout.updated_by_id)
            .where(Rollout.municipality_id == municipality.id)
            .order_by(Theme.title)
        )
    ]
    staff = select(User.id).where(User.municipality_id == municipality.id)
    assignee = aliased(User)
    tasks = [
        TaskShown(*row)
        for row in db.session.execute(
            select(
                Task.title,
                WorkingGroup.name,
                assignee.full_name,
                Task.status,
                Task.progress,
                Task.due_on,
            )
            .outerjoin(WorkingGroup, WorkingGroup.id == Task.group_id)
            .outerjoin(assignee, assignee.id == Task.assignee_id)
            .where(
                or_(
                    Task.municipality_id == municipality.id, Task.assignee_id.in_(staff)
                ),
                permissions.visible_tasks(user),
            )
            .order_by(
                Task.status == "done", Task.due_on.is_(None), Task.due_on, Task.id
            )
            .limit(limit)
        )
    ]
    as_lead: list[DossierShown] = []
    as_partner: list[tuple[DossierShown, Any]] = []
    more_applications = False
    amounts = own = None
    if permissions.can_view_applications(user):
        as_lead, as_partner, more_applications = _applications(
            user, municipality, limit
        )
        amounts = rollup_by_municipality(user, [municipality.id]).get(municipality.id)
        own = own_contribution_by_municipality(user, [municipality.id]).get(
            municipality.id, {"lead": Decimal("0"), "partner": Decimal("0")}
        )
    return Participation(
        municipality=municipality,
        rounds=_rounds(user, municipality),
        groups=groups,
        rollout=rollout,
        tasks=tasks,
        applications_as_lead=as_lead,
        applications_as_partner=as_partner,
        more_applications=more_applications,
        amounts=amounts,
        own=own,
        # Its own deadlines: calls are regional and listed on /calls.
        deadlines=deadlines(
            Scope(viewer=user, municipality_id=municipality.id),
            kinds=("task", "application", "obligation"),
            limit=limit,
        ),
        progress=municipality_progress([municipality.id])[municipality.id],
    )
