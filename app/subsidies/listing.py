"""Lists of applications: filters, the pipeline board and the table."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select, union_all
from sqlalchemy.orm import joinedload, selectinload

from app.archive import archived_filter
from app.auth import permissions
from app.extensions import db
from app.municipalities.models import Municipality
from app.paging import paginate
from app.sorting import Sort, Sortable
from app.subsidies.dossiers import Money
from app.subsidies.models import (
    APPLICATION_STATUSES,
    Application,
    ApplicationPartner,
    Payment,
    SubsidyCall,
)
from app.web.params import parse_int
from app.work.models import Theme

#: At most this many cards per pipeline column (the table has them all): the
#: board shows the newest; a link per column leads to the rest.
PIPELINE_LIMIT = 5


#: The columns the table of applications (and its export) sorts on; the "call"
#: column sorts by the call's deadline, by default the newest first.
APPLICATION_SORT = Sortable(
    columns={
        "title": func.lower(Application.title),
        # Joined (`with_call`): a subquery per dossier cost PostgreSQL 35 ms
        # for the first page of 5,000 dossiers, the join 4 ms.
        "call": SubsidyCall.deadline_at,
        "theme": select(func.lower(Theme.title))
        .where(Theme.id == Application.theme_id)
        .correlate_except(Theme)
        .scalar_subquery(),
        "lead": select(func.lower(Municipality.name))
        .where(Municipality.id == Application.lead_municipality_id)
        .correlate_except(Municipality)
        .scalar_subquery(),
        "status": case(
            {status: rank for rank, status in enumerate(APPLICATION_STATUSES)},
            value=Application.status,
        ),
        "requested": Application.requested_amount,
        "granted": Application.granted_amount,
    },
    default="-call",
    tie=Application.id,
)


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    call: int | None = None
    theme: int | None = None
    municipality: int | None = None
    archived: bool | None = None  # True: the archived dossiers only
    sort: str = APPLICATION_SORT.default

    def args(self) -> dict[str, Any]:
        """As query-string arguments (for links that keep the filters)."""
        return {
            k: "1" if v is True else v  # archived=1, as the filter form sends it
            for k, v in self.__dict__.items()
            if v is not None and (k, v) != ("sort", APPLICATION_SORT.default)
        }

    @property
    def narrowed(self) -> bool:
        """Some filter leaves dossiers out (the sort does not)."""
        return any(
            value is not None for key, value in self.__dict__.items() if key != "sort"
        )

    @property
    def sorting(self) -> Sort:
        """The sort of the table (for its column headers)."""
        return APPLICATION_SORT.parse({"sort": self.sort})


def parse_filters(args) -> Filters:
    """Filters from the query string; unknown values are ignored."""
    status = args.get("status")
    return Filters(
        status=status if status in APPLICATION_STATUSES else None,
        call=parse_int(args.get("call")),
        theme=parse_int(args.get("theme")),
        municipality=parse_int(args.get("municipality")),
        archived=True if args.get("archived") == "1" else None,
        sort=APPLICATION_SORT.parse(args).arg,
    )


def loaded():
    """What a card or a table row shows: the one-to-one parts joined in the same
    query, the partners in one more."""
    return (
        joinedload(Application.call),
        joinedload(Application.theme),
        joinedload(Application.lead_municipality),
        selectinload(Application.partners).joinedload(ApplicationPartner.municipality),
        joinedload(Application.owner),
    )


@dataclass(frozen=True)
class Place:
    """A municipality as a list shows it (name, link, merged or not)."""

    id: int
    name: str
    slug: str
    merged_into_id: int | None

    @property
    def is_active(self) -> bool:
        return self.merged_into_id is None


@dataclass(frozen=True)
class Partner:
    municipality: Place
    share_pct: Decimal


@dataclass(frozen=True)
class DossierRow:
    """What a card or a row of a list of dossiers shows: plain values read with
    a few column queries, not an ORM entity with its relationships per row."""

    id: int
    title: str
    reference: str | None
    status: str
    version: int
    call_id: int
    call_title: str
    theme_title: str | None
    lead_municipality: Place
    requested_amount: Decimal
    granted_amount: Decimal | None
    paid: Decimal
    partners: tuple[Partner, ...]


def _place_columns(table: Any) -> tuple:
    return (table.id, table.name, table.slug, table.merged_into_id)


def dossier_rows(ids: Any, order: tuple = ()) -> list[DossierRow]:
    """The rows of the dossiers `ids`: a list (rows in its order; one deleted in
    between is left out) or a SELECT of ids (rows in `order`). Two queries."""
    if isinstance(ids, list) and not ids:
        return []
    paid = (
        select(func.sum(Payment.amount))
        .where(Payment.application_id == Application.id)
        .scalar_subquery()
    )
    lead = Municipality.__table__.alias("lead")
    found = {
        row.id: row
        for row in db.session.execute(
            select(
                Application.id,
                Application.title,
                Application.reference,
                Application.status,
                Application.version,
                Application.call_id,
                SubsidyCall.title.label("call_title"),
                Theme.title.label("theme_title"),
                *(c.label(f"lead_{c.key}") for c in _place_columns(lead.c)),
                Application.requested_amount,
                Application.granted_amount,
                func.coalesce(paid, 0).label("paid"),
            )
            .join(SubsidyCall, SubsidyCall.id == Application.call_id)
            .join(lead, lead.c.id == Application.lead_municipality_id)
            .outerjoin(Theme, Theme.id == Application.theme_id)
            .where(Application.id.in_(ids))
            .order_by(*order)
        )
    }
    partners: dict[int, list[Partner]] = {}
    for application_id, share_pct, *place in db.session.execute(
        select(
            ApplicationPartner.application_id,
            ApplicationPartner.share_pct,
            *_place_columns(Municipality),
        )
        .join(Municipality, Municipality.id == ApplicationPartner.municipality_id)
        .where(ApplicationPartner.application_id.in_(ids))
        .order_by(ApplicationPartner.application_id, Municipality.id)
    ):
        partners.setdefault(application_id, []).append(
            Partner(Place(*place), share_pct)
        )
    return [
        DossierRow(
            id=row.id,
            title=row.title,
            reference=row.reference,
            status=row.status,
            version=row.version,
            call_id=row.call_id,
            call_title=row.call_title,
            theme_title=row.theme_title,
            lead_municipality=Place(
                row.lead_id, row.lead_name, row.lead_slug, row.lead_merged_into_id
            ),
            requested_amount=row.requested_amount,
            granted_amount=row.granted_amount,
            # SQLite sums in floating point: back to exact cents.
            paid=Decimal(str(row.paid)).quantize(Decimal("0.01")),
            partners=tuple(partners.get(row.id, ())),
        )
        for row in (
            (found.get(i) for i in ids) if isinstance(ids, list) else found.values()
        )
        if row is not None
    ]


def money(rows: list[DossierRow]) -> dict[int, Money]:
    """Paid and open balance of each row (read with the row)."""
    return {row.id: Money(row.granted_amount, row.paid) for row in rows}


def with_call(query):
    """`query` of applications joined to their call (what the sort by the
    call's deadline reads)."""
    return query.join(SubsidyCall, SubsidyCall.id == Application.call_id)


def filtered(user: Any, filters: Filters, query=None):
    """A SELECT of the applications `user` may see that match `filters`."""
    query = permissions.visible_applications(
        user, select(Application) if query is None else query
    ).where(archived_filter(Application, bool(filters.archived)))
    if filters.status:
        query = query.where(Application.status == filters.status)
    if filters.call:
        query = query.where(Application.call_id == filters.call)
    if filters.theme:
        query = query.where(Application.theme_id == filters.theme)
    if filters.municipality:
        query = query.where(permissions.involving_municipality(filters.municipality))
    return query


def pipeline(user: Any, filters: Filters) -> dict[str, dict[str, Any]]:
    """Per status: how many applications and the first cards (a fixed few queries)."""
    counts = dict(
        db.session.execute(
            filtered(
                user,
                filters,
                select(Application.status, func.count(Application.id)),
            ).group_by(Application.status)
        ).all()
    )
    # Per status its newest few, each read from the index on (status,
    # updated_at, id): no ranking of every dossier of the region.
    newest = [
        filtered(user, filters, select(Application.id))
        .where(Application.status == status)
        .order_by(Application.updated_at.desc(), Application.id.desc())
        .limit(PIPELINE_LIMIT)
        .subquery()
        for status in APPLICATION_STATUSES
    ]
    ids = union_all(*(select(column.c.id) for column in newest))
    cards = dossier_rows(
        ids, order=(Application.updated_at.desc(), Application.id.desc())
    )
    board = {
        status: {"count": counts.get(status, 0), "cards": []}
        for status in APPLICATION_STATUSES
    }
    for application in cards:
        board[application.status]["cards"].append(application)
    return board


#: Dossiers per page of the table (ten columns each, under the board).
TABLE_ROWS = 40


def table_page(user: Any, filters: Filters, page: int):
    """One page of the table of applications, sorted as its URL asks (by default
    the newest call deadline first)."""
    # The page's ids first, sorted on narrow rows; then only its dossiers with
    # what a row shows (not every dossier's whole row through the sort).
    query = with_call(filtered(user, filters, select(Application.id))).order_by(
        *APPLICATION_SORT.order_by(filters.sorting)
    )
    # Fewer rows than other tables: with the board above, a page stays < 100 KB.
    pagination = paginate(query, page, per_page=TABLE_ROWS)
    pagination.items = dossier_rows(list(pagination.items))
    return pagination


def get_application(application_id: int) -> Application | None:
    """One dossier with what its page shows."""
    # The own contributions (a few rows) come joined, in the dossier's query.
    return (
        db.session.execute(
            select(Application)
            .where(Application.id == application_id)
            .options(
                *loaded(),
                selectinload(Application.payments),
                selectinload(Application.obligations),
                joinedload(Application.own_contributions),
                selectinload(Application.tasks),
                joinedload(Application.publication),
            )
        )
        .unique()
        .scalar_one_or_none()
    )
