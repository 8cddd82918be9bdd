"""The money of a dossier beyond the grant: each municipality's own contribution
(co-financing) and the call's rule about it.

An own contribution is entered either as an amount in euro or as a percentage of
the municipality's project cost (its part of the grant plus the contribution, as
a call's co-financing share is meant); what was entered is stored, the other is
computed here, from the grant (or, before a decision, the requested amount).
Like dossiers.py, the writing functions validate, change the session and record
activity; the caller commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.activity.log import record
from app.concurrency import ensure_current
from app.documents.models import Document
from app.extensions import db
from app.formatting import fmt_progress
from app.subsidies.dossiers import HUNDRED, lead_share
from app.subsidies.models import (
    Application,
    BudgetLine,
    OwnContribution,
    Spending,
)
from app.subsidies.rollups import share_of

CENT = Decimal("0.01")
ZERO = Decimal("0")
_PERCENT = re.compile(r"(?P<int>\d{1,3})(?:[.,](?P<dec>\d{1,2}))?")

Errors = dict[str, Any]


class PercentError(ValueError):
    """Text that is not an acceptable own-contribution percentage."""


def parse_percent(text: str | None) -> Decimal:
    """A percentage typed as 20, 20,5, 20.5 or 20 % (0 up to, not including, 100)."""
    cleaned = (text or "").replace("%", "").strip()
    if not cleaned:
        raise PercentError(_l("Enter a percentage."))
    if cleaned.startswith("-"):
        raise PercentError(_l("A percentage cannot be negative."))
    match = _PERCENT.fullmatch(cleaned)
    if match is None:
        raise PercentError(_l("Not a percentage: use for example 20 or 20,5."))
    value = Decimal(f"{match['int']}.{match['dec'] or '0'}").quantize(CENT)
    if value >= HUNDRED:
        raise PercentError(
            _(
                "An own contribution is less than %(most)s of the project cost "
                "(the grant is part of it).",
                most=fmt_progress(100),
            )
        )
    return value


def subsidy_basis(application: Application) -> Decimal:
    """The subsidy the contributions stand beside: the granted amount once
    decided, the requested amount before."""
    if application.granted_amount is not None:
        return application.granted_amount
    return application.requested_amount or ZERO


def own_amount(contribution: OwnContribution | None, subsidy: Decimal) -> Decimal:
    """The contribution in euro: as entered, or from its percentage p of the
    project cost: subsidy × p / (100 − p)."""
    if contribution is None:
        return ZERO
    if contribution.entered_as == "amount":
        return contribution.amount or ZERO
    pct = contribution.share_pct or ZERO
    return (subsidy * pct / (HUNDRED - pct)).quantize(CENT, ROUND_HALF_UP)


def own_share_pct(own: Decimal, subsidy: Decimal) -> Decimal | None:
    """The own contribution as a percentage of the project cost (subsidy + own);
    None when there is no cost at all."""
    cost = own + subsidy
    if cost <= 0:
        return None
    return (own * HUNDRED / cost).quantize(CENT, ROUND_HALF_UP)


def below_rule(own_pct: Decimal | None, required_pct: Decimal | None) -> bool:
    """Whether an own share falls short of the call's minimum co-financing."""
    if required_pct is None or required_pct <= 0:
        return False
    return own_pct is None or own_pct < required_pct


@dataclass
class ContributionRow:
    municipality: Any
    is_lead: bool
    subsidy: Decimal
    own: Decimal
    own_pct: Decimal | None
    contribution: OwnContribution | None
    below: bool

    @property
    def cost(self) -> Decimal:
        return self.subsidy + self.own


@dataclass
class Contributions:
    rows: list[ContributionRow] = field(default_factory=list)
    subsidy: Decimal = ZERO
    own: Decimal = ZERO
    own_pct: Decimal | None = None
    required_pct: Decimal | None = None
    below: bool = False
    #: "granted" or "requested": what the subsidy column holds
    basis: str = "requested"


