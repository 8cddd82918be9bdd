"""Calls: their status and countdown, their templates, and their coverage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale, pgettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, cast, false, func, or_, select, union

from app import readmodel, signals
from app.activity.log import diff, record
from app.archive import not_archived
from app.auth.models import LANGUAGES
from app.clock import BRUSSELS, now_utc
from app.extensions import db
from app.municipalities.models import Municipality, active_municipalities_clause
from app.sorting import Sort, Sortable
from app.strategy.models import Score, ScoringRound, round_thread
from app.subsidies.models import (
    OBLIGATION_KINDS,
    Application,
    ApplicationPartner,
    SubsidyCall,
    call_theme,
)
from app.work.models import Rollout, Theme, WorkingGroup, group_municipality

#: The columns /calls sorts on; by default the latest deadline first.
CALL_SORT = Sortable(
    columns={
        "title": func.lower(SubsidyCall.title),
        "deadline": SubsidyCall.deadline_at,
    },
    default="-deadline",
    tie=SubsidyCall.id,
)


def calls_query(sort: Sort):
    """SELECT of every call in the order of `sort` (the list of /calls)."""
    return select(SubsidyCall).order_by(*CALL_SORT.order_by(sort))


#: Where the days of a reporting template line count from.
REPORTING_BASES = ("decision", "start", "end")
#: A reporting line may end in "| yearly": it comes back every year until the
#: project's end (issue 28 item 5).
REPORTING_REPEATS = ("yearly",)
#: Rollout stages that do not count as taking part in a theme.
NOT_TAKING_PART = ("not_participating", "not_started")
#: Applications that no longer count as "having applied" for a call.
NOT_APPLIED = ("withdrawn",)


# --- status and countdown ---------------------------------------------------------


def call_status(call: SubsidyCall, now: datetime | None = None) -> str:
    """upcoming before the opening, open until the deadline, closed from then on."""
    now = now or now_utc()
    if now < call.opens_at:
        return "upcoming"
    if now < call.deadline_at:
        return "open"
    return "closed"


def countdown(call: SubsidyCall, now: datetime | None = None) -> timedelta | None:
    """Time left until the opening (upcoming) or the deadline (open); None if closed."""
    now = now or now_utc()
    status = call_status(call, now)
    if status == "upcoming":
        return call.opens_at - now
    if status == "open":
        return call.deadline_at - now
    return None


def to_utc(local: datetime) -> datetime:
    """A wall-clock time typed in Brussels (naive) as an aware UTC moment."""
    return local.replace(tzinfo=BRUSSELS).astimezone(UTC)


def to_brussels(moment: datetime) -> datetime:
    """An aware moment as naive Brussels wall-clock time (for form inputs)."""
    return moment.astimezone(BRUSSELS).replace(tzinfo=None)


def deadline_date(call: SubsidyCall) -> date:
    """The calendar day of the deadline in Brussels."""
    return call.deadline_at.astimezone(BRUSSELS).date()


# --- templates as text: one line per item -----------------------------------------


class TemplateError(ValueError):
    """A template line that cannot be read; the message names the line."""


def format_preparation(template: list[dict]) -> str:
    """`42 | Conceptnota` per line."""
    return "\n".join(f"{item['days_before']} | {item['title']}" for item in template)


def parse_preparation(text: str) -> list[dict]:
    """Lines `days before the deadline | title` → [{"title", "days_before"}]."""
    items = []
    for number, line in _lines(text):
        parts = [p.strip() for p in line.split("|", 1)]
        if len(parts) != 2 or not parts[0].isdigit() or not parts[1]:
            raise TemplateError(
                _l(
                    'Line %(n)s: write "days | title", e.g. "42 | Concept note".',
                    n=number,
                )
            )
        days = int(parts[0])
        if days > 3650 or len(parts[1]) > 200:
            raise TemplateError(_l("Line %(n)s: too long.", n=number))
        items.append({"title": parts[1], "days_before": days})
    return sorted(items, key=lambda item: -item["days_before"])


def _keywords() -> dict[str, str]:
    return {
        "decision": pgettext("template keyword", "decision"),
        "start": pgettext("template keyword", "start"),
        "end": pgettext("template keyword", "end"),
        "advance": pgettext("template keyword", "advance"),
        "interim": pgettext("template keyword", "interim"),
        "final": pgettext("template keyword", "final"),
        "financial": pgettext("template keyword", "financial"),
        "balance": pgettext("template keyword", "balance"),
        "yearly": pgettext("template keyword", "yearly"),
    }


def keyword(code: str) -> str:
    """A reporting template's keyword for `code` (a base or an obligation kind)
    in the reader's language: `beslissing | 60 | voorschot | …` in Dutch."""
    return _keywords().get(code, code)


