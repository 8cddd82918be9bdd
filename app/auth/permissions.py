"""Every authorization rule of the product, as small functions (deny by default).

Views call these before acting and templates call them (as `perm.<name>`) to decide
what to show. Objects are duck-typed so this module imports no models at load time.
"""

from __future__ import annotations

from typing import Any

from app.auth.models import Role

# --- who is who -----------------------------------------------------------------


def _signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_signed_in(user: Any) -> bool:
    """One's own account pages (profile, password, sign-out): anyone signed in."""
    return _signed_in(user)


def is_coordinator(user: Any) -> bool:
    return _signed_in(user) and user.role == Role.COORDINATOR


def is_viewer(user: Any) -> bool:
    return _signed_in(user) and user.role == Role.VIEWER


def is_municipal(user: Any) -> bool:
    """A lead or municipality user: someone who acts for one municipality."""
    return _signed_in(user) and user.role in (Role.LEAD, Role.MUNICIPALITY)


def belongs_to(user: Any, municipality_id: int | None) -> bool:
    return (
        is_municipal(user)
        and municipality_id is not None
        and user.municipality_id == municipality_id
    )


def leads_group(user: Any, group: Any) -> bool:
    return (
        _signed_in(user)
        and user.role == Role.LEAD
        and group is not None
        and any(lead.id == user.id for lead in group.leads)
    )


def leads_theme(user: Any, theme: Any) -> bool:
    return any(leads_group(user, group) for group in theme.groups)


# --- edit, archive and delete (coordinator) ----------------------------------


def can_archive(user: Any) -> bool:
    """Archive a call, dossier, round, group, talk or thread: the coordinator."""
    return is_coordinator(user)


def can_restore(user: Any) -> bool:
    """Bring an archived call, dossier, round, group, talk or thread back."""
    return is_coordinator(user)


def can_delete_for_real(user: Any) -> bool:
    """Delete a row nothing refers to (else it is only archived): the coordinator."""
    return is_coordinator(user)


def can_view_archived(user: Any) -> bool:
    """The "Archived" filter of the list pages: everyone who reads regional pages
    (what is in it stays narrowed by the page's own rules)."""
    return _signed_in(user)


def can_edit_municipality(user: Any) -> bool:
    """Name, NIS code and merger of a municipality: the coordinator."""
    return is_coordinator(user)


def can_edit_theme_status(user: Any) -> bool:
    """Set a theme active, paused or completed: the coordinator."""
    return is_coordinator(user)


def can_rename_group(user: Any) -> bool:
    """A working group's name (its purpose is also for its leads): the coordinator."""
    return is_coordinator(user)


# --- regional pages -----------------------------------------------------------


def can_view_regional(user: Any) -> bool:
    """Trajectory, threads, aggregates, themes, groups, tasks, calls: all roles."""
    return _signed_in(user)


def can_administer(user: Any) -> bool:
    """Users, municipalities, trajectory, rounds, themes, calls, imports."""
    return is_coordinator(user)


can_manage_users = can_administer
can_edit_trajectory = can_administer
can_record_conversations = can_administer
can_manage_threads = can_administer
can_manage_rounds = can_administer
can_promote_threads = can_administer
can_manage_themes = can_administer
can_manage_calls = can_administer
can_import_scores = can_administer


def can_set_access(user: Any, target: Any, role: str, active: bool) -> bool:
    """Give `target` a role and active state: nobody removes their own coordinator
    access (the region would be left without anyone to restore it)."""
    if not can_manage_users(user):
        return False
    return target is None or target.id != user.id or (active and role == "coordinator")


# --- scores -----------------------------------------------------------------------


def can_score(user: Any, scoring_round: Any, municipality: Any) -> bool:
    """Enter a score: own municipality (or the coordinator on its behalf), while the
    round is open (and not archived), for a municipality that has not merged away."""
    if scoring_round.status != "open" or not municipality.is_active:
        return False
    if getattr(scoring_round, "archived_at", None) is not None:
        return False
    return is_coordinator(user) or belongs_to(user, municipality.id)


