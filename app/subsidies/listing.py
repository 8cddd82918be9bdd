"""Lists of applications: filters, the pipeline board and the table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select, union_all
from sqlalchemy.orm import joinedload, selectinload

from app.archive import archived_filter
from app.auth import permissions
from app.extensions import db
from app.municipalities.models import Municipality
from app.paging import paginate
from app.sorting import Sort, Sortable
from app.subsidies.models import (
    APPLICATION_STATUSES,
    Application,
    ApplicationPartner,
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
        "call": select(SubsidyCall.deadline_at)
        .where(SubsidyCall.id == Application.call_id)
        .correlate_except(SubsidyCall)
        .scalar_subquery(),
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
    cards = db.session.scalars(
        select(Application)
        .where(Application.id.in_(ids))
        .options(*loaded())
        .order_by(Application.updated_at.desc(), Application.id.desc())
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
    query = filtered(user, filters, select(Application.id)).order_by(
        *APPLICATION_SORT.order_by(filters.sorting)
    )
    # Fewer rows than other tables: with the board above, a page stays < 100 KB.
    pagination = paginate(query, page, per_page=TABLE_ROWS)
    ids = list(pagination.items)
    if ids:
        found = {
            application.id: application
            for application in db.session.scalars(
                select(Application).where(Application.id.in_(ids)).options(*loaded())
            )
        }
        # (One deleted in between is left out, as a page past the end is empty.)
        pagination.items = [found[i] for i in ids if i in found]
    return pagination


def get_application(application_id: int) -> Application | None:
    """One dossier with what its page shows."""
    return db.session.scalar(
        select(Application)
        .where(Application.id == application_id)
        .options(
            *loaded(),
            selectinload(Application.payments),
            selectinload(Application.obligations),
            selectinload(Application.tasks),
            joinedload(Application.publication),
        )
    )