def _codes(codes: tuple[str, ...]) -> dict[str, str]:
    """Every word a template line may use for `codes`: the codes themselves and
    their keywords in each language (a template pasted from a colleague who works
    in the other language still reads)."""
    words = {code: code for code in codes}
    for language in LANGUAGES:
        with force_locale(language):
            words |= {keyword(code).casefold(): code for code in codes}
    return words


def format_reporting(template: list[dict]) -> str:
    """`beslissing | 60 | voorschot | Voorschot 80%` per line (reader's language)."""
    return "\n".join(
        f"{keyword(item.get('from', 'decision'))} | {_days(item)} | "
        f"{keyword(item['kind'])} | {item['title']}"
        + (f" | {keyword(item['repeat'])}" if item.get("repeat") else "")
        for item in template
    )


def parse_reporting(text: str) -> list[dict]:
    """Lines `decision|start|end | days | kind | title` → template entries."""
    items = []
    bases, kinds = _codes(REPORTING_BASES), _codes(OBLIGATION_KINDS)
    repeats = _codes(REPORTING_REPEATS)
    for number, line in _lines(text):
        parts = [p.strip() for p in line.split("|", 3)]
        repeat = None
        if len(parts) == 4:
            title, sep, tail = parts[3].rpartition("|")
            if sep and tail.strip().casefold() in repeats:
                parts[3], repeat = title.strip(), repeats[tail.strip().casefold()]
        if (
            len(parts) != 4
            or parts[0].casefold() not in bases
            or not parts[1].isdigit()
            or parts[2].casefold() not in kinds
            or not parts[3]
        ):
            raise TemplateError(
                _l(
                    'Line %(n)s: write "from | days | kind | title" with from one of '
                    "%(bases)s and kind one of %(kinds)s.",
                    n=number,
                    bases=", ".join(keyword(code) for code in REPORTING_BASES),
                    kinds=", ".join(keyword(code) for code in OBLIGATION_KINDS),
                )
            )
        parts[0], parts[2] = bases[parts[0].casefold()], kinds[parts[2].casefold()]
        if int(parts[1]) > 3650 or len(parts[3]) > 200:
            raise TemplateError(_l("Line %(n)s: too long.", n=number))
        items.append(
            {
                "title": parts[3],
                "kind": parts[2],
                "from": parts[0],
                "days": int(parts[1]),
            }
            | ({"repeat": repeat} if repeat else {})
        )
    titles = [item["title"] for item in items]
    if len(set(titles)) != len(titles):
        raise TemplateError(_l("Every reporting line needs a different title."))
    return items


def _days(item: dict) -> int:
    # The model's first draft named it "days_after"; read both.
    return int(item.get("days", item.get("days_after", 0)))


def _lines(text: str):
    for number, line in enumerate((text or "").splitlines(), start=1):
        if line.strip():
            yield number, line.strip()


# --- coverage ---------------------------------------------------------------------


@dataclass
class Gap:
    """An active municipality that could apply for a call but has not (yet)."""

    municipality: Municipality
    reasons: set[str] = field(default_factory=set)  # rollout | group | score


def coverage(call: SubsidyCall) -> list[Gap]:
    """Municipalities expected to apply for `call` that have no application for it.

    Expected: an active (not merged) municipality that, for one of the themes the
    call fits,
      * has a rollout stage other than not_participating / not_started ("rollout"),
      * or takes part in one of the theme's working groups ("group"),
      * or scored the theme's origin thread >= SCORE_HIGH in the latest closed
        round that asked about that thread ("score").
    Covered: it is lead or partner of an application for this call that was not
    withdrawn. Only calls that are not closed have gaps (nothing to apply for).
    """
    theme_ids = [theme.id for theme in call.themes]
    if not theme_ids or call_status(call) == "closed":
        return []
    reasons: dict[int, set[str]] = {}
    for (_theme_id, municipality_id), kinds in taking_part(theme_ids).items():
        reasons.setdefault(municipality_id, set()).update(kinds)
    covered = set(db.session.scalars(_applicants(call.id)))
    wanted = [mid for mid in reasons if mid not in covered]
    if not wanted:
        return []
    municipalities = db.session.scalars(
        select(Municipality)
        .where(Municipality.id.in_(wanted), active_municipalities_clause())
        .order_by(Municipality.name)
    )
    return [Gap(m, reasons[m.id]) for m in municipalities]


