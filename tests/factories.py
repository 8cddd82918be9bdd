"""Small factories: each makes one valid row with sensible defaults."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app import clock
from app.auth.models import User
from app.extensions import db
from app.municipalities.models import Municipality
from app.strategy.models import Score, ScoringRound, Thread
from app.subsidies.models import Application, ApplicationPartner, SubsidyCall
from app.work.models import Rollout, Task, Theme, WorkingGroup

PASSWORD = "correct horse battery staple"  # noqa: S105
_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def _add(obj):
    db.session.add(obj)
    db.session.flush()
    return obj


def municipality(name: str | None = None, **kw) -> Municipality:
    name = name or f"Gemeente {_n()}"
    return _add(
        Municipality(
            name=name, slug=kw.pop("slug", name.lower().replace(" ", "-")), **kw
        )
    )


def user(role: str = "municipality", municipality_=None, **kw) -> User:
    n = _n()
    password = kw.pop("password", PASSWORD)
    if municipality_ is None and role in ("lead", "municipality"):
        municipality_ = kw.pop("municipality", None) or municipality()
    kw.pop("municipality", None)
    account = User(
        email=kw.pop("email", f"user{n}@example.org"),
        full_name=kw.pop("full_name", f"User {n}"),
        role=role,
        municipality_id=getattr(municipality_, "id", None),
        **kw,
    )
    account.set_password(password)
    return _add(account)


def thread(**kw) -> Thread:
    n = _n()
    return _add(
        Thread(
            code=kw.pop("code", f"T{n:04d}"), title=kw.pop("title", f"Thread {n}"), **kw
        )
    )


def scoring_round(threads=(), status: str = "open", **kw) -> ScoringRound:
    today = clock.today()
    r = ScoringRound(
        name=kw.pop("name", f"Round {_n()}"),
        opens_on=kw.pop("opens_on", today - timedelta(days=7)),
        closes_on=kw.pop("closes_on", today + timedelta(days=7)),
        status=status,
        **kw,
    )
    r.threads = list(threads)
    return _add(r)


def score(round_, thread_, municipality_, value: int | None, **kw) -> Score:
    return _add(
        Score(
            round_id=round_.id,
            thread_id=thread_.id,
            municipality_id=municipality_.id,
            value=value,
            **kw,
        )
    )


def theme(**kw) -> Theme:
    return _add(Theme(title=kw.pop("title", f"Theme {_n()}"), **kw))


def group(theme_=None, leads=(), **kw) -> WorkingGroup:
    g = WorkingGroup(
        theme_id=(theme_ or theme()).id, name=kw.pop("name", f"Group {_n()}"), **kw
    )
    g.leads = list(leads)
    return _add(g)


def task(group_=None, **kw) -> Task:
    if group_ is None and "group_id" not in kw:
        group_ = group()
    if group_ is not None:
        kw["group_id"] = group_.id
    return _add(Task(title=kw.pop("title", f"Task {_n()}"), **kw))


def rollout(theme_, municipality_, **kw) -> Rollout:
    return _add(Rollout(theme_id=theme_.id, municipality_id=municipality_.id, **kw))


def call(**kw) -> SubsidyCall:
    now = datetime.now(UTC)
    return _add(
        SubsidyCall(
            title=kw.pop("title", f"Call {_n()}"),
            funder=kw.pop("funder", "Vlaamse overheid"),
            opens_at=kw.pop("opens_at", now - timedelta(days=10)),
            deadline_at=kw.pop("deadline_at", now + timedelta(days=30)),
            **kw,
        )
    )


def application(call_=None, lead=None, partners=(), **kw) -> Application:
    a = Application(
        call_id=(call_ or call()).id,
        title=kw.pop("title", f"Application {_n()}"),
        lead_municipality_id=(lead or municipality()).id,
        requested_amount=kw.pop("requested_amount", Decimal("10000")),
        **kw,
    )
    for partner in partners:
        a.partners.append(
            ApplicationPartner(municipality_id=partner.id, share_pct=Decimal("10"))
        )
    return _add(a)
