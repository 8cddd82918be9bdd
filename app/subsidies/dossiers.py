"""Applications (dossiers): status moves, generated work, partners, payments.

Every function here validates, changes the session and records activity; the
caller commits. Validation problems come back as {field: message} so a form can
show each message next to its field (HTTP 422) and nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError

from app import clock, signals
from app.activity.log import diff, record
from app.auth import permissions
from app.auth.models import User
from app.extensions import db
from app.formatting import fmt_date, fmt_money, fmt_progress
from app.labels import label
from app.subsidies.calls import _days, deadline_date
from app.subsidies.models import (
    Application,
    ApplicationPartner,
    Payment,
    ReportingObligation,
    SubsidyCall,
)
from app.work.models import Task, WorkingGroup
from app.workdays import add_months, working_day_on_or_before

#: spec §2: the only status moves there are.
MOVES: dict[str, tuple[str, ...]] = {
    "idea": ("preparing", "withdrawn"),
    "preparing": ("submitted", "withdrawn"),
    "submitted": ("granted", "rejected", "withdrawn"),
    "granted": ("reporting",),
    "reporting": ("closed",),
    "rejected": (),
    "withdrawn": (),
    "closed": (),
}
SUBMITTED = ("submitted", "granted", "rejected", "reporting", "closed")
DECIDED = ("granted", "rejected", "reporting", "closed")
GRANTED = ("granted", "reporting", "closed")
#: Payments come in once a grant is decided.
PAYABLE = GRANTED
HUNDRED = Decimal("100")

Errors = dict[str, Any]


def allowed_moves(application: Application) -> tuple[str, ...]:
    return MOVES[application.status]


# --- required fields per status ---------------------------------------------------


def status_problems(status: str, values: dict[str, Any], confirm: bool) -> Errors:
    """What `values` (the dossier's fields after the change) lack for `status`."""
    errors: Errors = {}
    submitted_on = values.get("submitted_on")
    decided_on = values.get("decided_on")
    if status in SUBMITTED and submitted_on is None:
        errors["submitted_on"] = _l(
            "A submitted application needs its submission date."
        )
    if status in DECIDED:
        if decided_on is None:
            errors["decided_on"] = _l("A decision needs the date of the decision.")
        elif submitted_on is not None and decided_on < submitted_on:
            errors["decided_on"] = _l("The decision cannot come before the submission.")
    if status in GRANTED:
        granted = values.get("granted_amount")
        requested = values.get("requested_amount") or Decimal("0")
        if granted is None:
            errors["granted_amount"] = _l("A granted application needs the amount.")
        elif granted > requested and not confirm:
            errors["granted_amount"] = _l(
                "The granted amount is higher than the requested amount: tick the "
                "confirmation if that is right."
            )
    start, end = values.get("project_start"), values.get("project_end")
    if start is not None and end is not None and end < start:
        errors["project_end"] = _l("The project cannot end before it starts.")
    return errors


def _call(values: dict[str, Any]) -> SubsidyCall | None:
    call_id = values.get("call_id")
    return db.session.get(SubsidyCall, call_id) if call_id is not None else None


def _changed(values: dict[str, Any], name: str, application: Application | None):
    """The new value of `name` when it is new or differs from the stored one."""
    value = values.get(name)
    if application is not None and value == getattr(application, name):
        return None
    return value


def submission_problems(
    values: dict[str, Any], application: Application | None = None
) -> Errors:
    """A (new or changed) submission date in the future or after the call's
    deadline needs an explicit reason."""
    submitted_on = _changed(values, "submitted_on", application)
    if submitted_on is None or (values.get("submission_reason") or "").strip():
        return {}
    if submitted_on > clock.today():
        return {
            "submitted_on": _l(
                "The submission date lies in the future: give the reason if that "
                "is right."
            )
        }
    call = _call(values)
    if call is not None and submitted_on > deadline_date(call):
        return {
            "submitted_on": _(
                "The submission date lies after the call's deadline (%(deadline)s): "
                "give the reason if that is right.",
                deadline=fmt_date(deadline_date(call)),
            )
        }
    return {}


def maximum_problems(
    values: dict[str, Any], application: Application | None = None
) -> Errors:
    """A (new or changed) amount above the call's maximum needs a confirmation,
    asked once: the dossier keeps it."""
    if values.get("over_maximum_confirmed") or (
        application is not None and application.over_maximum_confirmed
    ):
        return {}
    call = _call(values)
    maximum = call.max_per_application if call is not None else None
    if maximum is None:
        return {}
    errors: Errors = {}
    for name in ("requested_amount", "granted_amount"):
        amount = _changed(values, name, application)
        if amount is not None and amount > maximum:
            errors[name] = _(
                "%(amount)s is above the call's maximum of %(maximum)s: tick the "
                "confirmation if that is right.",
                amount=fmt_money(amount),
                maximum=fmt_money(maximum),
            )
    return errors


def _over_granted(values: dict[str, Any]) -> bool:
    granted = values.get("granted_amount")
    return granted is not None and granted > (
        values.get("requested_amount") or Decimal("0")
    )


def _above_maximum(values: dict[str, Any]) -> bool:
    call = _call(values)
    maximum = call.max_per_application if call is not None else None
    return maximum is not None and any(
        (values.get(name) or Decimal("0")) > maximum
        for name in ("requested_amount", "granted_amount")
    )


def kept_confirmations(values: dict[str, Any], merged: dict[str, Any]) -> dict:
    """`values` with only the ticked confirmations that confirm something (so a
    stored confirmation means what it says)."""
    kept = dict(values)
    if kept.get("over_grant_confirmed") and not _over_granted(merged):
        kept.pop("over_grant_confirmed")
    if kept.get("over_maximum_confirmed") and not _above_maximum(merged):
        kept.pop("over_maximum_confirmed")
    return kept


def _fields(application: Application) -> dict[str, Any]:
    names = (
        "call_id",
        "submission_reason",
        "submitted_on",
        "decided_on",
        "granted_amount",
        "requested_amount",
        "project_start",
        "project_end",
    )
    return {name: getattr(application, name) for name in names}


# --- status moves -----------------------------------------------------------------


def check_move(
    application: Application,
    target: str,
    values: dict[str, Any],
    confirm: bool,
    confirm_close: bool = False,
) -> Errors:
    """Why `application` cannot move to `target` with `values` ({} when it can).

    `values` may fill submitted_on, decided_on, granted_amount and the project
    dates; empty ones keep what the dossier has. `confirm_close`: the user
    confirmed closing a dossier with an open balance or open obligations.
    """
    allowed = allowed_moves(application)
    if target not in allowed:
        current = label("application_status", application.status)
        wanted = label("application_status", target)
        if not allowed:
            return {
                "status": _(
                    "%(current)s → %(wanted)s is not allowed: %(current)s is final.",
                    current=current,
                    wanted=wanted,
                )
            }
        return {
            "status": _(
                "%(current)s → %(wanted)s is not allowed. From %(current)s the "
                "application can move to: %(allowed)s.",
                current=current,
                wanted=wanted,
                allowed=", ".join(label("application_status", s) for s in allowed),
            )
        }
    merged = _fields(application) | {k: v for k, v in values.items() if v is not None}
    confirm = bool(
        confirm
        or merged.get("over_grant_confirmed")
        or application.over_grant_confirmed
    )
    errors = (
        status_problems(target, merged, confirm)
        | submission_problems(merged, application)
        | maximum_problems(merged, application)
    )
    if target == "granted":
        errors |= project_date_problems(application.call, merged)
    if target == "closed" and not confirm_close:
        errors |= closing_problems(application)
    return errors


def project_date_problems(call: SubsidyCall, values: dict[str, Any]) -> Errors:
    """The project dates a grant needs: those the call's reporting obligations
    count from (its template lines "from start" and "from end")."""
    bases = {item.get("from", "decision") for item in call.reporting_template or []}
    errors: Errors = {}
    if "start" in bases and values.get("project_start") is None:
        errors["project_start"] = _l(
            "The call's reporting obligations count from the project start: give "
            "the project's start date."
        )
    if "end" in bases and values.get("project_end") is None:
        errors["project_end"] = _l(
            "The call's reporting obligations count from the project end: give "
            "the project's end date."
        )
    return errors


def open_obligations(application: Application) -> list[ReportingObligation]:
    return [o for o in application.obligations if o.status == "open"]


def closing_problems(application: Application) -> Errors:
    """Closing a dossier with an open balance or open obligations is confirmed
    first: closing waives those obligations and closes its preparation tasks."""
    balance = money([application])[application.id].open_balance or Decimal("0")
    still_open = len(open_obligations(application))
    if balance <= 0 and not still_open:
        return {}
    return {
        "confirm_close": ngettext(
            "This dossier still has an open balance of %(balance)s and "
            "%(num)s open reporting obligation. Closing waives the open "
            "obligations and closes the open preparation tasks: tick the "
            "confirmation to close it.",
            "This dossier still has an open balance of %(balance)s and "
            "%(num)s open reporting obligations. Closing waives the open "
            "obligations and closes the open preparation tasks: tick the "
            "confirmation to close it.",
            still_open,
            balance=fmt_money(balance),
        )
    }


def move(
    application: Application,
    target: str,
    values: dict[str, Any],
    confirm: bool,
    actor: Any,
    confirm_close: bool = False,
) -> Errors:
    """Move `application` to `target` if allowed; a grant creates its obligations,
    closing waives the open ones and closes the open preparation tasks."""
    errors = check_move(application, target, values, confirm, confirm_close)
    if errors:
        return errors
    filled = {k: v for k, v in values.items() if v is not None}
    filled = kept_confirmations(filled, _fields(application) | filled)
    changes = diff(application, filled | {"status": target})
    application.updated_by_id = getattr(actor, "id", None)
    record(
        "status",
        application,
        changes,
        municipality_id=application.lead_municipality_id,
        actor=actor,
    )
    signals.dossier_changed.send(application, what="status", actor=actor, detail=target)
    if target == "granted":
        create_obligations(application, actor)
    if target == "closed":
        close_open_work(application, actor)
    return {}


def close_open_work(application: Application, actor: Any) -> None:
    """A closed dossier owes nothing more: its open obligations are waived and its
    open preparation tasks done, so they leave deadlines, feeds and digests."""
    for obligation in open_obligations(application):
        _record_update(obligation, {"status": "waived"}, application, actor)
    done = {"status": "done", "progress": 100}
    for task in application.tasks:
        if task.status != "done":
            _record_update(task, done, application, actor)


def _record_update(obj: Any, values: dict, application: Application, actor: Any):
    changes = diff(obj, values)
    if changes:
        record(
            "update",
            obj,
            changes,
            municipality_id=application.lead_municipality_id,
            actor=actor,
        )


# --- create and edit --------------------------------------------------------------


def check_application(
    values: dict[str, Any], confirm: bool, application: Application | None = None
) -> Errors:
    """Problems of the dossier fields for its (current) status."""
    status = application.status if application else "idea"
    confirm = bool(
        confirm
        or values.get("over_grant_confirmed")
        or (application is not None and application.over_grant_confirmed)
    )
    errors = status_problems(status, values, confirm)
    errors |= submission_problems(values, application)
    errors |= maximum_problems(values, application)
    if status not in GRANTED and values.get("granted_amount") is not None:
        granted, requested = values["granted_amount"], values["requested_amount"]
        if granted > requested and not confirm:
            errors["granted_amount"] = _l(
                "The granted amount is higher than the requested amount: tick the "
                "confirmation if that is right."
            )
    reference = values.get("reference")
    if reference:
        taken = db.session.scalar(
            select(Application.id).where(
                Application.reference == reference,
                Application.id != (application.id if application else -1),
            )
        )
        if taken:
            errors["reference"] = _l("Another application has this reference.")
    lead_id = values.get("lead_municipality_id")
    if application is not None and lead_id in {
        p.municipality_id for p in application.partners
    }:
        errors["lead_municipality_id"] = _l("The lead cannot also be a partner.")
    return errors


def create_application(values: dict[str, Any], actor: Any) -> Application:
    """A new dossier (status idea) with the call's preparation tasks."""
    application = Application(status="idea", updated_by_id=getattr(actor, "id", None))
    diff(application, kept_confirmations(values, values))
    db.session.add(application)
    db.session.flush()
    record(
        "create",
        application,
        municipality_id=application.lead_municipality_id,
        actor=actor,
    )
    create_preparation_tasks(application, actor)
    return application


def update_application(
    application: Application, values: dict[str, Any], actor: Any
) -> dict[str, list]:
    """Save the dossier's fields; new dates of a granted dossier re-date its open
    obligations (and create those that waited for a date)."""
    changes = diff(application, kept_confirmations(values, values))
    if changes:
        application.updated_by_id = getattr(actor, "id", None)
        record(
            "update",
            application,
            changes,
            municipality_id=application.lead_municipality_id,
            actor=actor,
        )
    dates = {"decided_on", "project_start", "project_end"}
    if application.status in GRANTED and dates & changes.keys():
        redate_obligations(application, actor)
        create_obligations(application, actor)
    return changes


def update_notes(application: Application, notes: str, actor: Any) -> None:
    changes = diff(application, {"notes": notes})
    if changes:
        application.updated_by_id = getattr(actor, "id", None)
        record(
            "update",
            application,
            changes,
            municipality_id=application.lead_municipality_id,
            actor=actor,
        )


# --- generated work ---------------------------------------------------------------


def preparation_due_date(deadline: date, days_before: int) -> date:
    """The deadline minus `days_before`, moved back to the working day before
    when it falls on a weekend or a Belgian public holiday.

    A date that has already passed is kept as it is: the task then shows as
    overdue, which is exactly what the coordinator needs to see.
    """
    return working_day_on_or_before(deadline - timedelta(days=days_before))


def preparation_group(application: Application) -> WorkingGroup | None:
    """The first working group (by name) of the dossier's theme, if any.

    The tasks then appear on that group's page and in the theme filter of /tasks,
    and the group's leads may edit them; without a theme or group they have none.
    """
    if application.theme_id is None:
        return None
    return db.session.scalar(
        select(WorkingGroup)
        .where(WorkingGroup.theme_id == application.theme_id)
        .order_by(WorkingGroup.name, WorkingGroup.id)
        .limit(1)
    )


def create_preparation_tasks(application: Application, actor: Any) -> list[Task]:
    """One task per line of the call's preparation template, dated from its deadline."""
    call = db.session.get(SubsidyCall, application.call_id)
    deadline = deadline_date(call)
    group = preparation_group(application)
    tasks = []
    for item in call.preparation_template or []:
        task = Task(
            group_id=group.id if group else None,
            title=f"{item['title']} – {application.title}"[:200],
            description=_(
                "Preparation of the application for %(call)s.", call=call.title
            ),
            due_on=preparation_due_date(deadline, int(item["days_before"])),
            assignee_id=application.owner_id,
            municipality_id=application.lead_municipality_id,
            application_id=application.id,
            updated_by_id=getattr(actor, "id", None),
        )
        db.session.add(task)
        record(
            "create",
            task,
            municipality_id=application.lead_municipality_id,
            actor=actor,
        )
        tasks.append(task)
    if tasks and application.owner_id is not None:
        # As any task created with an assignee: the dossier's owner is told
        # (one batch of events, however many lines the template has).
        db.session.flush()
        signals.tasks_changed.send(
            actor,
            changes=[(t, {"assignee_id": [None, t.assignee_id]}) for t in tasks],
        )
    return tasks


#: A yearly reporting line makes at most this many obligations.
MAX_YEARLY = 20


def _yearly(first: date, until: date | None) -> list[date]:
    """`first` and the same day of each next year up to `until` (only `first`
    while the project has no end date)."""
    days = [first]
    while until is not None and len(days) < MAX_YEARLY:
        following = add_months(first, 12 * len(days))
        if following > until:
            break
        days.append(following)
    return days


def reporting_lines(application: Application) -> list[tuple[str, str, date]]:
    """The obligations the call's reporting template asks of this dossier:
    (title, kind, due date before moving to a working day). A yearly line gives
    one per year of the project ("Jaarverslag 2027", "Jaarverslag 2028" …)."""
    bases = {
        "decision": application.decided_on,
        "start": application.project_start,
        "end": application.project_end,
    }
    lines = []
    for item in application.call.reporting_template or []:
        base = bases[item.get("from", "decision")]
        if base is None:
            continue
        first = base + timedelta(days=_days(item))
        if item.get("repeat") == "yearly":
            lines += [
                (f"{item['title']} {day.year}", item["kind"], day)
                for day in _yearly(first, application.project_end)
            ]
        else:
            lines.append((item["title"], item["kind"], first))
    return lines


def obligation_dates(application: Application) -> dict[str, date]:
    """Due date per obligation title of the call's reporting template.

    A line counts its days from the decision, the project start or the project
    end; a line whose base date the dossier does not have yet gets no date. A
    date on a weekend or Belgian public holiday moves back to the working day
    before, and an interim report never falls after the (first) final report.
    """
    lines = reporting_lines(application)
    dates = {title: working_day_on_or_before(due) for title, _kind, due in lines}
    finals = [dates[title] for title, kind, _due in lines if kind == "final"]
    if finals:
        final = min(finals)
        for title, kind, _due in lines:
            if kind == "interim" and dates[title] > final:
                dates[title] = final
    return dates


def create_obligations(
    application: Application, actor: Any
) -> list[ReportingObligation]:
    """The call's reporting template as obligations (titles already there are
    kept; lines without a base date yet wait for it)."""
    existing = {o.title for o in application.obligations}
    dates = obligation_dates(application)
    created = []
    for title, kind, _due in reporting_lines(application):
        if title in existing:
            continue
        obligation = ReportingObligation(
            title=title[:200],
            kind=kind,
            due_on=dates[title],
            owner_id=application.owner_id,
        )
        application.obligations.append(obligation)
        record(
            "create",
            obligation,
            municipality_id=application.lead_municipality_id,
            actor=actor,
        )
        created.append(obligation)
    return created


def redate_obligations(application: Application, actor: Any) -> None:
    """The open obligations of the reporting template dated again from the
    dossier's current dates (done and waived ones keep their dates)."""
    dates = obligation_dates(application)
    for obligation in open_obligations(application):
        due_on = dates.get(obligation.title)
        if due_on is not None:
            _record_update(obligation, {"due_on": due_on}, application, actor)


def add_obligation(
    application: Application, values: dict[str, Any], actor: Any
) -> Errors:
    if any(o.title == values["title"] for o in application.obligations):
        return {"title": _l("This dossier already has an obligation with this title.")}
    obligation = ReportingObligation(owner_id=application.owner_id, **values)
    if obligation.status == "done":
        obligation.done_on = values.get("done_on") or obligation.due_on
    application.obligations.append(obligation)
    record(
        "create",
        obligation,
        municipality_id=application.lead_municipality_id,
        actor=actor,
    )
    return {}


def interim_problems(obligation: ReportingObligation, due_on: date) -> Errors:
    """An interim report never falls after a final report of the same dossier
    (nor a final report before an interim one)."""
    others = [o for o in obligation.application.obligations if o is not obligation]
    if obligation.kind == "interim":
        late = [o for o in others if o.kind == "final" and o.due_on < due_on]
    elif obligation.kind == "final":
        late = [o for o in others if o.kind == "interim" and o.due_on > due_on]
    else:
        late = []
    if not late:
        return {}
    return {
        "due_on": _(
            "An interim report cannot fall after the final report (%(title)s, "
            "%(date)s).",
            title=late[0].title,
            date=fmt_date(late[0].due_on),
        )
    }


def update_obligation(
    obligation: ReportingObligation, values: dict[str, Any], today: date, actor: Any
) -> Errors:
    """Change an obligation's due date or status (done dates itself today)."""
    if values["due_on"] != obligation.due_on:
        errors = interim_problems(obligation, values["due_on"])
        if errors:
            return errors
    if values.get("status") == "done" and obligation.status != "done":
        values["done_on"] = today
    elif values.get("status") in ("open", "waived"):
        values["done_on"] = None
    changes = diff(obligation, values)
    if changes:
        record(
            "update",
            obligation,
            changes,
            municipality_id=obligation.application.lead_municipality_id,
            actor=actor,
        )
    return {}


# --- partners ---------------------------------------------------------------------


def lead_share(application: Application) -> Decimal:
    """The lead holds what the partners' shares leave."""
    return HUNDRED - sum((p.share_pct for p in application.partners), Decimal("0"))


def set_partner(
    application: Application,
    municipality: Any,
    share: Decimal,
    actor: Any,
    *,
    adding: bool = False,
) -> Errors:
    """Add a partner or change its share; the shares may not pass 100% in total.

    `adding`: the user asked to add a partner; one that already is a partner is
    then refused (never overwritten): its share is changed in the partner list."""
    if municipality.id == application.lead_municipality_id:
        return {"municipality_id": _l("The lead cannot also be a partner.")}
    current = next(
        (p for p in application.partners if p.municipality_id == municipality.id), None
    )
    if adding and current is not None:
        return {
            "municipality_id": _(
                "%(name)s is already a partner: change its share in the list.",
                name=municipality.name,
            )
        }
    if current is None and not municipality.is_active:
        return {"municipality_id": _l("A merged municipality gets no new work.")}
    others = sum(
        (p.share_pct for p in application.partners if p is not current), Decimal("0")
    )
    if others + share > HUNDRED:
        return {
            "share_pct": _l(
                "The partners' shares would be %(total)s in total: at most "
                "%(most)s (the lead holds the rest).",
                total=fmt_progress(others + share, 2),
                most=fmt_progress(100),
            )
        }
    if current is None:
        application.partners.append(
            ApplicationPartner(municipality_id=municipality.id, share_pct=share)
        )
        changes = {"share_pct": [None, str(share)]}
        action = "partner_add"
    else:
        changes = diff(current, {"share_pct": share})
        action = "partner_update"
    record(
        action,
        application,
        changes,
        details={"partner": municipality.name},
        municipality_id=application.lead_municipality_id,
        actor=actor,
    )
    return {}


def set_partner_committed(
    application: Application, municipality: Any, share: Decimal, actor: Any
) -> Errors:
    """Add a partner (set_partner with `adding`) and commit. An existing partner is
    refused; but when two requests add the same partner at once, the second meets
    the primary key: it then sees the first one's row and saves as a change of
    share (as concurrent scores do), so neither answer is an error."""
    try:
        errors = set_partner(application, municipality, share, actor, adding=True)
        if not errors:
            db.session.commit()
        return errors
    except IntegrityError:  # at the commit, or at an autoflush before it
        db.session.rollback()  # expires `application`: its partners are read again
    errors = set_partner(application, municipality, share, actor)
    if not errors:
        db.session.commit()
    return errors


def remove_partner(application: Application, partner: ApplicationPartner, actor: Any):
    name = partner.municipality.name
    application.partners.remove(partner)
    # A partner that leaves takes its own contribution with it.
    for contribution in list(application.own_contributions):
        if contribution.municipality_id == partner.municipality_id:
            application.own_contributions.remove(contribution)
    record(
        "partner_remove",
        application,
        {"share_pct": [str(partner.share_pct), None]},
        details={"partner": name},
        municipality_id=application.lead_municipality_id,
        actor=actor,
    )


# --- ownership ----------------------------------------------------------------------


def hand_back_ownership(application: Application, actor: Any) -> list[str]:
    """Whoever owns the dossier or one of its open obligations but may no longer
    open it (a partner removed, the lead changed, their role, municipality or
    account changed) hands it back to the coordinator making the change (to
    nobody, the coordinators' shared list, when no coordinator acts). Each hand
    back is an activity entry; the names of those who lost something are
    returned for the notice to the one making the change."""
    successor = (
        db.session.get(User, actor.id) if permissions.is_coordinator(actor) else None
    )
    lost: list[str] = []
    open_obligations = [o for o in application.obligations if o.status == "open"]
    for holder in (application, *open_obligations):
        person = holder.owner
        if person is None or person is successor:
            continue
        if permissions.can_own_application(person, application):
            continue
        record(
            "owner_returned",
            holder,
            {"owner_id": [person.id, successor.id if successor else None]},
            details={"person": person.full_name},
            municipality_id=application.lead_municipality_id,
            actor=actor,
        )
        holder.owner = successor
        if person.full_name not in lost:
            lost.append(person.full_name)
    return lost


def handed_back_notice(names: list[str]) -> str:
    """What the coordinator is told after a change took a dossier from its owner."""
    return _(
        "%(names)s can no longer open this dossier: what they owned in it is now "
        "yours.",
        names=", ".join(names),
    )


def hand_back_dossiers_of(person: Any, actor: Any) -> list[str]:
    """hand_back_ownership for every dossier `person` owns (or owns an open
    obligation of), after a change to their account: the titles of the dossiers
    they handed back."""
    held = select(ReportingObligation.application_id).where(
        ReportingObligation.owner_id == person.id,
        ReportingObligation.status == "open",
    )
    dossiers = db.session.scalars(
        select(Application)
        .where((Application.owner_id == person.id) | Application.id.in_(held))
        .order_by(Application.title, Application.id)
    ).all()
    return [d.title for d in dossiers if hand_back_ownership(d, actor)]


# --- payments and derived amounts -------------------------------------------------


@dataclass(frozen=True)
class Money:
    """Paid and open balance of one dossier: derived from its payments."""

    granted: Decimal | None
    paid: Decimal

    @property
    def open_balance(self) -> Decimal | None:
        return None if self.granted is None else self.granted - self.paid


def paid_amounts(application_ids: list[int]) -> dict[int, Decimal]:
    """Sum of the payments per application (one query)."""
    if not application_ids:
        return {}
    rows = db.session.execute(
        select(Payment.application_id, func.sum(Payment.amount))
        .where(Payment.application_id.in_(application_ids))
        .group_by(Payment.application_id)
    )
    return {aid: Decimal(total).quantize(Decimal("0.01")) for aid, total in rows}


def money(applications: list[Application]) -> dict[int, Money]:
    """Paid and open balance for each application (one query for all; none for
    those whose payments are loaded already, as on a dossier's page)."""
    loaded = {a.id: a for a in applications if "payments" not in inspect(a).unloaded}
    paid = paid_amounts([a.id for a in applications if a.id not in loaded])
    for aid, a in loaded.items():
        if a.payments:
            total = sum((p.amount for p in a.payments), Decimal("0"))
            paid[aid] = Decimal(total).quantize(Decimal("0.01"))
    return {
        a.id: Money(a.granted_amount, paid.get(a.id, Decimal("0.00")))
        for a in applications
    }


def add_payment(application: Application, values: dict[str, Any], actor: Any) -> Errors:
    if application.status not in PAYABLE:
        return {"amount": _l("Payments come in only after a grant.")}
    paid = paid_amounts([application.id]).get(application.id, Decimal("0"))
    if values["amount"] <= 0:
        return {"amount": _l("A payment is more than zero.")}
    if paid + values["amount"] > (application.granted_amount or Decimal("0")):
        return {
            "amount": _l(
                "With this payment more would be paid than granted (%(granted)s).",
                granted=fmt_money(application.granted_amount),
            )
        }
    payment = Payment(**values)
    application.payments.append(payment)
    record(
        "create",
        payment,
        {
            "paid_on": [None, payment.paid_on.isoformat()],
            "amount": [None, str(payment.amount)],
            "kind": [None, payment.kind],
        },
        label=application.title,
        details={"amount": str(payment.amount)},
        municipality_id=application.lead_municipality_id,
        actor=actor,
    )
    signals.dossier_changed.send(application, what="payment", actor=actor)
    return {}


def delete_payment(payment: Payment, actor: Any) -> None:
    application = payment.application
    record(
        "delete",
        payment,
        {
            "amount": [str(payment.amount), None],
            "paid_on": [str(payment.paid_on), None],
        },
        label=application.title,
        details={"amount": str(payment.amount)},
        municipality_id=application.lead_municipality_id,
        actor=actor,
    )
    application.payments.remove(payment)
    db.session.delete(payment)