def own_gap(gaps: list[Gap], municipality_id: int | None) -> Gap | None:
    """The gap of one municipality in `gaps` (it has not applied yet), if any."""
    return next((g for g in gaps if g.municipality.id == municipality_id), None)


def taking_part(
    theme_ids: list[int] | None, municipality_id: int | None = None
) -> dict[tuple[int, int], set[str]]:
    """{(theme id, municipality id): reasons} of the coverage rule (see
    `coverage`): which municipalities take part in which of `theme_ids` (every
    theme: None), and why; only `municipality_id`'s when given. Four queries
    whatever the data."""
    found: dict[tuple[int, int], set[str]] = {}
    for kind, query in _taking_part(
        theme_ids, current_app.config["SCORE_HIGH"], municipality_id
    ):
        for theme_id, mid in db.session.execute(query):
            found.setdefault((theme_id, mid), set()).add(kind)
    return found


#: The tables the coverage rule reads (the read model's invalidation).
TAKING_PART_READS = (
    "group_municipality",
    "rollout",
    "round_thread",
    "score",
    "scoring_round",
    "theme",
    "working_group",
)


def participation(municipality_id: int) -> dict[tuple[int, int], set[str]]:
    """`taking_part(None, municipality_id)`, kept in the read model while the
    tables it reads are unchanged (a task or a dossier saved leaves it)."""
    return readmodel.cached(
        "taking_part",
        municipality_id,
        lambda: taking_part(None, municipality_id),
        reads=TAKING_PART_READS,
    )


def _taking_part(
    theme_ids: list[int] | None, score_high: int, municipality_id: int | None
):
    def narrowed(query, theme_column, municipality_column):
        if theme_ids is not None:
            query = query.where(theme_column.in_(theme_ids))
        if municipality_id is not None:
            query = query.where(municipality_column == municipality_id)
        return query

    yield (
        "rollout",
        narrowed(
            select(Rollout.theme_id, Rollout.municipality_id).where(
                Rollout.stage.not_in(NOT_TAKING_PART)
            ),
            Rollout.theme_id,
            Rollout.municipality_id,
        ),
    )
    yield (
        "group",
        narrowed(
            select(WorkingGroup.theme_id, group_municipality.c.municipality_id).join(
                WorkingGroup, WorkingGroup.id == group_municipality.c.group_id
            ),
            WorkingGroup.theme_id,
            group_municipality.c.municipality_id,
        ),
    )
    # The latest closed round that asked about each origin thread.
    latest = (
        select(round_thread.c.thread_id, ScoringRound.id.label("round_id"))
        .join(ScoringRound, ScoringRound.id == round_thread.c.round_id)
        .join(Theme, Theme.origin_thread_id == round_thread.c.thread_id)
        .where(ScoringRound.status == "closed")
        .order_by(ScoringRound.closes_on.desc(), ScoringRound.id.desc())
    )
    if theme_ids is not None:
        latest = latest.where(Theme.id.in_(theme_ids))
    rounds: dict[int, int] = {}
    for thread_id, round_id in db.session.execute(latest):
        rounds.setdefault(thread_id, round_id)
    # Run even without such a round: as many queries whatever the data.
    yield (
        "score",
        narrowed(
            select(Theme.id, Score.municipality_id)
            .join(Theme, Theme.origin_thread_id == Score.thread_id)
            .where(
                or_(
                    false(),
                    *(
                        and_(Score.thread_id == t, Score.round_id == r)
                        for t, r in rounds.items()
                    ),
                ),
                Score.value >= score_high,
            ),
            Theme.id,
            Score.municipality_id,
        ),
    )


@dataclass
class FittingCall:
    """An open call that fits a municipality it has not applied for, and why."""

    call: SubsidyCall
    reasons: set[str]


