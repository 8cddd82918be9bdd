"""Views of forum meetings: list, meeting, pack (page and workbook), minutes."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from app import clock
from app.auth import permissions as perm
from app.auth.access import check, regional_pages, requires
from app.choices import person_search
from app.extensions import db
from app.meetings import bp
from app.meetings.forms import ActionTaskForm, AgendaItemForm, MeetingForm, NoteForm
from app.meetings.meetings import (
    add_agenda_item,
    add_note,
    create_meeting,
    forums,
    load_meeting,
    meeting_list,
    meeting_notes,
    turn_into_task,
    usable_groups,
)
from app.meetings.models import MeetingNote
from app.meetings.pack import agenda, meeting_pack
from app.meetings.workbook import pack_workbook
from app.work.models import WorkingGroup

regional_pages(bp)


def _user():
    return current_user._get_current_object()


def _see_other(endpoint: str, **values):
    return redirect(url_for(endpoint, **values), code=303)


def _render_index(form: MeetingForm | None, status: int = 200):
    data = meeting_list(clock.today())
    return render_template("meetings/index.html", form=form, **data), status


@bp.get("/meetings")
@requires(perm.can_view_regional)
def index():
    """The forums' next and latest meetings."""
    form = MeetingForm(forums=forums()) if perm.can_manage_meetings(_user()) else None
    return _render_index(form)


@bp.post("/meetings")
@requires(perm.can_manage_meetings)
def create():
    """Plan a meeting of a forum (coordinator)."""
    form = MeetingForm(forums=forums())
    if not form.validate_on_submit():
        return _render_index(form, 422)
    meeting = create_meeting(form.values(), _user())
    return _see_other("meetings.detail", meeting_id=meeting.id)


def _render_detail(meeting, status: int = 200, **forms):
    manages = perm.can_manage_meetings(_user())
    if manages:
        forms.setdefault("agenda_form", AgendaItemForm(formdata=None))
        forms.setdefault("note_form", NoteForm(formdata=None))
    html = render_template(
        "meetings/meeting.html",
        meeting=meeting,
        agenda=agenda(meeting, _user()),
        notes=meeting_notes(meeting),
        manages=manages,
        **forms,
    )
    return html, status


@bp.get("/meetings/<int:meeting_id>")
@requires(perm.can_view_regional)
def detail(meeting_id: int):
    """A meeting: agenda, decisions and action points, the pack's links."""
    return _render_detail(load_meeting(meeting_id))


@bp.post("/meetings/<int:meeting_id>/agenda")
@requires(perm.can_manage_meetings)
def agenda_add(meeting_id: int):
    """Add an item to a meeting's agenda (coordinator)."""
    meeting = load_meeting(meeting_id)
    form = AgendaItemForm()
    if not form.validate_on_submit():
        return _render_detail(meeting, 422, agenda_form=form)
    add_agenda_item(meeting, form.values())
    return _see_other("meetings.detail", meeting_id=meeting.id)


@bp.post("/meetings/<int:meeting_id>/notes")
@requires(perm.can_manage_meetings)
def note_add(meeting_id: int):
    """Record a decision or an action point (coordinator)."""
    meeting = load_meeting(meeting_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _render_detail(meeting, 422, note_form=form)
    add_note(meeting, form.values(), _user())
    return _see_other("meetings.detail", meeting_id=meeting.id)


def _action_point(meeting_id: int, note_id: int) -> MeetingNote:
    note = db.get_or_404(MeetingNote, note_id)
    if note.meeting_id != meeting_id or note.kind != "action":
        abort(404)
    return note


def _render_task_form(note, form, status: int = 200):
    form.assignee_search = person_search(form.assignee_id, request.values)
    html = render_template("meetings/action_task.html", note=note, form=form)
    return html, status


@bp.route(
    "/meetings/<int:meeting_id>/actions/<int:note_id>/task", methods=["GET", "POST"]
)
@requires(perm.can_manage_meetings)
def action_task(meeting_id: int, note_id: int):
    """Turn an action point into a task with an assignee and a due date."""
    note = _action_point(meeting_id, note_id)
    if note.task_id is not None:
        return _see_other("meetings.detail", meeting_id=meeting_id)
    form = ActionTaskForm(groups=usable_groups())
    if request.method == "GET":
        form.title.data = note.text[:200]
        return _render_task_form(note, form)
    if request.form.get("find"):  # without JavaScript: list the matches, unsaved
        return _render_task_form(note, form)
    if not form.validate_on_submit():
        return _render_task_form(note, form, 422)
    group = db.get_or_404(WorkingGroup, int(form.group_id.data))
    check(perm.can_turn_action_into_task(_user(), group))
    turn_into_task(note, group, form.values(), _user())
    return _see_other("meetings.detail", meeting_id=meeting_id)


@bp.get("/meetings/<int:meeting_id>/pack")
@requires(perm.can_view_regional)
def pack(meeting_id: int):
    """The meeting's pack as a print-ready page (the browser makes the PDF)."""
    meeting = load_meeting(meeting_id)
    return render_template(
        "meetings/pack.html", pack=meeting_pack(meeting, _user(), clock.today())
    )


@bp.get("/meetings/<int:meeting_id>/pack.xlsx")
@requires(perm.can_view_regional)
def pack_xlsx(meeting_id: int):
    """The meeting's pack as a workbook."""
    from app.exports.excel import download

    meeting = load_meeting(meeting_id)
    workbook = pack_workbook(meeting_pack(meeting, _user(), clock.today()))
    return download(workbook, f"pack-{meeting.held_on.isoformat()}.xlsx")