def can_view_scores_of(user: Any, scoring_round: Any, municipality_id: int) -> bool:
    """Individual scores: the coordinator sees all, a municipality its own; nobody
    sees another municipality's scores, open round or closed."""
    return is_coordinator(user) or belongs_to(user, municipality_id)


def can_view_score_matrix(user: Any) -> bool:
    return is_coordinator(user)


def can_view_draft_rounds(user: Any) -> bool:
    """Rounds in draft are for the coordinator only (others get a 404)."""
    return is_coordinator(user)


def ballot_municipality_id(user: Any, chosen_id: int | None) -> int | None:
    """Whose ballot `user` works on: their own municipality's, or for the
    coordinator the municipality chosen in the matrix (to score on its behalf)."""
    if is_coordinator(user):
        return chosen_id
    if is_municipal(user):
        return user.municipality_id
    return None


def can_download_score_template(user: Any) -> bool:
    """The score workbook is the import's format, and only the coordinator imports
    (every column, or the chosen municipality's to hand to it): nobody is offered
    a file they may not upload."""
    return can_import_scores(user)


#: A thread's figures over fewer answers than this would give the answers away
#: (a mean of one answer is that municipality's score).
MIN_RESPONSES_IN_RESULT = 3


def withholds_thread_result(user: Any, responses: int) -> bool:
    """A thread's figures over 1 or 2 answers are for who may see individual
    scores (the coordinator); anyone else (the public too) gets "fewer than 3"."""
    return 0 < responses < MIN_RESPONSES_IN_RESULT and not can_view_score_matrix(user)


def can_view_round_results(user: Any, scoring_round: Any) -> bool:
    """Aggregates are for everyone once a round is closed; during it, coordinators."""
    return _signed_in(user) and (
        scoring_round.status == "closed" or is_coordinator(user)
    )


# --- delivery -----------------------------------------------------------------


def can_edit_group(user: Any, group: Any) -> bool:
    """Purpose, members, municipalities and tasks of a group."""
    return is_coordinator(user) or leads_group(user, group)


def can_create_task(user: Any, group: Any) -> bool:
    """A new task in a group in use (an archived group takes no new work)."""
    if getattr(group, "archived_at", None) is not None:
        return False
    return can_edit_group(user, group)


def can_edit_task(user: Any, task: Any) -> bool:
    """Every field of a task, and deleting it."""
    return is_coordinator(user) or leads_group(user, task.group)


def can_update_task_progress(user: Any, task: Any) -> bool:
    """Status and progress: also the assignee (not a viewer)."""
    return can_edit_task(user, task) or (
        _signed_in(user)
        and not is_viewer(user)
        and task.assignee_id is not None
        and task.assignee_id == user.id
    )


def can_bulk_edit_tasks(user: Any) -> bool:
    """Select tasks and change them together (/tasks/bulk): those who may edit
    every field of some tasks; each task of a batch is checked with can_edit_task."""
    return is_coordinator(user) or (_signed_in(user) and user.role == Role.LEAD)


def can_bulk_edit_rollout(user: Any, theme: Any) -> bool:
    """Set one stage for several municipalities of a theme at once: the
    coordinator and the theme's group leads (each row: can_edit_rollout)."""
    return is_coordinator(user) or leads_theme(user, theme)


def can_edit_rollout(user: Any, rollout: Any) -> bool:
    """Stage and note: coordinator, the theme's group leads, that municipality."""
    if not rollout.municipality.is_active:
        return False
    return (
        is_coordinator(user)
        or leads_theme(user, rollout.theme)
        or belongs_to(user, rollout.municipality_id)
    )


def can_change_group_leads(user: Any, group: Any) -> bool:
    """Who leads a group: the coordinator (a lead edits members, not leads)."""
    return is_coordinator(user)


# --- subsidies -----------------------------------------------------------------


def can_view_applications(user: Any) -> bool:
    """The applications pages at all: viewers see only calls and regional totals."""
    return _signed_in(user) and not is_viewer(user)


def _involved_municipality_ids(application: Any) -> set[int]:
    ids = {application.lead_municipality_id}
    ids.update(p.municipality_id for p in application.partners)
    return ids


def can_view_application(user: Any, application: Any) -> bool:
    if is_coordinator(user):
        return True
    return is_municipal(user) and (
        user.municipality_id in _involved_municipality_ids(application)
    )


