"""The notification kinds, their defaults per role, and how each one reads."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.formatting import fmt_date
from app.labels import label

#: Every kind, in the order of the preferences page and the inbox filter.
KINDS = (
    "task_assigned",
    "task_due",
    "task_status",
    "dossier_status",
    "dossier_payment",
    "dossier_document",
    "comment",
    "mentioned",
    "obligation_due",
    "call_fits",
    "round_open",
    "round_reminder",
    "call_reminder",
)

KIND_LABELS = {
    "task_assigned": _l("A task was assigned to me"),
    "task_due": _l("The due date of my task changed"),
    "task_status": _l("A task I follow changed status"),
    "dossier_status": _l("A dossier I follow changed status"),
    "dossier_payment": _l("A dossier I follow got a payment"),
    "dossier_document": _l("A dossier I follow got a document"),
    "comment": _l("A comment on something I follow"),
    "mentioned": _l("I was mentioned in a comment"),
    "obligation_due": _l("A reporting obligation of mine is due or overdue"),
    "call_fits": _l("A new or reopened call fits my municipality"),
    "round_open": _l("A scoring round opened for my municipality"),
    "round_reminder": _l("A reminder to fill in a scoring round"),
    "call_reminder": _l("A reminder to apply for a call"),
}

#: The channel of each kind when a person chose none; per role below.
_BASE = {
    "task_assigned": "mail",
    "task_due": "mail",
    "task_status": "inbox",
    "dossier_status": "mail",
    "dossier_payment": "inbox",
    "dossier_document": "inbox",
    "comment": "inbox",
    "mentioned": "mail",
    "obligation_due": "digest",
    "call_fits": "digest",
    "round_open": "mail",
    "round_reminder": "mail",
    "call_reminder": "mail",
}
ROLE_DEFAULTS: dict[str, dict[str, str]] = {
    "coordinator": _BASE
    | {"dossier_status": "inbox", "obligation_due": "mail", "call_fits": "inbox"},
    "lead": _BASE | {"task_status": "mail"},
    "municipality": dict(_BASE),
    "viewer": {kind: "inbox" for kind in KINDS} | {"mentioned": "mail"},
}

CHANNEL_LABELS = {
    "inbox": _l("In the inbox only"),
    "mail": _l("By e-mail at once"),
    "digest": _l("In the daily digest"),
    "off": _l("Off"),
}

#: Lead times of the daily digest (days ahead) when a person chose none.
LEAD_TIME_DEFAULTS = {"call": 14, "task": 7, "application": 14, "obligation": 7}
LEAD_KIND_LABELS = {
    "call": _l("Call deadlines"),
    "task": _l("Tasks"),
    "application": _l("Submitting dossiers"),
    "obligation": _l("Reporting obligations"),
}

#: Where each kind of object lives (endpoint and its argument).
OBJECT_ENDPOINTS = {
    "application": ("subsidies.application", "application_id"),
    "task": ("work.task", "task_id"),
    "group": ("work.group", "group_id"),
    "call": ("subsidies.call", "call_id"),
    "thread": ("strategy.thread", "thread_id"),
    "round": ("strategy.round", "round_id"),
}


def default_channel(role: str, kind: str) -> str:
    return ROLE_DEFAULTS.get(role, _BASE).get(kind, "inbox")


def object_url(object_type: str, object_id: int, **kw: Any) -> str:
    """The page of the object an event is about."""
    endpoint, argument = OBJECT_ENDPOINTS[object_type]
    return url_for(endpoint, **{argument: object_id}, **kw)


def _detail(kind: str, detail: str) -> str:
    if kind == "task_status":
        return label("task_status", detail)
    if kind == "dossier_status":
        return label("application_status", detail)
    if kind in ("task_due", "obligation_due") and detail:
        try:
            return fmt_date(date.fromisoformat(detail[:10]))
        except ValueError:
            return detail
    return detail


def message(kind: str, title: str, detail: str, actor: str) -> str:
    """What happened, in the current language (a mail forces the recipient's)."""
    values = {"title": title, "detail": _detail(kind, detail), "actor": actor}
    texts = {
        "task_assigned": _("Task “%(title)s” was assigned to you", **values),
        "task_due": _("Task “%(title)s” is now due on %(detail)s", **values),
        "task_status": _("Task “%(title)s” is now: %(detail)s", **values),
        "dossier_status": _("Dossier “%(title)s” is now: %(detail)s", **values),
        "dossier_payment": _("Dossier “%(title)s” got a payment", **values),
        "dossier_document": _(
            "Dossier “%(title)s” got a document: %(detail)s", **values
        ),
        "comment": _("%(actor)s commented on “%(title)s”", **values),
        "mentioned": _("%(actor)s mentioned you on “%(title)s”", **values),
        "obligation_due": _("Reporting for “%(title)s” is due on %(detail)s", **values),
        "call_fits": _("Call “%(title)s” fits your municipality", **values),
        "round_open": _("Scoring round “%(title)s” is open for your ballot", **values),
        "round_reminder": _(
            "Reminder: your ballot for “%(title)s” is not complete yet", **values
        ),
        "call_reminder": _(
            "Reminder: your municipality has not applied for “%(title)s” yet",
            **values,
        ),
    }
    return texts.get(kind, title)
