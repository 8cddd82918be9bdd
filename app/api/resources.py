"""What the API answers: the pages' listing functions and rules, as JSON.

Each function takes the signed-in user and the query arguments, narrows with the
same rules as the pages (app/auth/permissions.py) and returns plain data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from flask import abort, request
from flask_babel import gettext as _
from sqlalchemy import false, select
from sqlalchemy.orm import joinedload, selectinload

from app import clock
from app.api.spec import MAX_INT, PER_PAGE_DEFAULT, PER_PAGE_MAX, SLUG_PATTERN
from app.archive import not_archived
from app.auth import permissions
from app.comments.comments import load_target
from app.comments.models import TARGET_KEYS, Comment
from app.comments.pages import object_endpoint
from app.deadlines.deadlines import CATEGORIES, KINDS, Scope, deadlines
from app.extensions import db
from app.formatting import fmt_comment
from app.links import absolute_url
from app.municipalities.models import Municipality
from app.strategy.models import Score, Thread
from app.strategy.results import for_reader, round_results
from app.strategy.rounds import get_round, visible_rounds_query
from app.subsidies.listing import get_application, loaded
from app.subsidies.models import APPLICATION_STATUSES, Application
from app.subsidies.rollups import rollup_by_application
from app.work.models import ROLLOUT_STAGES, TASK_STATUSES, Rollout, Task, Theme
from app.work.tasks import DUE_FILTERS, TaskFilters, is_overdue, row_options, task_query


class BadParameter(Exception):
    """A query parameter that is not valid: answered with 400."""

    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


# --- parameters ---


def _int(name: str, default: int | None = None, maximum: int = MAX_INT):
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise BadParameter(
            name, _("a whole number from 1 to %(maximum)s is expected", maximum=maximum)
        )
    return int(raw)


def _choice(name: str, allowed) -> str | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if raw not in allowed:
        raise BadParameter(
            name, _("one of %(choices)s is expected", choices=", ".join(allowed))
        )
    return raw


def _municipality(name: str = "municipality") -> int | None:
    """The id of the municipality with the slug given; 0 (matches nothing) for an
    unknown slug: a filter on something that does not exist finds nothing."""
    slug = request.args.get(name)
    if slug is None or slug == "":
        return None
    if not SLUG_PATTERN.fullmatch(slug):  # "0.5", "IZEGEM": not a slug at all
        raise BadParameter(
            name,
            _("a short name of lowercase letters, digits and hyphens is expected"),
        )
    found = db.session.scalar(select(Municipality.id).where(Municipality.slug == slug))
    return found or 0


@dataclass(frozen=True)
class Paging:
    page: int
    per_page: int


def paging() -> Paging:
    return Paging(
        _int("page", 1), _int("per_page", PER_PAGE_DEFAULT, maximum=PER_PAGE_MAX)
    )


def _link(page: int | None, per_page: int) -> str | None:
    """This request's path and query with another page (other arguments kept)."""
    if page is None:
        return None
    args = request.args.to_dict() | {"page": str(page), "per_page": str(per_page)}
    return f"{request.path}?{urlencode(args)}"


def page_body(items: list, total: int, paged: Paging) -> dict[str, Any]:
    pages = -(-total // paged.per_page)
    has_next = paged.page < pages
    has_prev = 1 < paged.page <= pages + 1
    return {
        "items": items,
        "page": paged.page,
        "per_page": paged.per_page,
        "total": total,
        "pages": pages,
        "links": {
            "self": _link(paged.page, paged.per_page),
            "next": _link(paged.page + 1 if has_next else None, paged.per_page),
            "prev": _link(paged.page - 1 if has_prev else None, paged.per_page),
        },
    }


def paginate_query(query, serialize, paged: Paging) -> dict[str, Any]:
    result = db.paginate(
        query, page=paged.page, per_page=paged.per_page, error_out=False, count=True
    )
    return page_body(serialize(list(result.items)), result.total or 0, paged)


def paginate_list(items: list, paged: Paging) -> dict[str, Any]:
    start = (paged.page - 1) * paged.per_page
    return page_body(items[start : start + paged.per_page], len(items), paged)


# --- plain values ---


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else f"{Decimal(value):.2f}"


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _ref(obj, name: str = "name") -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.id, "name": getattr(obj, name)}


def _municipality_ref(m: Municipality | None) -> dict[str, Any] | None:
    return None if m is None else {"slug": m.slug, "name": m.name}


# --- resources ---


def me(user) -> dict[str, Any]:
    return {
        "id": user.id,
        "full_name": user.full_name,
        "role": user.role,
        "municipality": _municipality_ref(user.municipality),
        "language": user.language,
    }