def can_own_application(user: Any, application: Any) -> bool:
    """Own a dossier (its deadlines, digests and obligations reach the owner): an
    active person who may open it. Whoever loses that hands it back."""
    return bool(getattr(user, "active", False)) and can_view_application(
        user, application
    )


def may_own_dossier_of(municipality_ids: Any) -> Any:
    """SQL condition on users: who may own a dossier whose lead and partners are
    `municipality_ids` (can_own_application as a query: active coordinators, and
    the active leads and municipality users of those municipalities)."""
    from app.auth.models import MUNICIPAL_ROLES, User

    ids = [i for i in municipality_ids if i is not None]
    return User.active.is_(True) & (
        (User.role == Role.COORDINATOR)
        | (User.role.in_(MUNICIPAL_ROLES) & User.municipality_id.in_(ids))
    )


def can_edit_application_notes(user: Any, application: Any) -> bool:
    return is_coordinator(user) or belongs_to(user, application.lead_municipality_id)


def can_manage_application(user: Any, application: Any = None) -> bool:
    """Create, status, amounts, partners, payments, reporting: coordinator only."""
    return is_coordinator(user)


def can_view_coverage(user: Any) -> bool:
    """Which municipalities have not applied for a call: coordinator only (it
    reveals who applied); a municipality sees only whether it applied itself."""
    return is_coordinator(user)


def application_scope(user: Any) -> str:
    """Who sees the same applications as `user` (the read model's scope):
    "region" (None: every application), "municipality:<id>" or "none"."""
    if user is None or is_coordinator(user):
        return "region"
    if not is_municipal(user):
        return "none"
    return f"municipality:{user.municipality_id}"


def can_view_own_coverage(user: Any) -> bool:
    """Whether one's own municipality has not applied for a call yet."""
    return (
        _signed_in(user)
        and not can_view_coverage(user)
        and user.municipality_id is not None
    )


def involving_municipality(municipality_id: int) -> Any:
    """SQL condition: the application has `municipality_id` as lead or partner."""
    from sqlalchemy import or_, select

    from app.subsidies.models import Application, ApplicationPartner

    partner_of = select(ApplicationPartner.application_id).where(
        ApplicationPartner.municipality_id == municipality_id
    )
    return or_(
        Application.lead_municipality_id == municipality_id,
        Application.id.in_(partner_of),
    )


def visible_applications(user: Any, query: Any) -> Any:
    """Narrow a SELECT of applications to what `user` may see."""
    from sqlalchemy import false

    if is_coordinator(user):
        return query
    if not is_municipal(user):
        return query.where(false())
    return query.where(involving_municipality(user.municipality_id))


def visible_tasks(user: Any) -> Any:
    """SQL condition: the tasks `user` may see, for every task query.

    A task that prepares a dossier (`application_id` set) carries its title,
    municipality and dates: it is seen exactly by those who may see that dossier
    (`visible_applications`); for anyone else it does not exist. Other tasks are
    regional.
    """
    from sqlalchemy import or_, select, true

    from app.subsidies.models import Application
    from app.work.models import Task

    if is_coordinator(user):
        return true()
    return or_(
        Task.application_id.is_(None),
        Task.application_id.in_(visible_applications(user, select(Application.id))),
    )


def in_shared_task_figures() -> Any:
    """SQL condition: the tasks counted in figures every reader shares (progress
    per theme, group and municipality, regional counts). Tasks that prepare a
    dossier are left out for everyone, so such a figure is the same whoever
    reads it and never counts what the reader may not see."""
    from app.work.models import Task

    return Task.application_id.is_(None)


#: An aggregate over fewer private dossiers than this would reveal them.
MIN_DOSSIERS_IN_AGGREGATE = 3


def withholds_aggregate(hidden_dossiers: int) -> bool:
    """An aggregate over dossiers is withheld from a reader when 1 or 2 of the
    dossiers it adds up are ones the reader may not see (it would give away
    their amount or fate); over none (all visible) or 3 and more it is shown."""
    return 0 < hidden_dossiers < MIN_DOSSIERS_IN_AGGREGATE


# --- people and follow-up --------------------------------------------------------


