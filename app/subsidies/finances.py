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

from app.activity.log import record
from app.concurrency import ensure_current
from app.formatting import fmt_progress
from app.subsidies.dossiers import HUNDRED, lead_share
from app.subsidies.models import Application, OwnContribution
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
