"""Choices too many for a select (working groups, municipalities, assignees,
calls): a search field shows the first matches, read as plain rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, select
from wtforms import IntegerField, ValidationError

from app.archive import not_archived
from app.auth import permissions
from app.auth.models import MUNICIPAL_ROLES, Role, User
from app.extensions import db
from app.municipalities.models import Municipality, active_municipalities_clause
from app.subsidies.models import SubsidyCall
from app.web.params import parse_int, search_text
from app.work.models import Task, WorkingGroup, group_member

#: How many matches a search shows (type more of the name to narrow it down).
MATCHES_SHOWN = 20


@dataclass(frozen=True)
class Choice:
    id: int
    text: str
    merged: bool = False  # a municipality that merged into another
    #: What tells people of the same name apart: their municipality, else e-mail.
    detail: str | None = None


@dataclass(frozen=True)
class Matches:
    choices: list[Choice]
    more: bool = False  # more match than are shown


def _people(condition: Any = None):
    """(SELECT id, name, merged, detail; id; name) of people: each with their
    municipality, or their e-mail when they have none (three "An Janssens")."""
    id_, name = User.id, User.full_name
    detail = func.coalesce(Municipality.name, User.email)
    query = select(id_, name, literal(False), detail).outerjoin(
        Municipality, Municipality.id == User.municipality_id
    )
    if condition is not None:
        query = query.where(condition)
    return query, id_, name


def _choice_query(kind: str, user: Any = None, scope: Any = ()):
    """(SELECT id, name, merged; the id column; the name column) of a kind.
    Assignees are the people with a task `user` may see; owners the people who
    may own a dossier of the municipalities in `scope` (lead and partners)."""
    if kind == "group":
        id_, name = WorkingGroup.id, WorkingGroup.name
        query = select(id_, name, literal(False)).where(not_archived(WorkingGroup))
        return query, id_, name
    if kind == "municipality":
        id_, name = Municipality.id, Municipality.name
        merged = Municipality.merged_into_id.is_not(None)
        return select(id_, name, merged), id_, name
    if kind == "workplace":  # what new work may concern: not merged away
        id_, name = Municipality.id, Municipality.name
        query = select(id_, name, literal(False)).where(active_municipalities_clause())
        return query, id_, name
    if kind == "call":
        id_, name = SubsidyCall.id, SubsidyCall.title
        query = select(id_, name, literal(False)).where(not_archived(SubsidyCall))
        return query, id_, name
    if kind == "assignable":  # whom a task may be given: active, not viewers
        return _people(User.active.is_(True) & (User.role != Role.VIEWER))
    if kind == "member":  # who may join a working group: active municipal staff
        return _people(User.active.is_(True) & User.role.in_(MUNICIPAL_ROLES))
    if kind == "owner":  # who may own a dossier: who may open it
        return _people(permissions.may_own_dossier_of(scope))
    if kind == "mention":  # whom a comment may mention: who may see its object
        if not scope:
            return _people(literal(False))
        return _people(permissions.mentionable(*scope))
    if kind == "who":  # who changed something (the activity filter)
        return _people(None if user is None else permissions.activity_people(user))
    # Assignees: the people who have a task (whom filtering can find).
    assignees = select(Task.assignee_id).where(Task.assignee_id.is_not(None))
    if user is not None:
        assignees = assignees.where(permissions.visible_tasks(user))
    return _people(User.id.in_(assignees))


KINDS = (
    "group",
    "municipality",
    "assignee",
    "call",
    "who",
    "assignable",
    "workplace",
    "owner",
    "member",
    "mention",
)
#: Kinds whose field holds several choices (checkboxes, not radio buttons).
MULTIPLE = ("member", "mention")
#: The form field a kind fills when it is not the kind's own name.
FIELD_NAMES = {
    "assignable": "assignee_id",
    "workplace": "municipality_id",
    "owner": "owner_id",
    "member": "members",
    "mention": "mentions",
}


def field_name(kind: str) -> str:
    """The name of the radio buttons (and, + "_search", of the search field)."""
    return FIELD_NAMES.get(kind, kind)


def _may_search(kind: str, user: Any) -> bool:
    """People by name: the activity filter's only for who may read activity, the
    people a task may be given to only for who may give tasks, a dossier's
    possible owners for who manages dossiers."""
    if user is None:
        return True
    if kind == "who":
        return permissions.can_view_activity(user)
    if kind in ("assignable", "member"):
        return permissions.can_assign_work(user)
    if kind == "owner":
        return permissions.can_manage_application(user)
    if kind == "mention":  # the view checked that `user` may see the object
        return not permissions.is_viewer(user)
    return True


def search_choices(
    kind: str, text: str | None, user: Any = None, scope: Any = ()
) -> Matches:
    """The first matches (case-insensitive, anywhere in the name); none for an
    empty search or an unknown kind."""
    text = search_text(text).lower()
    if kind not in KINDS or not text or not _may_search(kind, user):
        return Matches([])
    query, id_, name = _choice_query(kind, user, scope)
    rows = db.session.execute(
        query.where(func.lower(name).contains(text, autoescape=True))
        .order_by(name, id_)
        .limit(MATCHES_SHOWN + 1)
    )
    choices = [Choice(*row) for row in rows]
    return Matches(choices[:MATCHES_SHOWN], more=len(choices) > MATCHES_SHOWN)


def chosen_choice(
    kind: str, choice_id: int | None, user: Any = None, scope: Any = ()
) -> Choice | None:
    """The option a filter has now (its name, shown next to the search field)."""
    if choice_id is None or kind not in KINDS or not _may_search(kind, user):
        return None
    query, id_, _name = _choice_query(kind, user, scope)
    row = db.session.execute(query.where(id_ == choice_id)).first()
    return Choice(*row) if row else None


#: What a search field says when its value is not one of the matches of its kind.
NOT_A_MATCH = {
    "assignable": _l("Choose a person from the matches."),
    "workplace": _l("Choose a municipality from the matches."),
    "owner": _l(
        "Choose a person who may open the dossier: the coordinator or someone of "
        "its lead or partner municipalities."
    ),
}


def check_pick(
    kind: str, chosen: int | None, current: int | None = None, scope: Any = ()
) -> None:
    """A form's search-field value: none, the value the object holds now (it may
    stay even if it no longer qualifies), or one of `kind`'s matches."""
    if chosen in (None, current):
        return
    if chosen_choice(kind, chosen, scope=scope) is None:
        raise ValidationError(NOT_A_MATCH[kind])