def tasks(user) -> dict[str, Any]:
    """The tasks of /tasks (every member sees them), with its filters."""
    if not permissions.can_view_regional(user):
        abort(403)
    municipality_id = _municipality()
    filters = TaskFilters(
        status=_choice("status", TASK_STATUSES),
        theme=_int("theme"),
        group=_int("group"),
        municipality=municipality_id,
        due=_choice("due", DUE_FILTERS),
        assignee=user.id if _choice("mine", ("true", "false")) == "true" else None,
    )
    paged = paging()
    today = clock.today()
    query = task_query(filters, today, user).options(*row_options())
    if municipality_id == 0:
        query = query.where(false())  # an unknown municipality has no tasks

    def serialize(rows: list[Task]) -> list[dict[str, Any]]:
        return [
            {
                "id": t.id,
                "title": t.title,
                "status": t.status,
                "progress": t.progress,
                "start_on": _day(t.start_on),
                "due_on": _day(t.due_on),
                "overdue": is_overdue(t, today),
                "group": _ref(t.group),
                "theme": _ref(t.group.theme, "title") if t.group else None,
                "municipality": _municipality_ref(t.municipality),
                "assigned_to_me": t.assignee_id == user.id,
                "url": absolute_url("work.task", task_id=t.id),
            }
            for t in rows
        ]

    return paginate_query(query, serialize, paged)


def deadline_list(user) -> dict[str, Any]:
    """The deadlines of /deadlines: mine (default) or the region's."""
    scope_name = _choice("scope", ("mine", "region")) or "mine"
    kind = _choice("kind", KINDS)
    category = _choice("when", CATEGORIES)
    paged = paging()
    scope = Scope(viewer=user, user=user if scope_name == "mine" else None)
    items = deadlines(
        scope,
        kinds=(kind,) if kind else KINDS,
        categories=(category,) if category else CATEGORIES,
    )
    return paginate_list(
        [
            {
                "kind": d.kind,
                "id": d.item_id,
                "uid": d.uid,
                "title": d.title,
                "due": d.due.isoformat(),
                "at": d.at.isoformat() if d.at else None,
                "category": d.category,
                "municipality": d.municipality,
                "context": d.context,
                "url": absolute_url(d.endpoint, **dict(d.values)),
            }
            for d in items
        ],
        paged,
    )


def _dossier(a: Application, paid: Decimal | None) -> dict[str, Any]:
    return {
        "id": a.id,
        "title": a.title,
        "reference": a.reference,
        "status": a.status,
        "call": _ref(a.call, "title"),
        "theme": _ref(a.theme, "title"),
        "lead_municipality": _municipality_ref(a.lead_municipality),
        "partners": [
            {
                "slug": p.municipality.slug,
                "name": p.municipality.name,
                "share_pct": _amount(p.share_pct),
            }
            for p in sorted(a.partners, key=lambda p: p.municipality.name)
        ],
        "requested_amount": _amount(a.requested_amount),
        "granted_amount": _amount(a.granted_amount),
        "paid_amount": _amount(paid or Decimal(0)),
        "submitted_on": _day(a.submitted_on),
        "decided_on": _day(a.decided_on),
        "project_start": _day(a.project_start),
        "project_end": _day(a.project_end),
        "url": absolute_url("subsidies.application", application_id=a.id),
    }


def _paid(rows: list[Application]) -> dict[int, Decimal]:
    figures = rollup_by_application([a.id for a in rows]) if rows else {}
    return {application_id: f.paid for application_id, f in figures.items()}


def dossiers(user) -> dict[str, Any]:
    """The dossiers `user` may see (as on /applications)."""
    if not permissions.can_view_applications(user):
        abort(403)
    status = _choice("status", APPLICATION_STATUSES)
    paged = paging()
    query = (
        select(Application)
        .options(*loaded())
        .where(not_archived(Application))
        .order_by(Application.id)
    )
    if status:
        query = query.where(Application.status == status)
    query = permissions.visible_applications(user, query)

    def serialize(rows: list[Application]) -> list[dict[str, Any]]:
        paid = _paid(rows)
        return [_dossier(a, paid.get(a.id)) for a in rows]

    return paginate_query(query, serialize, paged)


def dossier(user, application_id: int) -> dict[str, Any]:
    """One dossier; 404 when it does not exist or is not the user's to see."""
    found = get_application(application_id) if application_id <= MAX_INT else None
    if found is None or not permissions.can_view_application(user, found):
        abort(404)
    return _dossier(found, _paid([found]).get(found.id))


