"""Roll-ups of the applications: one function per view, all on one definition.

Per group of applications:
  * requested: the requested amounts of submitted applications (submitted or
    later, rejected included): what was actually asked of a funder;
  * granted: the granted amounts of granted applications (granted, reporting,
    closed);
  * paid: the sum of their payments;
  * success rate: granted applications / decided ones (granted, reporting,
    closed, rejected), by number of applications; None before any decision.
Per municipality the amounts are split by share: a partner counts its share_pct
of each amount, the lead the rest (100 − the partners' shares).

A reader who may not see every dossier of a group gets its figures through
`for_reader`: a figure over 1 or 2 dossiers they may not see is withheld
(`permissions.withholds_aggregate`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    union_all,
)

from app import readmodel
from app.archive import not_archived
from app.auth import permissions
from app.extensions import db
from app.labels import label
from app.subsidies.dossiers import DECIDED, GRANTED, SUBMITTED
from app.subsidies.models import (
    APPLICATION_STATUSES,
    Application,
    ApplicationPartner,
    Payment,
)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
#: The tables the roll-ups read (the read model's invalidation).
ROLLUP_READS = ("application", "application_partner", "payment")
PIPELINE_READS = ("application", "application_partner")
#: The amounts a roll-up adds up (columns of `_per_application`).
AMOUNTS = ("requested", "granted", "paid")


def _money(value: Any) -> Decimal:
    # SQLite sums in floating point: back to exact cents.
    return Decimal(str(value or 0)).quantize(CENT)


@dataclass(frozen=True)
class Figures:
    applications: int = 0
    requested: Decimal = ZERO
    granted: Decimal = ZERO
    paid: Decimal = ZERO
    decided: int = 0
    won: int = 0
    submitted: int = 0
    #: Figures not shown to this reader (see `for_reader`): their values are 0.
    withheld: frozenset[str] = frozenset()

    @property
    def success_rate(self) -> float | None:
        return self.won / self.decided if self.decided else None

    @property
    def open_balance(self) -> Decimal:
        return self.granted - self.paid


def _per_application(
    user: Any = None, among: Any = None, *, cte: bool = False, shares: bool = False
):
    """One row per application with what the roll-ups add up (visible to `user`;
    only those whose id is in the SELECT `among`, when given); `shares`: with
    the partners' shares together (what the roll-up per municipality splits by)."""
    if among is not None:
        # A few dossiers: one index lookup each (no GROUP BY over every payment
        # and share of the region first).
        paid = (
            select(func.sum(Payment.amount))
            .where(Payment.application_id == Application.id)
            .scalar_subquery()
        )
        partner_pct = (
            select(func.sum(ApplicationPartner.share_pct))
            .where(ApplicationPartner.application_id == Application.id)
            .scalar_subquery()
        )
    else:
        # Every dossier: the payments and shares added up once, joined. (Two
        # subplans per dossier made PostgreSQL estimate the roll-up per
        # municipality costly enough to compile it first: 100 ms of JIT.)
        paid_rows = (
            select(
                Payment.application_id.label("id"),
                func.sum(Payment.amount).label("paid"),
            )
            .group_by(Payment.application_id)
            .subquery()
        )
        share_rows = (
            select(
                ApplicationPartner.application_id.label("id"),
                func.sum(ApplicationPartner.share_pct).label("pct"),
            )
            .group_by(ApplicationPartner.application_id)
            .subquery()
        )
        paid, partner_pct = paid_rows.c.paid, share_rows.c.pct
    status = Application.status
    query = select(
        Application.id.label("id"),
        Application.call_id.label("call_id"),
        Application.theme_id.label("theme_id"),
        Application.lead_municipality_id.label("lead_id"),
        case((status.in_(SUBMITTED), Application.requested_amount), else_=0).label(
            "requested"
        ),
        case(
            (status.in_(GRANTED), func.coalesce(Application.granted_amount, 0)),
            else_=0,
        ).label("granted"),
        func.coalesce(paid, 0).label("paid"),
        case((status.in_(DECIDED), 1), else_=0).label("decided"),
        case((status.in_(GRANTED), 1), else_=0).label("won"),
        case((status.in_(SUBMITTED), 1), else_=0).label("submitted"),
    )
    if shares:
        query = query.add_columns(func.coalesce(partner_pct, 0).label("partner_pct"))
    if user is not None:
        query = permissions.visible_applications(user, query)
    if among is not None:
        query = query.where(Application.id.in_(among))
    else:  # an archived dossier leaves the shared figures
        query = query.select_from(Application).outerjoin(
            paid_rows, paid_rows.c.id == Application.id
        )
        if shares:
            query = query.outerjoin(share_rows, share_rows.c.id == Application.id)
        query = query.where(not_archived(Application))
    return query.cte() if cte else query.subquery()