def dossier_scope(application_id: Any, lead_id: Any) -> tuple[int, ...]:
    """The municipalities whose people may open a dossier: the lead chosen in its
    form and the dossier's partners (none yet for a new one)."""
    from app.subsidies.models import ApplicationPartner

    ids = [lead_id] if isinstance(lead_id, int) else []
    if isinstance(application_id, int):
        ids += db.session.scalars(
            select(ApplicationPartner.municipality_id).where(
                ApplicationPartner.application_id == application_id
            )
        )
    return tuple(ids)


def municipality_choice(municipality_id: int | None) -> Choice | None:
    """A municipality by id, merged or not (the one a task concerns now)."""
    if municipality_id is None:
        return None
    merged = Municipality.merged_into_id.is_not(None)
    found = db.session.execute(
        select(Municipality.id, Municipality.name, merged).where(
            Municipality.id == municipality_id
        )
    ).first()
    return Choice(*found) if found else None


def person_choice(user_id: int | None) -> Choice | None:
    """A person by id, whatever their state (the current assignee of a task)."""
    if user_id is None:
        return None
    query, id_, _name = _people(User.id == user_id)
    found = db.session.execute(query).first()
    return Choice(*found) if found else None


def group_member_ids(group_id: Any) -> list[int]:
    """The members a working group has now (its form lists them already)."""
    if not isinstance(group_id, int):
        return []
    return list(
        db.session.scalars(
            select(group_member.c.user_id).where(group_member.c.group_id == group_id)
        )
    )


def search_more(
    kind: str,
    text: str | None,
    picked: Any,
    kept: Any,
    user: Any = None,
    scope: Any = (),
) -> tuple[list[Choice], Matches]:
    """A field of several choices (a group's members): the people `picked` from
    earlier searches (still ticked, kept across searches) and the matches of
    `text`; neither holds those the field has already (`kept`)."""
    kept = set(kept)
    chosen_ids = [i for i in dict.fromkeys(picked) if i not in kept][:MATCHES_SHOWN]
    chosen = []
    if chosen_ids and _may_search(kind, user):
        query, id_, name = _choice_query(kind, user, scope)
        chosen = [
            Choice(*row)
            for row in db.session.execute(
                query.where(id_.in_(chosen_ids)).order_by(name, id_)
            )
        ]
    found = search_choices(kind, text, user, scope)
    skip = kept | {c.id for c in chosen}
    return chosen, Matches(
        [c for c in found.choices if c.id not in skip], more=found.more
    )


@dataclass(frozen=True)
class SearchField:
    """What a form's search field shows: its current choice and the matches."""

    chosen: Choice | None
    matches: Matches


def municipality_search(field: Any, searches: Any, kind: str = "workplace"):
    """The search field of a form's municipality: the one it holds now (merged or
    not) and the matches of what was typed in `<field name>_search`."""
    chosen = field.data if isinstance(field.data, int) else None
    typed = (searches or {}).get(f"{field.name}_search")
    return SearchField(municipality_choice(chosen), search_choices(kind, typed))


def person_search(
    field: Any, searches: Any, kind: str = "assignable", scope: Any = ()
) -> SearchField:
    """The search field of a form's person among those who may be given work (or
    own a dossier of `scope`): the one it holds now (whatever their state) and the
    matches of what was typed."""
    chosen = field.data if isinstance(field.data, int) else None
    typed = (searches or {}).get(f"{field.name}_search")
    return SearchField(person_choice(chosen), search_choices(kind, typed, scope=scope))


class IdField(IntegerField):
    """A row's id in a form: a whole number from 1 to MAX_ID (a larger one could
    name no row, and sent to the database it would fail the query)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and parse_int(str(self.data)) is None:
            self.data = None
            raise ValueError(self.gettext("Not a valid integer value."))


class NoneOrIdField(IdField):
    """The id a search field picked; empty or 0 (the "none" option of the select
    it replaces) is None, anything else not a number an error."""

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0] in ("", "0"):
            self.data = None
            return
        super().process_formdata(valuelist)
