"""Page builders of the subsidies domain: everything a page shows, in a fixed
number of queries (like `theme_detail` of work); the views authorize and render."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.archive import archived_filter
from app.auth import permissions as perm
from app.choices import chosen_choice, search_choices
from app.extensions import db
from app.municipalities.models import Municipality
from app.sorting import Sort
from app.subsidies import calls, dossiers, finances, listing, rollups
from app.subsidies.models import Application, SubsidyCall
from app.work.models import Theme

CALLS_PER_PAGE = 50
CALL_APPLICATIONS_SHOWN = 50  # the rest is one click away, in /applications
#: The roll-up per municipality shows this many (largest requested amounts first).
ROLLUP_MUNICIPALITIES = 25
#: The filters of /applications that are a search field (too many for a select).
SEARCHED_FILTERS = ("call", "municipality")


def call_list(
    user: Any, page: int, now: datetime, archived: bool, sort: Sort
) -> dict[str, Any]:
    """Every call (or the archived ones) in the order of `sort`, with its status
    and countdown, and the regional totals."""
    pagination = db.paginate(
        calls.calls_query(sort).where(archived_filter(SubsidyCall, archived)),
        page=page,
        per_page=CALLS_PER_PAGE,
        error_out=False,
    )
    figures, totals = rollups.calls_and_totals_for(user)
    return {
        "pagination": pagination,
        "archived": archived,
        "sort": sort,
        "figures": figures,
        "totals": totals,
        "now": now,
        "calls_module": calls,
    }


def call_detail(subsidy_call: SubsidyCall, user: Any, now: datetime) -> dict[str, Any]:
    """One call: its facts, countdown, figures, applications and coverage."""
    applications = []
    if perm.can_view_applications(user):
        applications = listing.dossier_rows(
            listing.filtered(
                user,
                listing.Filters(call=subsidy_call.id),
                select(Application.id),
            )
            .order_by(Application.title, Application.id)
            .limit(CALL_APPLICATIONS_SHOWN),
            order=(Application.title, Application.id),
        )
    return {
        "call": subsidy_call,
        "now": now,
        "calls_module": calls,
        "figures": rollups.call_figures_for(user, [subsidy_call.id]).get(
            subsidy_call.id, rollups.Figures()
        ),
        "applications": applications,
        "shown_limit": CALL_APPLICATIONS_SHOWN,
        "money": listing.money(applications),
        **_coverage(user, subsidy_call),
    }


def _coverage(user: Any, subsidy_call: SubsidyCall) -> dict[str, Any]:
    """All gaps for who may see them; otherwise only one's own municipality's."""
    gaps = calls.coverage(subsidy_call)
    own = None
    if perm.can_view_own_coverage(user):
        own = calls.own_gap(gaps, user.municipality_id)
    return {"gaps": gaps if perm.can_view_coverage(user) else [], "own_gap": own}


def application_list(user: Any, filters: listing.Filters, page: int) -> dict[str, Any]:
    """The pipeline board and one page of the table (what a filter swaps)."""
    context = {
        "filters": filters,
        "board": listing.pipeline(user, filters),
        "pagination": listing.table_page(user, filters, page),
    }
    context["money"] = listing.money(context["pagination"].items)
    return context


def applications_overview(
    user: Any,
    filters: listing.Filters,
    page: int,
    searches: Mapping[str, str | None],
) -> dict[str, Any]:
    """All of /applications: the list, the roll-ups per theme and municipality,
    and the filter choices (`searches`: the text typed in each search field)."""
    choices = _filter_choices(filters, searches)
    return {
        **application_list(user, filters, page),
        **application_rollups(user, filters, choices["themes"]),
        "filter_choices": choices,
    }


def application_rollups(
    user: Any, filters: listing.Filters, themes: list | None = None
) -> dict[str, Any]:
    """The roll-ups of /applications over the dossiers its list shows: those
    matching `filters` (computed as asked), or every one `user` sees (the read
    model) when nothing is filtered. Two statements either way, plus the names
    (and the themes, unless given)."""
    among = None
    if filters.narrowed:
        among = listing.filtered(user, filters, select(Application.id))
    by_theme = rollups.rollup_by_theme(user, among)
    by_municipality = rollups.rollup_by_municipality(user, among=among)
    return {
        "by_theme": by_theme,
        "by_municipality": by_municipality,
        "shown_municipalities": _named(
            rollups.largest_municipalities(
                by_municipality, ROLLUP_MUNICIPALITIES, filters.municipality
            )
        ),
        "totals": rollups.combined(by_theme.values()),
        "own_by_theme": rollups.own_contribution_by_theme(user, among),
        "own_by_municipality": rollups.own_contribution_by_municipality(
            user, among=among
        ),
        "rollup_themes": _themes() if themes is None else themes,
        "rollups_filtered": filters.narrowed,
    }


def _themes() -> list:
    """(id, title) of every theme, by title."""
    return db.session.execute(select(Theme.id, Theme.title).order_by(Theme.title)).all()


def _named(municipality_ids: list[int]) -> list[tuple[int, str]]:
    """(id, name) of these municipalities, in the order given (plain rows)."""
    names = dict(
        db.session.execute(
            select(Municipality.id, Municipality.name).where(
                Municipality.id.in_(municipality_ids)
            )
        ).all()
    )
    return [(mid, names[mid]) for mid in municipality_ids if mid in names]


def _filter_choices(
    filters: listing.Filters, searches: Mapping[str, str | None]
) -> dict[str, Any]:
    """Themes as a list; calls and municipalities (too many for a select) as a
    search field with the current choice and the matches of the search."""
    return {
        "themes": _themes(),
        "chosen": {
            "call": chosen_choice("call", filters.call),
            "municipality": chosen_choice("municipality", filters.municipality),
        },
        "matches": {
            kind: search_choices(kind, searches.get(kind)) for kind in SEARCHED_FILTERS
        },
    }


def dossier_detail(application: Application) -> dict[str, Any]:
    """One dossier: its money, the lead's share and every partner's share."""
    money = dossiers.money([application])[application.id]
    return {
        "application": application,
        "money": money,
        "lead_share": dossiers.lead_share(application),
        "shares": rollups.dossier_shares(application, money.paid),
        "contributions": finances.dossier_contributions(application),
    }


def finances_detail(application: Application) -> dict[str, Any]:
    """A dossier's finances page: subsidy vs own contribution, planned vs spent
    per line and per partner, the latest spending, the documents to link."""
    budget = finances.budget_overview(application)
    return {
        "application": application,
        "budget": budget,
        "contributions": budget.contributions,
        "documents": finances.dossier_documents(application.id),
        "spending_shown": finances.SPENDING_SHOWN,
    }