def can_view_activity(user: Any) -> bool:
    """Activity is filtered per entry by the rules above; viewers get none."""
    return _signed_in(user) and not is_viewer(user)


#: Activity about these is regional: every role that sees activity sees it.
PUBLIC_ACTIVITY = (
    "trajectory_step",
    "thread",
    "scoring_round",
    "theme",
    "rollout",
    "working_group",
    "task",
    "subsidy_call",
)
#: Activity about these is private to the municipality it concerns.
MUNICIPAL_ACTIVITY = (
    "score",
    "application",
    "application_partner",
    "payment",
    "reporting_obligation",
)

# Who may read an activity entry is decided when it is written, from what it holds
# (not from the type of object it is about), and stored with it as its audience.
#: Every role that reads activity (no individual values, no private dossier).
AUDIENCE_REGIONAL = "regional"
#: Coordinators and the entry's own municipality: individual values (scores).
AUDIENCE_MUNICIPALITY = "municipality"
#: Coordinators and the municipalities that may open the entry's dossier.
AUDIENCE_DOSSIER = "dossier"
#: Coordinators only (talks, user administration).
AUDIENCE_COORDINATOR = "coordinator"
AUDIENCES = (
    AUDIENCE_REGIONAL,
    AUDIENCE_MUNICIPALITY,
    AUDIENCE_DOSSIER,
    AUDIENCE_COORDINATOR,
)


def activity_audience(
    entity_type: str, municipality_id: int | None, application_id: int | None
) -> str:
    """The default audience of an entry about an object of `entity_type`.

    Anything about a dossier (its tasks included) is for those who may open the
    dossier; a score is for its own municipality; talks and users stay with the
    coordinator. An entry holding another municipality's individual values must be
    recorded with AUDIENCE_MUNICIPALITY explicitly (see app.activity.log.record).
    """
    if application_id is not None:
        return AUDIENCE_DOSSIER
    if entity_type in MUNICIPAL_ACTIVITY:
        return AUDIENCE_MUNICIPALITY if municipality_id else AUDIENCE_COORDINATOR
    if entity_type in PUBLIC_ACTIVITY:
        return AUDIENCE_REGIONAL
    return AUDIENCE_COORDINATOR


def visible_activity(user: Any, query: Any) -> Any:
    """Narrow a SELECT of activity entries to what `user` may read.

    Coordinators read everything. Leads and municipality users read regional
    entries, the entries about their own municipality's individual values, and
    those of the dossiers they may open (as lead or partner); talks and user
    administration stay with the coordinator. Viewers read none.
    """
    from sqlalchemy import and_, false, or_, select

    from app.activity.models import Activity
    from app.subsidies.models import Application

    if is_coordinator(user):
        return query
    if not can_view_activity(user):
        return query.where(false())
    return query.where(
        or_(
            Activity.audience == AUDIENCE_REGIONAL,
            and_(
                Activity.audience == AUDIENCE_MUNICIPALITY,
                Activity.municipality_id == user.municipality_id,
            ),
            and_(
                Activity.audience == AUDIENCE_DOSSIER,
                Activity.application_id.in_(
                    visible_applications(user, select(Application.id))
                ),
            ),
        )
    )


def activity_people(user: Any) -> Any:
    """SQL condition on users: whom `user` may pick in the activity log's "who"
    filter. The coordinator anyone; others only the people who made an entry
    they may read (never the names of all users, deactivated ones included)."""
    from sqlalchemy import select, true

    from app.activity.models import Activity
    from app.auth.models import User

    if is_coordinator(user):
        return true()
    return User.id.in_(visible_activity(user, select(Activity.actor_id)))


def can_assign_work(user: Any) -> bool:
    """Search the people a task may be given to (a task's assignee): those who
    edit tasks, the coordinator and group leads."""
    return is_coordinator(user) or (_signed_in(user) and user.role == Role.LEAD)


def can_read_talk_notes(user: Any) -> bool:
    """The notes of a one-on-one talk: the coordinator who records them, as the
    activity log keeps talks for the coordinator (AUDIENCE_COORDINATOR). Others
    see that a talk took place and which threads it raised."""
    return is_coordinator(user)