def _sums(rows):
    return (
        func.count(),
        func.sum(rows.c.requested),
        func.sum(rows.c.granted),
        func.sum(rows.c.paid),
        func.sum(rows.c.decided),
        func.sum(rows.c.won),
        func.sum(rows.c.submitted),
    )


def _figures(n, requested, granted, paid, decided, won, submitted) -> Figures:
    return Figures(
        int(n or 0),
        _money(requested),
        _money(granted),
        _money(paid),
        int(decided or 0),
        int(won or 0),
        int(submitted or 0),
    )


def _grouped(key, user: Any, among: Any = None) -> dict[Any, Figures]:
    """Figures per `key` over what `user` sees (from the read model), or over the
    applications `among` (computed as asked)."""

    def compute():
        rows = _per_application(user, among)
        query = select(rows.c[key], *_sums(rows)).group_by(rows.c[key])
        return {k: _figures(*values) for k, *values in db.session.execute(query)}

    if among is not None:
        return compute()
    return readmodel.cached(
        f"rollup_by_{key}",
        permissions.application_scope(user),
        compute,
        reads=ROLLUP_READS,
    )


def rollup_by_call(
    call_ids: list[int] | None = None, user: Any = None, among: Any = None
) -> dict[int, Figures]:
    """Per call (all applications, those visible to `user`, or those `among`)."""
    if call_ids is None:
        return dict(_grouped("call_id", user, among))
    if among is not None:
        every_call = _grouped("call_id", user, among)
        return {cid: every_call[cid] for cid in call_ids if cid in every_call}
    # A few calls: only their dossiers are added up (one read-model entry each).
    scope = permissions.application_scope(user)

    def compute(missing: list) -> dict:
        ids = [call_id for _scope, call_id in missing]
        of_calls = select(Application.id).where(
            Application.call_id.in_(ids), not_archived(Application)
        )
        found = _grouped("call_id", user, of_calls)
        return {key: found.get(key[1]) for key in missing}

    kept = readmodel.cached_many(
        "rollup_of_call", [(scope, cid) for cid in call_ids], compute
    )
    return {cid: kept[(scope, cid)] for cid in call_ids if kept[(scope, cid)]}


def rollup_by_application(among: Any) -> dict[int, Figures]:
    """Per application, for those whose id is in `among` (a SELECT or a list)."""
    return _grouped("id", None, among=among)


def rollup_by_theme(user: Any = None, among: Any = None) -> dict[int | None, Figures]:
    """Per theme (None: applications without a theme); only the applications
    whose id is in the SELECT `among`, when given (a filtered list)."""
    return dict(_grouped("theme_id", user, among))


def regional_totals(user: Any = None, among: Any = None) -> Figures:
    """All applications of the region together."""

    def compute():
        rows = _per_application(user, among)
        return _figures(*db.session.execute(select(*_sums(rows))).one())

    if among is not None:
        return compute()
    return readmodel.cached(
        "regional_totals",
        permissions.application_scope(user),
        compute,
        reads=ROLLUP_READS,
    )


def combined(parts) -> Figures:
    """The figures of several disjoint groups together (e.g. all themes = the
    region), without asking the database again."""
    total = Figures()
    for part in parts:
        total = Figures(
            total.applications + part.applications,
            total.requested + part.requested,
            total.granted + part.granted,
            total.paid + part.paid,
            total.decided + part.decided,
            total.won + part.won,
            total.submitted + part.submitted,
        )
    return total


