"""Activity in the reader's language: sentences, field labels and values.

Entries store what happened as data; this module turns a page of them into
sentences in the current locale, with translated field labels, enum labels and
names instead of ids. Names are looked up for the whole page at once (one query
per kind of object referred to), never per entry. The 409 conflict message uses
the same labels and values (`present_values`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from app import formatting
from app.activity.models import Activity
from app.extensions import db
from app.labels import label

#: Human labels of the fields that entries and conflict messages name.
FIELD_LABELS = {
    "title": _l("Title"),
    "code": _l("Code"),
    "description": _l("Description"),
    "status": _l("Status"),
    "progress": _l("Progress"),
    "start_on": _l("Start date"),
    "due_on": _l("Due date"),
    "recurrence": _l("Repeats"),
    "task_template": _l("Task template"),
    "after_id": _l("Starts after"),
    "assignee_id": _l("Assignee"),
    "municipality_id": _l("Municipality"),
    "stage": _l("Stage"),
    "note": _l("Note"),
    "notes": _l("Notes"),
    "name": _l("Name"),
    "purpose": _l("Purpose"),
    "archived_at": _l("Archived"),
    "nis_code": _l("NIS code"),
    "kbo_number": _l("KBO number"),
    "identity": _l("Sign-in through an organisation"),
    "merged_into_id": _l("Merged into"),
    "merged_on": _l("Merger date"),
    "members": _l("Members"),
    "leads": _l("Leads"),
    "municipalities": _l("Participating municipalities"),
    "period": _l("Period"),
    "position": _l("Position"),
    "held_on": _l("Date"),
    "delegation": _l("Delegation"),
    "threads": _l("Threads"),
    "value": _l("Score"),
    "comment": _l("Comment"),
    "opens_on": _l("Opens on"),
    "closes_on": _l("Closes on"),
    "funder": _l("Funder"),
    "url": _l("Link"),
    "opens_at": _l("Opens"),
    "deadline_at": _l("Deadline"),
    "budget": _l("Budget"),
    "max_per_application": _l("Maximum per application"),
    "cofinancing_pct": _l("Co-financing"),
    "min_partners": _l("Minimum number of partners"),
    "themes": _l("Themes it fits"),
    "preparation_template": _l("Preparation tasks"),
    "reporting_template": _l("Reporting obligations"),
    "call_id": _l("Call"),
    "reference": _l("Reference"),
    "lead_municipality_id": _l("Lead municipality"),
    "theme_id": _l("Theme"),
    "group_id": _l("Working group"),
    "owner_id": _l("Owner"),
    "requested_amount": _l("Requested amount"),
    "granted_amount": _l("Granted amount"),
    "submitted_on": _l("Submitted on"),
    "decided_on": _l("Decided on"),
    "project_start": _l("Project start"),
    "project_end": _l("Project end"),
    "partner": _l("Partner municipality"),
    "task": _l("Preparation task"),
    "share_pct": _l("Share"),
    "amount": _l("Amount"),
    "kind": _l("Kind"),
    "paid_on": _l("Paid on"),
    "spent_on": _l("Spent on"),
    "planned_amount": _l("Planned amount"),
    "done_on": _l("Done on"),
    "email": _l("Email"),
    "full_name": _l("Name"),
    "role": _l("Role"),
    "language": _l("Language"),
    "active": _l("Active"),
    "password": _l("Password"),
    "origin_thread": _l("Thread"),
}

#: Fields whose values are codes with a translated label (labels.LABELS kind).
ENUM_FIELDS = {
    ("trajectory_step", "status"): "step_status",
    ("thread", "status"): "thread_status",
    ("scoring_round", "status"): "round_status",
    ("theme", "status"): "theme_status",
    ("rollout", "stage"): "rollout_stage",
    ("task", "status"): "task_status",
    ("application", "status"): "application_status",
    ("payment", "kind"): "payment_kind",
    ("budget_line", "kind"): "budget_kind",
    ("reporting_obligation", "kind"): "obligation_kind",
    ("reporting_obligation", "status"): "obligation_status",
    ("user_account", "role"): "role",
}

MONEY_FIELDS = {
    "amount",
    "budget",
    "granted_amount",
    "max_per_application",
    "planned_amount",
    "requested_amount",
}
PERCENT_FIELDS = {"cofinancing_pct", "progress", "share_pct"}
DATE_FIELDS = {
    "closes_on",
    "decided_on",
    "done_on",
    "due_on",
    "held_on",
    "merged_on",
    "opens_on",
    "paid_on",
    "spent_on",
    "project_end",
    "project_start",
    "submitted_on",
}
DATETIME_FIELDS = {"deadline_at", "opens_at", "archived_at"}
BOOLEAN_FIELDS = {"active", "is_central_city"}
LANGUAGE_NAMES = {"nl": _l("Dutch"), "en": _l("English")}
TEXT_LIMIT = 300


def _reference_models() -> dict[str, tuple[Any, Any]]:
    """Fields holding an id, with the model and the column that names it."""
    from app.auth.models import User
    from app.municipalities.models import Municipality
    from app.subsidies.models import SubsidyCall
    from app.work.models import Theme, WorkingGroup

    return {
        "assignee_id": (User, User.full_name),
        "owner_id": (User, User.full_name),
        "municipality_id": (Municipality, Municipality.name),
        "lead_municipality_id": (Municipality, Municipality.name),
        "merged_into_id": (Municipality, Municipality.name),
        "call_id": (SubsidyCall, SubsidyCall.title),
        "theme_id": (Theme, Theme.title),
        "group_id": (WorkingGroup, WorkingGroup.name),
    }


def _as_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def resolve_names(field_maps: Iterable[dict[str, Any]]) -> dict[tuple[Any, int], str]:
    """Names of every object referred to by id in these {field: values} maps:
    one query per kind of object, whatever the number of maps."""
    references = _reference_models()
    wanted: dict[Any, set[int]] = defaultdict(set)
    for fields in field_maps:
        for field, values in fields.items():
            if field not in references:
                continue
            model = references[field][0]
            for value in values if isinstance(values, list) else [values]:
                if (ident := _as_id(value)) is not None:
                    wanted[model].add(ident)
    names: dict[tuple[Any, int], str] = {}
    for model, ids in wanted.items():
        name_column = next(c for m, c in references.values() if m is model)
        for ident, name in db.session.execute(
            select(model.id, name_column).where(model.id.in_(ids))
        ):
            names[(model, ident)] = name
    return names


def field_label(field: str) -> str:
    """The translated label of a field (the field's own name if it has none)."""
    text = FIELD_LABELS.get(field)
    return str(text) if text is not None else field


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        return None


def value_text(
    entity_type: str, field: str, value: Any, names: dict[tuple[Any, int], str]
) -> str:
    """A stored (or submitted) value as the reader should see it."""
    if value is None or value == "":
        return "—"
    references = _reference_models()
    if field in references:
        ident = _as_id(value)
        model = references[field][0]
        if ident == 0:
            return "—"
        if ident is not None:
            return names.get((model, ident), f"#{ident}")
    if (entity_type, field) in ENUM_FIELDS:
        return label(ENUM_FIELDS[(entity_type, field)], str(value))
    if field == "language" and value in LANGUAGE_NAMES:
        return str(LANGUAGE_NAMES[value])
    if field in BOOLEAN_FIELDS or isinstance(value, bool):
        truthy = value in (True, "y", "true", "True", "on", "1")
        return _("Yes") if truthy else _("No")
    if field in MONEY_FIELDS and (amount := _decimal(value)) is not None:
        return formatting.fmt_money(amount)
    if field in PERCENT_FIELDS and (share := _decimal(value)) is not None:
        return formatting.fmt_progress(share, 2)
    if field in DATE_FIELDS and isinstance(value, str):
        try:
            return formatting.fmt_date(date.fromisoformat(value[:10]))
        except ValueError:
            pass
    if field in DATETIME_FIELDS and isinstance(value, str):
        try:
            return formatting.fmt_datetime(datetime.fromisoformat(value))
        except ValueError:
            pass
    text = str(value)
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


@dataclass(frozen=True)
class ChangeView:
    field: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class ValueView:
    field: str
    label: str
    value: str


@dataclass(frozen=True)
class EntryView:
    """One entry as the reader sees it."""

    entry: Activity
    sentence: str
    changes: list[ChangeView]

    @property
    def created_at(self) -> datetime:
        return self.entry.created_at

    @property
    def actor(self):
        return self.entry.actor

    @property
    def entity_type(self) -> str:
        return self.entry.entity_type


def _old_and_new(values: Any) -> tuple[Any, Any]:
    """[old, new] as stored; anything else is read as a new value."""
    if isinstance(values, list) and len(values) == 2:
        return values[0], values[1]
    return None, values


def _changes(entry: Activity, names: dict[tuple[Any, int], str]) -> list[ChangeView]:
    rows = []
    for field, values in (entry.changes or {}).items():
        old, new = _old_and_new(values)
        rows.append(
            ChangeView(
                field,
                field_label(field),
                value_text(entry.entity_type, field, old, names),
                value_text(entry.entity_type, field, new, names),
            )
        )
    return rows


def _new_value(entry: Activity, field: str) -> Any:
    values = (entry.changes or {}).get(field)
    return values[-1] if isinstance(values, list) and values else None


def sentence(entry: Activity) -> str:
    """What happened, in the current language (the old English text for entries
    written before activity was stored as data and not convertible)."""
    if entry.label is None:
        return entry.summary
    details = entry.details or {}
    kind, name, action = label("entity", entry.entity_type), entry.label, entry.action
    if action == "import":
        count = int(details.get("count") or 0)
        if details.get("municipality"):
            text = ngettext(
                "%(num)d score of %(municipality)s imported into “%(name)s”",
                "%(num)d scores of %(municipality)s imported into “%(name)s”",
                count,
                municipality=details["municipality"],
                name=name,
            )
        else:
            text = ngettext(
                "%(num)d score imported into “%(name)s”",
                "%(num)d scores imported into “%(name)s”",
                count,
                name=name,
            )
        if details.get("filename"):
            text = _("%(text)s (file %(file)s)", text=text, file=details["filename"])
        return text
    if entry.entity_type == "score" and action in ("create", "update"):
        if details.get("on_behalf"):
            return _(
                "Score %(name)s in “%(round)s” saved on behalf of the municipality",
                name=name,
                round=details.get("round", ""),
            )
        return _(
            "Score %(name)s in “%(round)s” saved",
            name=name,
            round=details.get("round", ""),
        )
    if entry.entity_type == "conversation" and action in ("create", "update"):
        held_on = value_text("conversation", "held_on", details.get("held_on"), {})
        if action == "create":
            return _("Talk with %(name)s on %(date)s recorded", name=name, date=held_on)
        return _("Talk with %(name)s on %(date)s updated", name=name, date=held_on)
    if entry.entity_type == "payment" and action in ("create", "delete"):
        amount = value_text("payment", "amount", details.get("amount"), {})
        if action == "create":
            return _(
                "Payment of %(amount)s for “%(name)s” recorded",
                amount=amount,
                name=name,
            )
        return _(
            "Payment of %(amount)s for “%(name)s” deleted", amount=amount, name=name
        )
    if entry.entity_type == "document" and action in ("upload", "archive"):
        dossier = details.get("dossier", "")
        if action == "upload":
            return _(
                "Document “%(name)s” added to “%(dossier)s”", name=name, dossier=dossier
            )
        return _(
            "Document “%(name)s” removed from “%(dossier)s”", name=name, dossier=dossier
        )
    partner = details.get("partner", "")
    if action == "partner_add":
        return _("Partner %(partner)s added to “%(name)s”", partner=partner, name=name)
    if action == "partner_update":
        return _(
            "Share of partner %(partner)s in “%(name)s” changed",
            partner=partner,
            name=name,
        )
    if action == "own_contribution":
        return _(
            "Own contribution of %(partner)s in “%(name)s” changed",
            partner=partner,
            name=name,
        )
    if action == "partner_remove":
        return _(
            "Partner %(partner)s removed from “%(name)s”", partner=partner, name=name
        )
    if action == "owner_returned":
        return _(
            "%(kind)s “%(name)s” handed back: %(person)s can no longer open the "
            "dossier",
            kind=kind,
            name=name,
            person=details.get("person", ""),
        )
    if action == "promote":
        return _(
            "Thread %(thread)s promoted to theme “%(name)s”",
            thread=details.get("thread", ""),
            name=name,
        )
    if action == "publish":
        return _("%(kind)s “%(name)s” published", kind=kind, name=name)
    if action == "unpublish":
        return _("%(kind)s “%(name)s” taken off the public pages", kind=kind, name=name)
    if action == "password_reset":
        return _("Password of %(name)s reset", name=name)
    if action == "status" and (status := _new_value(entry, "status")) is not None:
        return _(
            "%(kind)s “%(name)s” is now %(status)s",
            kind=kind,
            name=name,
            status=value_text(entry.entity_type, "status", status, {}),
        )
    if action == "comment":
        return _("Comment on %(kind)s “%(name)s”", kind=kind, name=name)
    if action == "comment_update":
        return _("Comment on %(kind)s “%(name)s” edited", kind=kind, name=name)
    if action == "comment_delete":
        return _("Comment on %(kind)s “%(name)s” deleted", kind=kind, name=name)
    if action == "archive":
        return _("%(kind)s “%(name)s” archived", kind=kind, name=name)
    if action == "restore":
        return _("%(kind)s “%(name)s” restored", kind=kind, name=name)
    if action == "create":
        return _("%(kind)s “%(name)s” created", kind=kind, name=name)
    if action == "update":
        return _("%(kind)s “%(name)s” updated", kind=kind, name=name)
    if action == "delete":
        return _("%(kind)s “%(name)s” deleted", kind=kind, name=name)
    return _("%(kind)s “%(name)s” changed", kind=kind, name=name)


def present(entries: Iterable[Activity]) -> list[EntryView]:
    """A page of entries as the reader sees them (names in a fixed number of
    queries for the whole page)."""
    entries = list(entries)
    names = resolve_names(entry.changes or {} for entry in entries)
    return [
        EntryView(entry, sentence(entry), _changes(entry, names)) for entry in entries
    ]


def present_one(entry: Activity | None) -> EntryView | None:
    return present([entry])[0] if entry is not None else None


def present_values(entity_type: str, values: dict[str, Any]) -> list[ValueView]:
    """Submitted form values with the same labels and value rendering as entries
    (for the 409 conflict message)."""
    names = resolve_names([values])
    return [
        ValueView(field, field_label(field), value_text(entity_type, field, v, names))
        for field, v in values.items()
    ]