def can_use_calendar_feed(user: Any) -> bool:
    return _signed_in(user) and user.active


# --- publication and the API -------------------------------------------------------


def can_publish(user: Any) -> bool:
    """Make a theme, a granted dossier or a closed round's results public (or not)."""
    return is_coordinator(user)


def can_use_api_tokens(user: Any) -> bool:
    """Create, use and revoke personal API tokens: every active signed-in member."""
    return _signed_in(user) and bool(user.active)


def can_revoke_api_token(user: Any, token: Any) -> bool:
    """A token is its owner's alone."""
    return _signed_in(user) and token.user_id == user.id


# --- notifications and following -----------------------------------------------


def can_see_object(user: Any, object_type: str, obj: Any) -> bool:
    """Who receives events about an object and may follow it: an active person
    who may open its page (a dossier's, and its preparation tasks', only those
    who may open the dossier; a draft round only the coordinator)."""
    if not (_signed_in(user) and getattr(user, "active", False)):
        return False
    if object_type == "application":
        return can_view_application(user, obj)
    if object_type == "task" and getattr(obj, "application_id", None) is not None:
        return can_view_application(user, obj.application)
    if object_type == "round" and obj.status == "draft":
        return can_view_draft_rounds(user)
    return can_view_regional(user)


def can_send_reminders(user: Any) -> bool:
    """Remind the municipalities that have not answered a round or not applied
    for a call: the coordinator (who sees those lists)."""
    return is_coordinator(user)


def visible_notifications(user: Any) -> Any:
    """SQL condition on a person's own events: those about a dossier (or a task
    preparing one) they may no longer open (a partner removed) are not shown."""
    from sqlalchemy import and_, or_, select, true

    from app.notifications.models import Notification
    from app.subsidies.models import Application
    from app.work.models import Task

    if is_coordinator(user):
        return true()
    dossiers = visible_applications(user, select(Application.id))
    hidden_tasks = select(Task.id).where(
        Task.application_id.is_not(None), Task.application_id.not_in(dossiers)
    )
    return or_(
        Notification.object_type.not_in(("application", "task")),
        and_(
            Notification.object_type == "application",
            Notification.object_id.in_(dossiers),
        ),
        and_(
            Notification.object_type == "task",
            Notification.object_id.not_in(hidden_tasks),
        ),
    )


# --- comments -----------------------------------------------------------------------


def _may_see_task(user: Any, task: Any) -> bool:
    """A task as `visible_tasks` decides, for one loaded task."""
    if task.application_id is None:
        return can_view_regional(user)
    return can_view_application(user, task.application)


def can_view_comments(user: Any, segment: str, target: Any) -> bool:
    """A dossier's, task's or thread's comments: whoever may open the object (a
    dossier's comments only for who may open the dossier)."""
    if segment == "applications":
        return can_view_application(user, target)
    if segment == "tasks":
        return _may_see_task(user, target)
    return can_view_regional(user)


def comment_target_archived(segment: str, target: Any) -> bool:
    """A dossier or thread archived, or a task whose group or dossier is: its
    comments are archived with it (no new ones; out of search and the API)."""
    if segment == "tasks":
        group, dossier = target.group, target.application
        return any(
            getattr(o, "archived_at", None) is not None for o in (group, dossier)
        )
    return getattr(target, "archived_at", None) is not None


def can_comment(user: Any, segment: str, target: Any) -> bool:
    """Post a comment: everyone who may see the object except viewers (read-only
    observers), while the object is in use (an archived one takes none)."""
    return (
        not is_viewer(user)
        and can_view_comments(user, segment, target)
        and not comment_target_archived(segment, target)
    )


def can_edit_comment(user: Any, comment: Any) -> bool:
    """Change a comment's text: its author only (nobody puts words in another's
    mouth, the coordinator neither)."""
    return (
        _signed_in(user)
        and not is_viewer(user)
        and comment.author_id is not None
        and comment.author_id == user.id
    )


def can_delete_comment(user: Any, comment: Any) -> bool:
    """Delete a comment: its author, and the coordinator (moderation)."""
    return is_coordinator(user) or can_edit_comment(user, comment)