#: Each figure that can be withheld, and the count of the dossiers it adds up.
FIGURE_BASIS = {
    "applications": "applications",
    "requested": "submitted",
    "granted": "won",
    "paid": "won",
    "success_rate": "decided",
}


#: The statuses of the dossiers each figure adds up (the rule of `_per_application`).
FIGURE_STATUSES = {
    "requested": SUBMITTED,
    "granted": GRANTED,
    "paid": GRANTED,
    "success_rate": DECIDED,
    # own contributions (issue 28 item 2): beside what was asked
    "own": SUBMITTED,
}


def figure_basis(name: str) -> str:
    """What the figure `name` counts, in the reader's language (the statuses
    from `FIGURE_STATUSES`, so the text never restates the rule)."""
    from flask_babel import gettext as _

    statuses = ", ".join(
        label("application_status", s) for s in FIGURE_STATUSES.get(name, ())
    )
    if name == "requested":
        return _("amounts asked in applications with status: %(s)s", s=statuses)
    if name == "granted":
        return _("applications with status: %(s)s", s=statuses)
    if name == "paid":
        return _("payments of the applications with status: %(s)s", s=statuses)
    if name == "own":
        return _("own contributions in applications with status: %(s)s", s=statuses)
    if name == "success_rate":
        return _(
            "granted applications out of the decided ones (%(s)s), by number",
            s=statuses,
        )
    return _("every application, whatever its status")


#: The dossiers each basis counts, widest first: every applied dossier, those
#: submitted, those decided, those won. Each narrower set lies within the wider.
BASIS_ORDER = ("applications", "submitted", "decided", "won")


def _together(names: frozenset[str]) -> frozenset[str]:
    """The figures to withhold with `names`: also every figure over a narrower set
    of dossiers. Once a figure says "fewer than 3" over 1 or 2 hidden dossiers, a
    figure over a subset of them hides 0, 1 or 2: shown, a 0 (€ 0,00 granted
    beside "fewer than 3" decided) would tell the hidden dossiers' fate."""
    if not names:
        return names
    widest = min(BASIS_ORDER.index(FIGURE_BASIS[name]) for name in names)
    return frozenset(
        name
        for name, basis in FIGURE_BASIS.items()
        if BASIS_ORDER.index(basis) >= widest
    )


def _hidden(everyone: Figures, visible: Figures, basis: str) -> int:
    return getattr(everyone, basis) - getattr(visible, basis)


def _withhold(figures: Figures, names: frozenset[str]) -> Figures:
    """`figures` with the figures `names` (and those over the same hidden
    dossiers, `_together`) zeroed and marked as withheld."""
    names = _together(names)
    if not names:
        return figures
    return replace(
        figures,
        applications=0 if "applications" in names else figures.applications,
        requested=ZERO if "requested" in names else figures.requested,
        granted=ZERO if "granted" in names else figures.granted,
        paid=ZERO if "paid" in names else figures.paid,
        decided=0 if "success_rate" in names else figures.decided,
        won=0 if "success_rate" in names else figures.won,
        withheld=figures.withheld | names,
    )


def for_reader(everyone: Figures, visible: Figures) -> Figures:
    """The figures of all dossiers of a group (`everyone`) as a reader who sees
    the dossiers of `visible` may read them: each figure over 1 or 2 dossiers the
    reader may not see is withheld."""
    return _withhold(
        everyone,
        frozenset(
            name
            for name, basis in FIGURE_BASIS.items()
            if permissions.withholds_aggregate(_hidden(everyone, visible, basis))
        ),
    )


def call_figures_for(
    user: Any, call_ids: list[int] | None = None
) -> dict[int, Figures]:
    """Per call, over all its dossiers, as `user` may read them (two queries)."""
    everyone = rollup_by_call(call_ids)
    visible = rollup_by_call(call_ids, user)
    return {
        call_id: for_reader(figures, visible.get(call_id, Figures()))
        for call_id, figures in everyone.items()
    }