def dossier_contributions(application: Application) -> Contributions:
    """Subsidy and own contribution of the lead and each partner, and in total,
    checked against the call's minimum co-financing share (no query: the
    dossier's partners and contributions are loaded with it)."""
    entered = {c.municipality_id: c for c in application.own_contributions}
    subsidy = subsidy_basis(application)
    required = application.call.cofinancing_pct
    involved = [(application.lead_municipality, lead_share(application), True)]
    involved += [(p.municipality, p.share_pct, False) for p in application.partners]
    rows = []
    for municipality, share, is_lead in involved:
        part = share_of(subsidy, share) or ZERO
        contribution = entered.get(municipality.id)
        own = own_amount(contribution, part)
        own_pct = own_share_pct(own, part)
        rows.append(
            ContributionRow(
                municipality,
                is_lead,
                part,
                own,
                own_pct,
                contribution,
                below_rule(own_pct, required),
            )
        )
    own = sum((row.own for row in rows), ZERO)
    own_pct = own_share_pct(own, subsidy)
    return Contributions(
        rows=rows,
        subsidy=subsidy,
        own=own,
        own_pct=own_pct,
        required_pct=required,
        below=below_rule(own_pct, required),
        basis="requested" if application.granted_amount is None else "granted",
    )


def is_involved(application: Application, municipality_id: int) -> bool:
    """Whether the municipality is the dossier's lead or one of its partners."""
    return municipality_id == application.lead_municipality_id or any(
        p.municipality_id == municipality_id for p in application.partners
    )


def _entered(contribution: OwnContribution | None) -> dict[str, str | None]:
    """What was entered, as the activity log keeps raw values."""
    if contribution is None:
        return {"amount": None, "share_pct": None}
    return {
        "amount": None if contribution.amount is None else str(contribution.amount),
        "share_pct": None
        if contribution.share_pct is None
        else str(contribution.share_pct),
    }


def set_own_contribution(
    application: Application,
    municipality: Any,
    entered_as: str,
    value: Decimal | None,
    seen_version: Any,
    actor: Any,
) -> Errors:
    """Enter, change or (value None) clear a municipality's own contribution.

    `seen_version`: the contribution's version the form was based on ("" when
    there was none); someone else's save since raises EditConflict."""
    if not is_involved(application, municipality.id):
        return {"value": _l("Only the lead and the partners contribute.")}
    current = next(
        (
            c
            for c in application.own_contributions
            if c.municipality_id == municipality.id
        ),
        None,
    )
    submitted = {"amount" if entered_as == "amount" else "share_pct": value}
    if current is None:
        if seen_version not in ("", None):
            # It was there when the form was drawn: someone removed it since.
            raise_conflict(application, seen_version, submitted)
    else:
        ensure_current(current, seen_version, submitted)
    old = _entered(current)
    if value is None:
        if current is None:
            return {}
        application.own_contributions.remove(current)
        target = current
    else:
        target = current or OwnContribution(municipality_id=municipality.id)
        target.entered_as = entered_as
        target.amount = value if entered_as == "amount" else None
        target.share_pct = value if entered_as == "percent" else None
        if current is None:
            application.own_contributions.append(target)
    new = _entered(target if value is not None else None)
    changes = {name: [old[name], new[name]] for name in old if old[name] != new[name]}
    if not changes:
        return {}
    record(
        "own_contribution",
        target,
        changes,
        label=application.title,
        details={"partner": municipality.name},
        municipality_id=application.lead_municipality_id,
        actor=actor,
    )
    return {}


def raise_conflict(application: Application, seen_version: Any, submitted: dict):
    """Someone removed the contribution this form was based on."""
    from app.concurrency import EditConflict

    raise EditConflict(application, seen_version, submitted)


# --- budget lines and spending ------------------------------------------------------

#: A dossier plans at most this many lines (a page and a workbook stay bounded).
MAX_BUDGET_LINES = 100
#: The finances page lists this many of the latest spending entries.
SPENDING_SHOWN = 50


