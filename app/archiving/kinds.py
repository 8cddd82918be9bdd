"""The archivable kinds: their URL segment, model, own page and list page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import url_for

from app.extensions import db


@dataclass(frozen=True)
class Kind:
    segment: str  # in the URL: /<segment>/<id>/archive
    table: str
    page: str  # endpoint of the object's own page
    page_arg: str
    listing: str  # endpoint of the list page with its "Archived" filter

    @property
    def model(self) -> Any:
        from app import models

        return {
            "subsidy_call": models.SubsidyCall,
            "application": models.Application,
            "scoring_round": models.ScoringRound,
            "working_group": models.WorkingGroup,
            "conversation": models.Conversation,
            "thread": models.Thread,
        }[self.table]

    def page_url(self, obj: Any) -> str:
        return url_for(self.page, **{self.page_arg: obj.id})

    def list_url(self, archived: bool = False) -> str:
        return url_for(self.listing, archived=1 if archived else None)


KINDS = {
    kind.segment: kind
    for kind in (
        Kind("calls", "subsidy_call", "subsidies.call", "call_id", "subsidies.calls"),
        Kind(
            "applications",
            "application",
            "subsidies.application",
            "application_id",
            "subsidies.applications",
        ),
        Kind(
            "rounds", "scoring_round", "strategy.round", "round_id", "strategy.rounds"
        ),
        Kind("groups", "working_group", "work.group", "group_id", "work.themes"),
        Kind(
            "talks", "conversation", "strategy.talk_edit", "talk_id", "strategy.talks"
        ),
        Kind("threads", "thread", "strategy.thread", "thread_id", "strategy.threads"),
    )
}
SEGMENTS = ", ".join(KINDS)
_BY_TABLE = {kind.table: kind for kind in KINDS.values()}


def load(segment: str, object_id: int) -> tuple[Kind, Any]:
    """The kind and the object, or 404."""
    kind = KINDS[segment]
    return kind, db.get_or_404(kind.model, object_id)


def kind_of(obj: Any) -> Kind:
    """The archivable kind of `obj`."""
    return _BY_TABLE[type(obj).__tablename__]