def calls_and_totals_for(user: Any) -> tuple[dict[int, Figures], Figures]:
    """Per call and for the whole region, over all dossiers, as `user` may read
    them (two queries).

    Besides its own threshold, a total is withheld when the calls whose figure is
    withheld from `user` hide 1 or 2 dossiers together: the total minus the calls
    shown would give those away.
    """
    everyone = rollup_by_call()
    visible = rollup_by_call(None, user)
    totals = for_reader(combined(everyone.values()), combined(visible.values()))
    shown = {
        call_id: for_reader(figures, visible.get(call_id, Figures()))
        for call_id, figures in everyone.items()
    }
    complement = frozenset(
        name
        for name, basis in FIGURE_BASIS.items()
        if permissions.withholds_aggregate(
            sum(
                _hidden(figures, visible.get(call_id, Figures()), basis)
                for call_id, figures in everyone.items()
                if name in shown[call_id].withheld
            )
        )
    )
    return shown, _withhold(totals, complement)


def share_of(amount: Any, share_pct: Any) -> Decimal | None:
    """A municipality's part of an amount: its share of it, to the cent. The one
    rule for the dossier's shares and the roll-ups per municipality."""
    if amount is None:
        return None
    return _euros(share_in_cents(_hundredths(amount), _hundredths(share_pct)))


def share_in_cents(cents: int, pct_hundredths: int) -> int:
    """`cents` × `pct_hundredths` / 10,000 (a percentage to two decimals), rounded
    to the cent half to even, as Decimal's quantize does: exact integers, so a
    roll-up over thousands of dossiers adds up without a Decimal per row."""
    whole, rest = divmod(cents * pct_hundredths, 10_000)
    if 2 * rest > 10_000 or (2 * rest == 10_000 and whole % 2):
        whole += 1
    return whole


def _hundredths(value: Any) -> int:
    """An amount in cents, or a percentage in hundredths (both two decimals)."""
    return int((Decimal(str(value)) * 100).to_integral_value())