def fitting_calls(municipality_id: int | None, limit: int) -> list[FittingCall]:
    """The open calls that fit `municipality_id` by the coverage rule (it takes
    part in a theme the call fits) and for which it has no live application,
    soonest deadline first, at most `limit`; none for a merged municipality.
    One query whatever the data, and the municipality's participation (read
    model: four queries when what it reads changed)."""
    # Without a municipality: nobody's participation (no municipality has id 0).
    reasons = participation(municipality_id or 0)
    themes: dict[int, set[str]] = {t: kinds for (t, _m), kinds in reasons.items()}
    now = now_utc()
    # The fitting themes of each call, as a column of its row ("3,7").
    fitting = (
        select(func.aggregate_strings(cast(call_theme.c.theme_id, String), ","))
        .where(
            call_theme.c.call_id == SubsidyCall.id,
            call_theme.c.theme_id.in_(list(themes)),
        )
        .correlate(SubsidyCall)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(SubsidyCall, fitting.label("themes"))
        .where(
            SubsidyCall.opens_at <= now,
            SubsidyCall.deadline_at > now,
            not_archived(SubsidyCall),
            SubsidyCall.id.in_(
                select(call_theme.c.call_id).where(
                    call_theme.c.theme_id.in_(list(themes))
                )
            ),
            SubsidyCall.id.not_in(_applied_by(municipality_id)),
            select(Municipality.id)
            .where(Municipality.id == municipality_id, active_municipalities_clause())
            .exists(),
        )
        .order_by(SubsidyCall.deadline_at, SubsidyCall.id)
        .limit(limit)
    ).all()
    return [
        FittingCall(
            call,
            set().union(*(themes[int(t)] for t in (ids or "").split(",") if t)),
        )
        for call, ids in rows
    ]


def _applied_by(municipality_id: int | None):
    """Ids of the calls `municipality_id` has a live application for (lead or
    partner)."""
    live = Application.status.not_in(NOT_APPLIED)
    return union(
        select(Application.call_id).where(
            live, Application.lead_municipality_id == municipality_id
        ),
        select(Application.call_id)
        .join(ApplicationPartner, ApplicationPartner.application_id == Application.id)
        .where(live, ApplicationPartner.municipality_id == municipality_id),
    )


def _applicants(call_id: int):
    """Ids of the municipalities that are lead or partner of a live application."""
    live = (Application.call_id == call_id) & Application.status.not_in(NOT_APPLIED)
    return union(
        select(Application.lead_municipality_id).where(live),
        select(ApplicationPartner.municipality_id)
        .join(Application, Application.id == ApplicationPartner.application_id)
        .where(live),
    )


# --- saving -----------------------------------------------------------------------


def save_call(call: SubsidyCall | None, form: Any, actor: Any) -> SubsidyCall:
    """Create or update a call from a validated CallForm, with activity."""
    creating = call is None
    was_closed = not creating and call_status(call) == "closed"
    call = call or SubsidyCall()
    values = {
        "title": form.title.data.strip(),
        "funder": form.funder.data.strip(),
        "description": form.description.data or "",
        "url": (form.url.data or "").strip(),
        "opens_at": to_utc(form.opens_at.data),
        "deadline_at": to_utc(form.deadline_at.data),
        "budget": form.budget.data,
        "max_per_application": form.max_per_application.data,
        "cofinancing_pct": form.cofinancing_pct.data,
        "min_partners": form.min_partners.data,
        "preparation_template": form.preparation_items,
        "reporting_template": form.reporting_items,
    }
    changes = diff(call, values)
    themes = list(
        db.session.scalars(select(Theme).where(Theme.id.in_(form.themes.data or [])))
    )
    old_titles = sorted(t.title for t in call.themes)
    if old_titles != sorted(t.title for t in themes):
        changes["themes"] = [", ".join(old_titles), ", ".join(t.title for t in themes)]
        call.themes = themes
    if creating:
        db.session.add(call)
        record("create", call, actor=actor)
    elif changes:
        record("update", call, changes, actor=actor)
    if (creating or was_closed) and call_status(call) != "closed":
        db.session.flush()  # the new call's id, for the events
        signals.call_opened.send(call, actor=actor)
    return call


def title_taken(title: str, call: SubsidyCall | None) -> bool:
    return (
        db.session.scalar(
            select(SubsidyCall.id).where(
                SubsidyCall.title == title,
                SubsidyCall.id != (call.id if call else -1),
            )
        )
        is not None
    )


TITLE_TAKEN = _l("Another call has this title.")
