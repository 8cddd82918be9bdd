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


def dossier_form(dossier: Application, **changes) -> dict:
    """The dossier form's fields as the edit page fills them, with `changes`."""
    data = {
        "version": str(dossier.version),
        "call_id": str(dossier.call_id),
        "title": dossier.title,
        "reference": "",
        "theme_id": "",
        "lead_municipality_id": str(dossier.lead_municipality_id),
        "owner_id": "",
        "requested_amount": str(dossier.requested_amount),
    }
    return data | {name: str(value) for name, value in changes.items()}


def delivery_world() -> dict:
    """Delivery fixtures for permission tests: a lead's own group and another,
    tasks in each (one assigned to a municipality user), rollout rows at home,
    away and in a merged municipality. Committed, ready for requests."""
    from datetime import date

    home = municipality("Izegem")
    away = municipality("Tielt")
    merged = municipality("Meulebeke")
    merged.merged_into_id, merged.merged_on = away.id, date(2025, 1, 1)
    users = {
        "coordinator": user("coordinator"),
        "lead": user("lead", home),
        "municipality": user("municipality", home),
        "other_municipality": user("municipality", away),
        "viewer": user("viewer"),
    }
    own_theme = theme(title="Own theme")
    other_theme = theme(title="Other theme")
    own_group = group(own_theme, leads=[users["lead"]], name="Own group")
    other_group = group(other_theme, name="Other group")
    w = {
        "home": home,
        "away": away,
        "merged": merged,
        "users": users,
        "own_theme": own_theme,
        "other_theme": other_theme,
        "own_group": own_group,
        "other_group": other_group,
        "own_task": task(own_group, title="Own task"),
        "other_task": task(other_group, title="Other task"),
        "assigned_task": task(
            other_group, title="Assigned task", assignee_id=users["municipality"].id
        ),
        "loose_task": task(
            None,
            group_id=None,
            title="Task without group",
            assignee_id=users["municipality"].id,
        ),
    }
    for theme_key in ("own_theme", "other_theme"):
        for place in ("home", "away"):
            w[f"rollout_{theme_key}_{place}"] = rollout(w[theme_key], w[place])
    w["rollout_merged"] = rollout(own_theme, merged)
    db.session.commit()
    return w


def talk(municipality_, threads=(), **kw):
    """A talk with a municipality that raised these threads (strategy)."""
    from app.strategy.models import Conversation, ThreadMention

    conversation = Conversation(
        municipality_id=municipality_.id,
        held_on=kw.pop("held_on", clock.today()),
        **kw,
    )
    conversation.mentions = [ThreadMention(thread_id=t.id) for t in threads]
    return _add(conversation)


# --- subsidies (appended by the subsidies domain) ---------------------------------


def partner(application_, municipality_, share: str | Decimal = "10"):
    from app.subsidies.models import ApplicationPartner

    row = ApplicationPartner(municipality_id=municipality_.id, share_pct=Decimal(share))
    application_.partners.append(row)
    db.session.flush()
    return row


def payment(application_, amount: str | Decimal, kind: str = "advance", **kw):
    from app.subsidies.models import Payment

    row = Payment(
        amount=Decimal(amount),
        kind=kind,
        paid_on=kw.pop("paid_on", clock.today()),
        **kw,
    )
    application_.payments.append(row)
    db.session.flush()
    return row