def mentionable(segment: str, target: Any) -> Any:
    """SQL condition on users: whom a comment on `target` may mention, the active
    people who may see it (a dossier's, or a dossier task's: `may_own_dossier_of`
    its lead and partners; anything regional: every active member)."""
    from app.auth.models import User

    dossier = target if segment == "applications" else None
    if segment == "tasks" and target.application_id is not None:
        dossier = target.application
    if dossier is None:
        return User.active.is_(True)
    return may_own_dossier_of(_involved_municipality_ids(dossier))


def visible_comments(user: Any) -> Any:
    """SQL condition on Comment: the comments `user` may read (those of the
    dossiers, tasks and threads they may see)."""
    from sqlalchemy import false, or_, select, true

    from app.comments.models import Comment
    from app.subsidies.models import Application
    from app.work.models import Task

    if is_coordinator(user):
        return true()
    if not can_view_regional(user):
        return false()
    return or_(
        Comment.thread_id.is_not(None),
        Comment.application_id.in_(visible_applications(user, select(Application.id))),
        Comment.task_id.in_(select(Task.id).where(visible_tasks(user))),
    )


# --- forum meetings --------------------------------------------------------------


def can_manage_meetings(user: Any) -> bool:
    """Plan a forum meeting, its agenda, and record its decisions and action
    points: the coordinator."""
    return is_coordinator(user)


def can_turn_action_into_task(user: Any, group: Any) -> bool:
    """Make an action point a task of `group`: who records meetings and may add
    tasks to that group."""
    return can_manage_meetings(user) and can_create_task(user, group)


def agenda_condition(user: Any) -> Any:
    """SQL condition: the agenda items `user` may read. An item about a dossier
    carries its name and fate, so it is shown exactly to those who may open that
    dossier (`visible_applications`); other items are for every reader."""
    from sqlalchemy import or_, select, true

    from app.meetings.models import AgendaItem
    from app.subsidies.models import Application

    if is_coordinator(user):
        return true()
    return or_(
        AgendaItem.application_id.is_(None),
        AgendaItem.application_id.in_(
            visible_applications(user, select(Application.id))
        ),
    )


# --- documents (issue 28 item 6) -----------------------------------------------------


def can_view_documents(user: Any, owner_type: str, owner: Any) -> bool:
    """See and download the documents of a dossier, call, talk, task or meeting:
    who may open what they belong to (a dossier's, and a task's that prepares a
    dossier, only who may open that dossier; a talk's, like its notes, only
    `can_read_talk_notes`)."""
    if owner_type == "application":
        return can_view_application(user, owner)
    if owner_type == "task":
        return _may_see_task(user, owner)
    if owner_type == "conversation":
        return can_read_talk_notes(user)
    return can_view_regional(user)


def can_manage_documents(user: Any, owner_type: str, owner: Any) -> bool:
    """Upload and remove the documents of an object: who may edit it (a dossier's
    who manages dossiers, a call's who manages calls, a talk's who records talks,
    a task's who edits every field of it, a meeting's who records meetings)."""
    if not can_view_documents(user, owner_type, owner):
        return False
    if owner_type == "application":
        return can_manage_application(user, owner)
    if owner_type == "task":
        return can_edit_task(user, owner)
    if owner_type == "subsidy_call":
        return can_manage_calls(user)
    if owner_type == "conversation":
        return can_record_conversations(user)
    if owner_type == "meeting":
        return can_manage_meetings(user)
    return False


def visible_documents(user: Any) -> Any:
    """SQL condition on Document: the documents `user` may see and find
    (`can_view_documents` as a query)."""
    from sqlalchemy import false, or_, select, true

    from app.documents.models import Document
    from app.subsidies.models import Application
    from app.work.models import Task

    if is_coordinator(user):
        return true()
    if not can_view_regional(user):
        return false()
    conditions = [
        Document.call_id.is_not(None),
        Document.meeting_id.is_not(None),
        Document.task_id.in_(select(Task.id).where(visible_tasks(user))),
    ]
    if can_view_applications(user):
        conditions.append(
            Document.application_id.in_(
                visible_applications(user, select(Application.id))
            )
        )
    if can_read_talk_notes(user):
        conditions.append(Document.conversation_id.is_not(None))
    return or_(*conditions)