@dataclass
class LineRow:
    line: BudgetLine
    spent: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.line.planned_amount - self.spent

    @property
    def over(self) -> bool:
        return self.spent > self.line.planned_amount


@dataclass
class PartnerBudget:
    municipality: Any
    is_lead: bool
    planned: Decimal = ZERO
    spent: Decimal = ZERO
    subsidy: Decimal = ZERO
    own: Decimal = ZERO

    @property
    def remaining(self) -> Decimal:
        return self.planned - self.spent


@dataclass
class Budget:
    lines: list[LineRow]
    partners: list[PartnerBudget]
    spending: list[Any]
    planned: Decimal
    spent: Decimal
    contributions: Contributions

    @property
    def remaining(self) -> Decimal:
        return self.planned - self.spent


def line_rows(application_id: int) -> list[LineRow]:
    """The dossier's budget lines with what was spent on each (one statement)."""
    spent = (
        select(Spending.budget_line_id, func.sum(Spending.amount).label("spent"))
        .where(Spending.application_id == application_id)
        .group_by(Spending.budget_line_id)
        .subquery()
    )
    query = (
        select(BudgetLine, func.coalesce(spent.c.spent, 0))
        .outerjoin(spent, spent.c.budget_line_id == BudgetLine.id)
        .where(BudgetLine.application_id == application_id)
        .options(joinedload(BudgetLine.municipality))
        .order_by(BudgetLine.id)
    )
    return [
        LineRow(line, Decimal(amount).quantize(CENT))
        for line, amount in db.session.execute(query)
    ]


def latest_spending(application_id: int, limit: int = SPENDING_SHOWN) -> list[Any]:
    """The latest spending of the dossier, with its line and document (one
    statement); rows of (spending, line title, line kind, document name)."""
    query = (
        select(Spending, BudgetLine.title, BudgetLine.kind, Document.filename)
        .join(BudgetLine, BudgetLine.id == Spending.budget_line_id)
        .outerjoin(Document, Document.id == Spending.document_id)
        .where(Spending.application_id == application_id)
        .order_by(Spending.spent_on.desc(), Spending.id.desc())
    )
    if limit:
        query = query.limit(limit)
    return list(db.session.execute(query))


def partner_budgets(
    contributions: Contributions, lines: list[LineRow]
) -> list[PartnerBudget]:
    """Per involved municipality: planned and spent (its lines), subsidy and own
    contribution (no query: from what was read)."""
    rows = {
        row.municipality.id: PartnerBudget(
            row.municipality, row.is_lead, subsidy=row.subsidy, own=row.own
        )
        for row in contributions.rows
    }
    for line_row in lines:
        partner = rows.get(line_row.line.municipality_id)
        if partner is None:  # a former partner's line: shown under its own name
            partner = rows[line_row.line.municipality_id] = PartnerBudget(
                line_row.line.municipality, False
            )
        partner.planned += line_row.line.planned_amount
        partner.spent += line_row.spent
    return list(rows.values())


def budget_overview(application: Application, spending_limit: int = SPENDING_SHOWN):
    """Everything the finances page and workbook show: planned vs spent per line
    and per partner, subsidy vs own contribution, the latest spending."""
    contributions = dossier_contributions(application)
    lines = line_rows(application.id)
    return Budget(
        lines=lines,
        partners=partner_budgets(contributions, lines),
        spending=latest_spending(application.id, spending_limit),
        planned=sum((row.line.planned_amount for row in lines), ZERO),
        spent=sum((row.spent for row in lines), ZERO),
        contributions=contributions,
    )


