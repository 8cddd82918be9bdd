"""Page builders of the public pages: only published objects, only public fields.

Every figure comes from the function the member pages use (progress, roll-ups,
round results), narrowed to what is published.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.auth import permissions
from app.extensions import db
from app.municipalities.models import Municipality
from app.public.publishing import (
    published_application_ids,
    published_round_ids,
    published_theme_ids,
)
from app.strategy.models import ScoringRound, TrajectoryStep
from app.strategy.results import compute_results, for_reader
from app.subsidies.models import Application, ApplicationPartner, SubsidyCall
from app.subsidies.rollups import (
    combined,
    regional_totals,
    rollup_by_application,
    rollup_by_call,
    rollup_by_municipality,
)
from app.work.models import Rollout, Theme
from app.work.progress import theme_progress
from app.work.themes import all_municipalities

#: Round results of a thread with fewer answers than this are not shown publicly:
#: a mean of one or two answers would be a municipality's own score.
MIN_PUBLIC_RESPONSES = permissions.MIN_RESPONSES_IN_RESULT


def published_themes() -> list[Theme]:
    return list(
        db.session.scalars(
            select(Theme)
            .where(Theme.id.in_(published_theme_ids()))
            .order_by(Theme.title)
        )
    )


def published_dossiers(*conditions) -> list[Application]:
    """Published dossiers (with call, lead and partners loaded), by call and title."""
    query = (
        select(Application)
        .join(SubsidyCall, SubsidyCall.id == Application.call_id)
        .where(Application.id.in_(published_application_ids()), *conditions)
        .options(
            selectinload(Application.call),
            selectinload(Application.lead_municipality),
            selectinload(Application.partners).selectinload(
                ApplicationPartner.municipality
            ),
            selectinload(Application.theme),
        )
        .order_by(SubsidyCall.title, Application.title, Application.id)
    )
    return list(db.session.scalars(query))


def paid_amounts(application_ids: list[int]) -> dict[int, Any]:
    """The paid amount per dossier, by the roll-ups' definition (one query)."""
    if not application_ids:
        return {}
    figures = rollup_by_application(application_ids)
    return {application_id: figures[application_id].paid for application_id in figures}


def involving(municipality_id: int):
    """SQL condition: a dossier in which the municipality is lead or partner."""
    partner_of = select(ApplicationPartner.application_id).where(
        ApplicationPartner.municipality_id == municipality_id
    )
    return or_(
        Application.lead_municipality_id == municipality_id,
        Application.id.in_(partner_of),
    )


@dataclass(frozen=True)
class Funding:
    dossiers: list[Application]
    paid: dict[int, Any]
    public_theme_ids: set[int]


def funding(*conditions) -> Funding:
    dossiers = published_dossiers(*conditions)
    return Funding(
        dossiers=dossiers,
        paid=paid_amounts([d.id for d in dossiers]),
        public_theme_ids=set(db.session.scalars(published_theme_ids())),
    )


def public_round_results() -> list[Any]:
    """Results of the published rounds, newest first (aggregates only, as the
    public may read them: no figures over 1 or 2 answers, ranked without them)."""
    rounds = db.session.scalars(
        select(ScoringRound)
        .where(ScoringRound.id.in_(published_round_ids()))
        .order_by(ScoringRound.closes_on.desc(), ScoringRound.id.desc())
    )
    return [for_reader(r, None) for r in compute_results(rounds).values()]


def stage_rows(theme_ids: list[int]) -> dict[tuple[int, int], str]:
    """The rollout stage per (theme id, municipality id) of the given themes."""
    if not theme_ids:
        return {}
    rows = db.session.execute(
        select(Rollout.theme_id, Rollout.municipality_id, Rollout.stage).where(
            Rollout.theme_id.in_(theme_ids)
        )
    )
    return {(theme_id, mid): stage for theme_id, mid, stage in rows}


def overview() -> dict[str, Any]:
    """/public: trajectory, published themes with progress, municipalities ×
    themes, funded projects with totals per call and per municipality, results."""
    themes = published_themes()
    theme_ids = [t.id for t in themes]
    among = published_application_ids()
    calls = {
        call.id: call
        for call in db.session.scalars(
            select(SubsidyCall).where(
                SubsidyCall.id.in_(
                    select(Application.call_id).where(Application.id.in_(among))
                )
            )
        )
    }
    by_call = rollup_by_call(among=among)
    by_municipality = rollup_by_municipality(among=among)
    municipalities = all_municipalities()
    return {
        "steps": list(
            db.session.scalars(select(TrajectoryStep).order_by(TrajectoryStep.position))
        ),
        "themes": themes,
        "progress": theme_progress(theme_ids),
        "municipalities": municipalities,
        "stages": stage_rows(theme_ids),
        "funding": funding(),
        "calls": sorted(calls.values(), key=lambda c: c.title),
        "by_call": by_call,
        "by_municipality": {
            mid: combined(parts.values()) for mid, parts in by_municipality.items()
        },
        "totals": regional_totals(among=among),
        "rounds": public_round_results(),
        "min_responses": MIN_PUBLIC_RESPONSES,
    }


def theme_page(theme_id: int) -> dict[str, Any]:
    """/public/themes/<id>: a published theme, its progress, rollout and dossiers."""
    theme = db.session.scalar(
        select(Theme).where(Theme.id == theme_id, Theme.id.in_(published_theme_ids()))
    )
    if theme is None:
        abort(404)
    municipalities = all_municipalities()
    stages = stage_rows([theme.id])
    return {
        "theme": theme,
        "progress": theme_progress([theme.id])[theme.id],
        "rows": [(m, stages.get((theme.id, m.id))) for m in municipalities],
        "funding": funding(Application.theme_id == theme.id),
    }


def is_public_municipality(municipality: Municipality) -> bool:
    """A municipality has a public page when something public concerns it."""
    in_theme = select(Rollout.id).where(
        Rollout.municipality_id == municipality.id,
        Rollout.theme_id.in_(published_theme_ids()),
    )
    in_dossier = select(Application.id).where(
        Application.id.in_(published_application_ids()), involving(municipality.id)
    )
    return bool(db.session.scalar(select(in_theme.exists() | in_dossier.exists())))


def municipality_page(slug: str) -> dict[str, Any]:
    """/public/municipalities/<slug>: its stage per published theme, its dossiers."""
    municipality = db.session.scalar(
        select(Municipality).where(Municipality.slug == slug)
    )
    if municipality is None or not is_public_municipality(municipality):
        abort(404)
    themes = published_themes()
    stages = stage_rows([t.id for t in themes])
    figures = rollup_by_municipality(
        municipality_ids=[municipality.id], among=published_application_ids()
    ).get(municipality.id)
    return {
        "municipality": municipality,
        "rows": [(t, stages.get((t.id, municipality.id))) for t in themes],
        "funding": funding(involving(municipality.id)),
        "figures": figures,
    }
