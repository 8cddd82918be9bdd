"""Translated labels of every enumerated value, for templates and exports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.fields import SelectChoice

from app.i18n import language_cache

LABELS = {
    "role": {
        "coordinator": _l("Coordinator"),
        "lead": _l("Working-group lead"),
        "municipality": _l("Municipality"),
        "viewer": _l("Viewer"),
    },
    "step_status": {
        "planned": _l("Planned"),
        "in_progress": _l("In progress"),
        "done": _l("Done"),
    },
    "task_recurrence": {
        "monthly": _l("Every month"),
        "quarterly": _l("Every quarter"),
        "yearly": _l("Every year"),
        "workdays": _l("A number of working days after done"),
    },
    "thread_status": {
        "candidate": _l("Candidate"),
        "selected": _l("Selected"),
        "parked": _l("Parked"),
    },
    "round_status": {
        "draft": _l("Draft"),
        "open": _l("Open"),
        "closed": _l("Closed"),
    },
    "theme_status": {
        "active": _l("Active"),
        "paused": _l("Paused"),
        "completed": _l("Completed"),
    },
    "rollout_stage": {
        "not_participating": _l("Not participating"),
        "not_started": _l("Not started"),
        "exploring": _l("Exploring"),
        "preparing": _l("Preparing"),
        "implementing": _l("Implementing"),
        "live": _l("Live"),
    },
    "meeting_note_kind": {
        "decision": _l("Decision"),
        "action": _l("Action point"),
    },
    "task_status": {
        "todo": _l("To do"),
        "in_progress": _l("In progress"),
        "blocked": _l("Blocked"),
        "done": _l("Done"),
    },
    "application_status": {
        "idea": _l("Idea"),
        "preparing": _l("In preparation"),
        "submitted": _l("Submitted"),
        "granted": _l("Granted"),
        "rejected": _l("Rejected"),
        "withdrawn": _l("Withdrawn"),
        "reporting": _l("Reporting"),
        "closed": _l("Closed"),
    },
    "payment_kind": {"advance": _l("Advance"), "balance": _l("Balance")},
    "obligation_kind": {
        "advance": _l("Advance payment"),
        "interim": _l("Interim report"),
        "final": _l("Final report"),
        "financial": _l("Financial report"),
        "balance": _l("Balance payment"),
    },
    "budget_kind": {
        "personnel": _l("Personnel"),
        "external_services": _l("External services"),
        "equipment": _l("Equipment and licences"),
        "other": _l("Other costs"),
    },
    "obligation_status": {
        "open": _l("Open"),
        "done": _l("Done"),
        "waived": _l("Waived"),
    },
    "entity": {
        "trajectory_step": _l("Trajectory step"),
        "thread": _l("Thread"),
        "conversation": _l("Talk"),
        "scoring_round": _l("Scoring round"),
        "score": _l("Score"),
        "theme": _l("Theme"),
        "rollout": _l("Rollout"),
        "working_group": _l("Working group"),
        "task": _l("Task"),
        "subsidy_call": _l("Call"),
        "application": _l("Application"),
        "application_partner": _l("Partner"),
        "payment": _l("Payment"),
        "own_contribution": _l("Own contribution"),
        "budget_line": _l("Budget line"),
        "spending": _l("Spending"),
        "reporting_obligation": _l("Reporting obligation"),
        "document": _l("Document"),
        "user_account": _l("User"),
        "municipality": _l("Municipality"),
    },
    "document_kind": {
        "approval_letter": _l("Approval letter"),
        "report": _l("Report"),
        "annex": _l("Annex"),
        "regulations": _l("Regulations"),
        "notes": _l("Notes"),
        "deliverable": _l("Deliverable"),
        "minutes": _l("Minutes"),
    },
    "deadline_kind": {
        "task": _l("Task"),
        "call": _l("Call deadline"),
        "application": _l("Submit application"),
        "obligation": _l("Reporting"),
    },
    "call_status": {
        "upcoming": _l("Upcoming"),
        "open": _l("Open"),
        "closed": _l("Closed"),
    },
}


def label(kind: str, value: str | None) -> str:
    """The translated label of an enumerated value (the value itself if unknown)."""
    if value is None:
        return ""
    translated = _translated(kind)
    if translated is None:  # outside an app: no language to keep them for
        return str(LABELS.get(kind, {}).get(value, value))
    return translated.get(value) or str(value)


def _translated(kind: str) -> dict[str, str] | None:
    """The labels of `kind` in the context's language, translated once per app
    and language (a page shows hundreds: a lazy string looks its catalog up on
    every call)."""
    cache = language_cache()
    if cache is None:
        return None
    key = ("labels", kind)
    translated = cache.get(key)
    if translated is None:
        labels = LABELS.get(kind, {})
        translated = cache[key] = {value: str(text) for value, text in labels.items()}
    return translated


def choices(kind: str) -> list[SelectChoice]:
    """The options of a select field for an enumerated value.

    The labels stay lazy: a form class built at import time still shows each
    option in the language of the request that renders it.
    """
    return [SelectChoice(value, text) for value, text in LABELS[kind].items()]
