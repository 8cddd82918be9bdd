"""What is public: the coordinator's publications, and the rules they obey.

Only three kinds of object can be published: a theme, a dossier once granted
(granted, reporting or closed) and the results of a closed round. The public
queries check the status again, so a publication never outlives its rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.activity.log import record
from app.archive import not_archived
from app.extensions import db
from app.public.models import Publication
from app.strategy.models import ScoringRound
from app.subsidies.dossiers import GRANTED
from app.subsidies.models import Application
from app.work.models import Theme


@dataclass(frozen=True)
class Kind:
    name: str  # in URLs
    model: type
    column: str  # the foreign key on Publication


KINDS = {
    "theme": Kind("theme", Theme, "theme_id"),
    "application": Kind("application", Application, "application_id"),
    "round": Kind("round", ScoringRound, "round_id"),
}
_BY_MODEL = {kind.model: kind for kind in KINDS.values()}


def kind_of(obj: Any) -> Kind:
    return _BY_MODEL[type(obj)]


def is_publishable(obj: Any) -> bool:
    """Themes always; dossiers once granted; rounds once closed."""
    if isinstance(obj, Application):
        return obj.status in GRANTED
    if isinstance(obj, ScoringRound):
        return obj.status == "closed"
    return isinstance(obj, Theme)


def publication_of(obj: Any) -> Publication | None:
    if isinstance(obj, Application):
        # Its relationship: joined with the dossier on its page, else one SELECT.
        return obj.publication
    column = getattr(Publication, kind_of(obj).column)
    return db.session.scalar(select(Publication).where(column == obj.id))


def _municipality_id(obj: Any) -> int | None:
    # Dossier activity is private to its municipality (permissions.visible_activity).
    return getattr(obj, "lead_municipality_id", None)


def publish(obj: Any, user: Any) -> bool:
    """Make `obj` public; False when its rule does not allow it (nothing changes)."""
    if not is_publishable(obj):
        return False
    if publication_of(obj) is None:
        db.session.add(
            Publication(**{kind_of(obj).column: obj.id}, published_by_id=user.id)
        )
        record(
            "publish",
            obj,
            municipality_id=_municipality_id(obj),
            actor=user,
        )
    return True


def unpublish(obj: Any) -> None:
    """Take `obj` off the public pages and the open data."""
    publication = publication_of(obj)
    if publication is not None:
        db.session.delete(publication)
        record(
            "unpublish",
            obj,
            municipality_id=_municipality_id(obj),
        )


# --- what the public pages may show ---


def published_theme_ids() -> select:
    """SELECT of the ids of published themes."""
    return select(Publication.theme_id).where(Publication.theme_id.is_not(None))


def published_application_ids() -> select:
    """SELECT of the ids of published dossiers that are (still) granted."""
    return (
        select(Application.id)
        .join(Publication, Publication.application_id == Application.id)
        .where(Application.status.in_(GRANTED), not_archived(Application))
    )


def published_round_ids() -> select:
    """SELECT of the ids of published rounds that are (still) closed."""
    return (
        select(ScoringRound.id)
        .join(Publication, Publication.round_id == ScoringRound.id)
        .where(ScoringRound.status == "closed", not_archived(ScoringRound))
    )