def _line_changes(line: BudgetLine | None, values: dict) -> dict:
    before = {
        "kind": line.kind if line else None,
        "title": line.title if line else None,
        "planned_amount": str(line.planned_amount) if line else None,
        "municipality_id": line.municipality_id if line else None,
    }
    after = {
        "kind": values.get("kind", before["kind"]),
        "title": values.get("title", before["title"]),
        "planned_amount": str(values["planned_amount"])
        if "planned_amount" in values
        else before["planned_amount"],
        "municipality_id": values.get("municipality_id", before["municipality_id"]),
    }
    return {k: [before[k], after[k]] for k in before if before[k] != after[k]}


def add_budget_line(application: Application, values: dict, actor: Any) -> Errors:
    """Plan a cost: kind, title, the municipality that bears it, amount."""
    if not is_involved(application, values["municipality_id"]):
        return {"municipality_id": _l("Choose the lead or one of the partners.")}
    if len(application.budget_lines) >= MAX_BUDGET_LINES:
        return {
            "title": _(
                "A dossier has at most %(most)s budget lines.", most=MAX_BUDGET_LINES
            )
        }
    line = BudgetLine(**values)
    application.budget_lines.append(line)
    record(
        "create",
        line,
        _line_changes(None, values),
        municipality_id=application.lead_municipality_id,
        actor=actor,
    )
    return {}


def update_budget_line(
    line: BudgetLine, values: dict, seen_version: Any, actor: Any
) -> Errors:
    """Change a line's kind, title or planned amount (a newer save is a 409)."""
    ensure_current(
        line, seen_version, {k: str(v) for k, v in values.items() if v is not None}
    )
    changes = _line_changes(line, values)
    if not changes:
        return {}
    for name, value in values.items():
        setattr(line, name, value)
    record(
        "update",
        line,
        changes,
        municipality_id=line.application.lead_municipality_id,
        actor=actor,
    )
    return {}


def delete_budget_line(line: BudgetLine, actor: Any) -> Errors:
    """Remove a line planned by mistake: only while nothing was spent on it."""
    if line.spending:
        return {
            "line": _l(
                "Spending was recorded on this line: delete that spending first."
            )
        }
    application = line.application
    record(
        "delete",
        line,
        _line_changes(line, {"kind": None, "title": None, "municipality_id": None})
        | {"planned_amount": [str(line.planned_amount), None]},
        municipality_id=application.lead_municipality_id,
        actor=actor,
    )
    application.budget_lines.remove(line)
    return {}


def dossier_documents(application_id: int) -> list[tuple[int, str]]:
    """(id, name) of the dossier's documents in use: what spending may refer to."""
    return list(
        db.session.execute(
            select(Document.id, Document.filename)
            .where(
                Document.application_id == application_id,
                Document.archived_at.is_(None),
            )
            .order_by(Document.filename, Document.id)
        )
    )


def add_spending(
    application: Application, line: BudgetLine, values: dict, today: Any, actor: Any
) -> Errors:
    """Record money spent against a line of this dossier."""
    if values["amount"] <= 0:
        return {"amount": _l("Spending is more than zero.")}
    if values["spent_on"] > today:
        return {"spent_on": _l("Record spending once it happened: not in the future.")}
    document_id = values.get("document_id")
    if document_id is not None and document_id not in dict(
        dossier_documents(application.id)
    ):
        return {"document_id": _l("Choose one of this dossier's documents.")}
    spending = Spending(application_id=application.id, **values)
    line.spending.append(spending)
    record(
        "create",
        spending,
        {
            "spent_on": [None, values["spent_on"].isoformat()],
            "amount": [None, str(values["amount"])],
        },
        label=line.title,
        municipality_id=application.lead_municipality_id,
        actor=actor,
    )
    return {}


def delete_spending(spending: Spending, actor: Any) -> None:
    """Remove spending recorded by mistake."""
    line = spending.budget_line
    record(
        "delete",
        spending,
        {
            "spent_on": [spending.spent_on.isoformat(), None],
            "amount": [str(spending.amount), None],
        },
        label=line.title,
        municipality_id=line.application.lead_municipality_id,
        actor=actor,
    )
    line.spending.remove(spending)