def _euros(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def _share_in_cents_sql(product: Any) -> Any:
    """SQL: `share_in_cents` of a product cents × hundredths (whole, not
    negative), the same rounding (half to even), so a roll-up is added up by the
    database to the same cent: half up, less one where the rest is exactly a half
    and the whole part even (the product is 5,000 modulo 20,000)."""
    return (product + 5_000) // 10_000 - case((product % 20_000 == 5_000, 1), else_=0)


def _in_hundredths(column: Any) -> Any:
    """SQL: a two-decimal amount or percentage as a whole number of hundredths."""
    return cast(func.round(column * 100), BigInteger)


#: The figures of the roll-up per municipality, in the order of `Figures` and of
#: the summary's columns (`MunicipalityMoney`): a count, the AMOUNTS (in cents in
#: the summary), then the counts of decided, won and submitted dossiers. A new
#: figure is a column of `_per_application`, of `Figures` and of the summary.
MONEY_FIGURES = ("applications", *AMOUNTS, "decided", "won", "submitted")
#: What the summary rows are read from: the summary, kept with these tables.
SUMMARY_READS = (*ROLLUP_READS, "municipality_money")


def _money_figures(values: Any) -> Figures:
    """Figures from a row of MONEY_FIGURES (amounts in cents)."""
    n, *cents, decided, won, submitted = (int(value or 0) for value in values)
    return Figures(n, *(_euros(value) for value in cents), decided, won, submitted)


def rollup_by_municipality(
    user: Any = None, municipality_ids: list[int] | None = None, among: Any = None
) -> dict[int, dict[str, Figures]]:
    """Per municipality: {"lead": Figures, "partner": Figures}, amounts by share."""
    scope = permissions.application_scope(user)
    if among is not None:
        every = _by_municipality(user, among)
    elif municipality_ids is not None:
        return _of_municipalities(user, municipality_ids)
    else:
        every = readmodel.cached(
            "rollup_by_municipality",
            scope,
            lambda: _by_municipality(user),
            reads=SUMMARY_READS if scope == "region" else ROLLUP_READS,
        )
    if municipality_ids is None:
        return dict(every)
    return {mid: every[mid] for mid in municipality_ids if mid in every}


def _of_municipalities(
    user: Any, municipality_ids: list[int]
) -> dict[int, dict[str, Figures]]:
    """The roll-ups of a few municipalities, from their own dossiers only (a
    municipality's page need not add up the whole region's)."""
    scope = permissions.application_scope(user)

    def compute(missing: list) -> dict:
        ids = [municipality_id for _scope, municipality_id in missing]
        if scope == "region":  # every dossier: their summary rows
            found = _as_figures(summary_rows(db.session, ids))
        else:
            among = select(Application.id).where(
                or_(*(permissions.involving_municipality(mid) for mid in ids)),
                not_archived(Application),  # as in the region's figures
            )
            found = _by_municipality(user, among, only=ids)
        return {key: found.get(key[1]) for key in missing}

    kept = readmodel.cached_many(
        "rollup_of_municipality",
        [(scope, mid) for mid in municipality_ids],
        compute,
        reads=SUMMARY_READS if scope == "region" else ROLLUP_READS,
    )
    return {
        mid: kept[(scope, mid)]
        for mid in municipality_ids
        if kept[(scope, mid)] is not None
    }


def _by_municipality(
    user: Any, among: Any = None, only: list[int] | None = None
) -> dict[int, dict[str, Figures]]:
    """Per municipality (or only those of the ids `only`): its figures as lead
    and as partner, amounts by share. The region's (every dossier a coordinator
    sees) from the summary rows, the others added up as asked."""
    if among is None and permissions.application_scope(user) == "region":
        return _as_figures(summary_rows(db.session, only))
    return _as_figures(municipality_sums(db.session, user, among, only))


def _as_figures(rows: dict) -> dict[int, dict[str, Figures]]:
    """{municipality: {"lead": Figures, "partner": Figures}} of rows per
    (municipality, role) of MONEY_FIGURES."""
    result: dict[int, dict[str, Figures]] = {}
    for (municipality_id, role), values in rows.items():
        figures = result.setdefault(
            municipality_id, {"lead": Figures(), "partner": Figures()}
        )
        figures[role] = _money_figures(values)
    return result


def summary_rows(
    connection: Any, only: list[int] | None = None
) -> dict[tuple[int, str], tuple[int, ...]]:
    """The summary rows (of the municipalities `only`), MONEY_FIGURES each."""
    from app.subsidies.models import MunicipalityMoney

    summary = MunicipalityMoney.__table__.c
    query = select(
        summary.municipality_id,
        summary.role,
        *(summary[name] for name in MONEY_FIGURES),
    ).where(summary.applications > 0)
    if only is not None:
        query = query.where(summary.municipality_id.in_(only))
    return {
        (mid, role): tuple(values) for mid, role, *values in connection.execute(query)
    }


def municipality_sums(
    connection: Any, user: Any = None, among: Any = None, only: Any = None
) -> dict[tuple[int, str], tuple[int, ...]]:
    """Added up from the dossiers (visible to `user`, among `among`): per
    (municipality, role), MONEY_FIGURES with the amounts in cents. `connection`:
    a session or a connection (the summary's upkeep runs during a flush)."""
    # A CTE: each dossier's row, its amounts in cents, is made once for the lead
    # and partner halves; each half computes a row's three shares once (a
    # compound SELECT is not merged into the GROUP BY), the sum adds them up.
    every = _per_application(user, among, shares=True)
    rows = select(
        every.c.id,
        every.c.lead_id,
        *(
            func.coalesce(_in_hundredths(every.c[amount]), 0).label(amount)
            for amount in AMOUNTS
        ),
        _in_hundredths(every.c.partner_pct).label("partner_pct"),
        every.c.decided,
        every.c.won,
        every.c.submitted,
    ).cte()

    def half(municipality_id: Any, role: str, pct: Any):
        return [
            municipality_id.label("municipality_id"),
            literal(role).label("role"),
            *(_share_in_cents_sql(rows.c[a] * pct).label(a) for a in AMOUNTS),
            rows.c.decided,
            rows.c.won,
            rows.c.submitted,
        ]

    as_lead = select(*half(rows.c.lead_id, "lead", 10_000 - rows.c.partner_pct))
    as_partner = select(
        *half(
            ApplicationPartner.municipality_id,
            "partner",
            _in_hundredths(ApplicationPartner.share_pct),
        )
    ).join(rows, rows.c.id == ApplicationPartner.application_id)
    if only is not None:  # not the partners' figures of its dossiers' partners
        # In each half: its partner rows read from the index on municipality,
        # not every share of the dossiers joined first.
        as_lead = as_lead.where(rows.c.lead_id.in_(only))
        as_partner = as_partner.where(ApplicationPartner.municipality_id.in_(only))
    both = union_all(as_lead, as_partner).subquery()
    query = select(
        both.c.municipality_id,
        both.c.role,
        func.count(),
        *(func.sum(both.c[amount]) for amount in AMOUNTS),
        func.sum(both.c.decided),
        func.sum(both.c.won),
        func.sum(both.c.submitted),
    ).group_by(both.c.municipality_id, both.c.role)
    return {
        (municipality_id, role): tuple(int(value or 0) for value in values)
        for municipality_id, role, *values in connection.execute(query)
    }


def largest_municipalities(
    by_municipality: dict[int, dict[str, Figures]],
    limit: int,
    only: int | None = None,
) -> list[int]:
    """The ids of the `limit` municipalities with the largest requested amounts
    (as lead and as partner together); with `only`, just that one."""
    if only is not None:
        return [only] if only in by_municipality else []

    def requested(mid: int) -> Decimal:
        figures = by_municipality[mid]
        return figures["lead"].requested + figures["partner"].requested

    return sorted(by_municipality, key=lambda mid: (-requested(mid), mid))[:limit]


def dossier_shares(application: Any, paid: Decimal) -> list[dict]:
    """Each involved municipality's share of the dossier's amounts."""
    from app.subsidies.dossiers import lead_share

    rows = [(application.lead_municipality, lead_share(application), True)]
    rows += [(p.municipality, p.share_pct, False) for p in application.partners]
    return [
        {
            "municipality": municipality,
            "share": share,
            "is_lead": is_lead,
            "requested": share_of(application.requested_amount, share),
            "granted": share_of(application.granted_amount, share),
            "paid": share_of(paid, share),
        }
        for municipality, share, is_lead in rows
    ]


@dataclass(frozen=True)
class StatusTotal:
    applications: int = 0
    requested: Decimal = ZERO  # as asked (or planned, before submission)
    granted: Decimal = ZERO


def pipeline_totals(user: Any) -> dict[str, StatusTotal]:
    """Per status, the applications `user` may see: how many, amounts asked and
    granted (read model). Unlike the roll-ups, requested counts every status."""
    return readmodel.cached(
        "pipeline_totals",
        permissions.application_scope(user),
        lambda: _pipeline_totals(user),
        reads=PIPELINE_READS,
    )


def _pipeline_totals(user: Any) -> dict[str, StatusTotal]:
    query = permissions.visible_applications(
        user,
        select(
            Application.status,
            func.count(Application.id),
            func.sum(Application.requested_amount),
            func.sum(func.coalesce(Application.granted_amount, 0)),
        )
        .where(not_archived(Application))
        .group_by(Application.status),
    )
    found = {
        status: StatusTotal(int(n), _money(requested), _money(granted))
        for status, n, requested, granted in db.session.execute(query)
    }
    return {status: found.get(status, StatusTotal()) for status in APPLICATION_STATUSES}


# --- own contributions (issue 28 item 2) --------------------------------------------

#: The tables the own-contribution roll-ups read.
OWN_READS = ("application", "application_partner", "own_contribution")


def _own_rows(user: Any = None, among: Any = None):
    """One row per own contribution of a submitted (or later) dossier `user`
    may open: its dossier's theme, the municipality, lead or partner, and the
    contribution in cents, computed in SQL by the rule of
    `finances.own_amount` (a percentage p of the project cost: the
    municipality's part of the subsidy × p / (100 − p), half up)."""
    from app.subsidies.models import OwnContribution

    partners_pct = (
        select(func.coalesce(func.sum(ApplicationPartner.share_pct), 0))
        .where(ApplicationPartner.application_id == Application.id)
        .scalar_subquery()
    )
    own_share = (
        select(ApplicationPartner.share_pct)
        .where(
            ApplicationPartner.application_id == Application.id,
            ApplicationPartner.municipality_id == OwnContribution.municipality_id,
        )
        .scalar_subquery()
    )
    is_lead = OwnContribution.municipality_id == Application.lead_municipality_id
    share = _in_hundredths(case((is_lead, 100 - partners_pct), else_=own_share))
    basis = _in_hundredths(
        func.coalesce(Application.granted_amount, Application.requested_amount)
    )
    part = _share_in_cents_sql(basis * share)
    pct = _in_hundredths(OwnContribution.share_pct)
    cents = case(
        (
            OwnContribution.entered_as == "amount",
            _in_hundredths(OwnContribution.amount),
        ),
        else_=(2 * part * pct + (10_000 - pct)) // (2 * (10_000 - pct)),
    )
    query = (
        select(
            Application.theme_id.label("theme_id"),
            OwnContribution.municipality_id.label("municipality_id"),
            case((is_lead, "lead"), else_="partner").label("role"),
            cents.label("cents"),
        )
        .join(Application, Application.id == OwnContribution.application_id)
        .where(
            Application.status.in_(SUBMITTED),
            not_archived(Application),
            or_(is_lead, own_share.is_not(None)),  # a former lead's stays out
        )
    )
    if user is not None:
        query = permissions.visible_applications(user, query)
    if among is not None:
        query = query.where(Application.id.in_(among))
    return query.subquery()


def own_contribution_by_theme(
    user: Any = None, among: Any = None
) -> dict[int | None, Decimal]:
    """Per theme, the own contributions of the submitted (or later) dossiers
    `user` may open (only those `among`, when given): one statement."""
    rows = _own_rows(user, among)
    query = select(rows.c.theme_id, func.sum(rows.c.cents)).group_by(rows.c.theme_id)
    return {
        theme_id: _euros(int(cents or 0))
        for theme_id, cents in db.session.execute(query)
    }


def own_contribution_by_municipality(
    user: Any = None, municipality_ids: list[int] | None = None, among: Any = None
) -> dict[int, dict[str, Decimal]]:
    """Per municipality, its own contributions as lead and as partner to the
    submitted (or later) dossiers `user` may open: one statement (a few
    municipalities, unfiltered: kept in the read model, like their roll-ups)."""
    if municipality_ids is not None and among is None:
        scope = permissions.application_scope(user)

        def compute(missing: list) -> dict:
            ids = [municipality_id for _scope, municipality_id in missing]
            found = _own_by_municipality(user, ids, None)
            return {key: found.get(key[1]) for key in missing}

        kept = readmodel.cached_many(
            "own_of_municipality",
            [(scope, mid) for mid in municipality_ids],
            compute,
            reads=OWN_READS,
        )
        return {
            mid: kept[(scope, mid)]
            for mid in municipality_ids
            if kept[(scope, mid)] is not None
        }
    return _own_by_municipality(user, municipality_ids, among)


def _own_by_municipality(
    user: Any, municipality_ids: list[int] | None, among: Any
) -> dict[int, dict[str, Decimal]]:
    rows = _own_rows(user, among)
    query = select(rows.c.municipality_id, rows.c.role, func.sum(rows.c.cents))
    if municipality_ids is not None:
        query = query.where(rows.c.municipality_id.in_(municipality_ids))
    query = query.group_by(rows.c.municipality_id, rows.c.role)
    result: dict[int, dict[str, Decimal]] = {}
    for municipality_id, role, cents in db.session.execute(query):
        result.setdefault(municipality_id, {"lead": ZERO, "partner": ZERO})[role] = (
            _euros(int(cents or 0))
        )
    return result