def rollout(user) -> dict[str, Any]:
    """Rollout rows (regional: every member sees them on the theme pages)."""
    if not permissions.can_view_regional(user):
        abort(403)
    theme_id = _int("theme")
    municipality_id = _municipality()
    stage = _choice("stage", ROLLOUT_STAGES)
    paged = paging()
    query = (
        select(Rollout)
        .join(Theme, Theme.id == Rollout.theme_id)
        .join(Municipality, Municipality.id == Rollout.municipality_id)
        .options(selectinload(Rollout.theme), selectinload(Rollout.municipality))
        .order_by(Theme.title, Municipality.name)
    )
    if theme_id:
        query = query.where(Rollout.theme_id == theme_id)
    if municipality_id is not None:
        query = query.where(Rollout.municipality_id == municipality_id)
    if stage:
        query = query.where(Rollout.stage == stage)

    def serialize(rows: list[Rollout]) -> list[dict[str, Any]]:
        return [
            {
                "theme": _ref(r.theme, "title"),
                "municipality": _municipality_ref(r.municipality),
                "stage": r.stage,
                "note": r.note,
                "updated_at": r.updated_at.isoformat(),
            }
            for r in rows
        ]

    return paginate_query(query, serialize, paged)


def _round(user, r) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "opens_on": r.opens_on.isoformat(),
        "closes_on": r.closes_on.isoformat(),
        "status": r.status,
        "results_available": permissions.can_view_round_results(user, r),
    }


def rounds(user) -> dict[str, Any]:
    """The scoring rounds `user` may see (drafts: the coordinator only)."""
    paged = paging()
    query = visible_rounds_query(user)
    return paginate_query(query, lambda rows: [_round(user, r) for r in rows], paged)


def results(user, round_id: int) -> dict[str, Any]:
    """A round's aggregates; a municipal user's own scores, never another's."""
    if round_id > MAX_INT:
        abort(404)
    scoring_round = get_round(user, round_id)
    if not permissions.can_view_round_results(user, scoring_round):
        abort(403)
    computed = for_reader(round_results(scoring_round), user)
    own: list[dict[str, Any]] = []
    mid = getattr(user, "municipality_id", None)
    if permissions.is_municipal(user) and permissions.can_view_scores_of(
        user, scoring_round, mid
    ):
        rows = db.session.execute(
            select(Thread.code, Score.value, Score.comment)
            .join(Thread, Thread.id == Score.thread_id)
            .where(Score.round_id == scoring_round.id, Score.municipality_id == mid)
            .order_by(Thread.code)
        )
        own = [{"code": c, "value": v, "comment": m} for c, v, m in rows]
    return {
        "round": _round(user, scoring_round),
        "respondents": computed.respondents,
        "score_high": computed.score_high,
        "majority": computed.majority,
        "threads": [
            {
                "code": t.thread.code,
                "title": t.thread.title,
                "responses": t.responses,
                "mean": t.mean,
                "median": t.median,
                "minimum": t.minimum,
                "maximum": t.maximum,
                "stdev": t.stdev,
                "share_high": t.share_high,
                "broadly_supported": t.broadly_supported,
                "rank": t.rank,
                "withheld": t.withheld,
            }
            for t in computed.threads
        ],
        "own_scores": own,
    }


# --- comments ---


def _person(user) -> dict[str, Any] | None:
    return None if user is None else {"id": user.id, "name": user.full_name}


def comments(user, segment: str, target_id: int) -> dict[str, Any]:
    """The comments of a dossier, task or thread `user` may see, oldest first;
    404 when the object does not exist, is archived or is not theirs to see."""
    target = load_target(segment, target_id) if target_id <= MAX_INT else None
    if (
        target is None
        or not permissions.can_view_comments(user, segment, target)
        or permissions.comment_target_archived(segment, target)
    ):
        abort(404)
    paged = paging()
    query = (
        select(Comment)
        .where(getattr(Comment, TARGET_KEYS[segment]) == target.id)
        .options(joinedload(Comment.author), selectinload(Comment.mentioned))
        .order_by(Comment.created_at, Comment.id)
    )
    endpoint, values = object_endpoint(segment, target.id)
    page_of = absolute_url(endpoint, **values)

    def serialize(rows: list[Comment]) -> list[dict[str, Any]]:
        return [
            {
                "id": c.id,
                "author": _person(c.author),
                "text": c.body,
                "html": str(fmt_comment(c.body)),
                "created_at": c.created_at.isoformat(),
                "edited_at": c.edited_at.isoformat() if c.edited_at else None,
                "mentioned": [_person(u) for u in c.mentioned],
                "url": f"{page_of}#comment-{c.id}",
            }
            for c in rows
        ]

    return paginate_query(query, serialize, paged)
