"""Views of the work domain: themes, working groups, tasks and rollout rows.

Every change answers an htmx request with the fragment it changed and a plain
request with a 303 to the page; 422 re-renders the form with its messages and a
stale version answers 409 (see app.concurrency).
"""

from urllib.parse import urlsplit

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app import clock, pending_imports
from app.archive import delete_blockers
from app.auth import permissions as perm
from app.auth.access import check, regional_pages, requires
from app.choices import person_choice, search_choices
from app.concurrency import EditConflict, conflict_message
from app.extensions import db
from app.municipalities.models import Municipality
from app.paging import page_number
from app.web import is_safe_next, reload_url, wants_fragment
from app.work import bp, task_import
from app.work.bulk import (
    BATCH_MAX,
    BatchConflict,
    BatchTooLarge,
    apply_rollouts,
    apply_task_values,
    apply_tasks,
    load_rollouts,
    load_tasks,
    may_edit_all,
    plan_rollouts,
    plan_tasks,
    refused_starts,
    seen_versions,
    selected_ids,
)
from app.work.forms import (
    ApplyTemplateForm,
    BulkRolloutForm,
    BulkTaskForm,
    GroupForm,
    NewGroupForm,
    RolloutForm,
    TaskForm,
    TaskImportForm,
    TaskProgressForm,
    TaskTemplateForm,
    ThemeStatusForm,
)
from app.work.groups import (
    create_group,
    fill_group_choices,
    group_detail,
    group_form_data,
    load_group,
    name_taken,
    save_group,
)
from app.work.models import Task
from app.work.progress import group_progress
from app.work.recurrence import early_starts, refuse_plan, task_plan
from app.work.task_templates import (
    apply_template,
    create_template,
    delete_template,
    group_templates,
    load_template,
    template_name_taken,
)
from app.work.tasks import (
    TaskFilters,
    create_task,
    delete_task,
    fill_choices,
    filter_options,
    row_options,
    save_task,
    task_query,
    tasks_per_page,
)
from app.work.themes import (
    load_theme,
    rollout_for,
    rollout_version,
    save_rollout,
    set_theme_status,
    theme_detail,
    themes_overview,
)

TASK_COLUMNS = 8
ROLLOUT_COLUMNS = 5


def _back(default: str):
    """303 to the page the form came from (same site only), else `default`."""
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else default, code=303)


def _row_conflict(error: EditConflict, colspan: int):
    """409 for an inline row: the conflict message in a table row."""
    db.session.rollback()
    html = render_template(
        "work/_conflict_row.html",
        colspan=colspan,
        status=409,
        reload_url=reload_url(),
        **conflict_message(error.obj, error.submitted, current_user),
    )
    return html, 409


# --- themes --------------------------------------------------------------------


regional_pages(bp)


@bp.get("/themes")
@requires(perm.can_view_regional)
def themes():
    """Every theme with its groups and progress, and the rollout matrix."""
    number = page_number()
    return render_template("work/themes.html", **themes_overview(number))


@bp.get("/themes/<int:theme_id>")
@requires(perm.can_view_regional)
def theme(theme_id: int):
    """One theme: groups, rollout per municipality, calls, applications, timeline."""
    number = page_number()

    def theme_page() -> dict:
        theme = load_theme(theme_id)
        data = theme_detail(theme, current_user, clock.today(), number)
        form = ThemeStatusForm(formdata=None, status=theme.status)
        return data | {"status_form": form}

    return render_template("work/theme.html", **theme_page())


@bp.post("/themes/<int:theme_id>/status")
@requires(perm.can_edit_theme_status)
def theme_status(theme_id: int):
    """Set a theme active, paused or completed (coordinator)."""
    theme = load_theme(theme_id)
    form = ThemeStatusForm()
    if not form.validate_on_submit():
        data = theme_detail(theme, current_user, clock.today(), page_number())
        return render_template("work/theme.html", status_form=form, **data), 422
    set_theme_status(theme, form.status.data, current_user._get_current_object())
    return redirect(url_for("work.theme", theme_id=theme.id), code=303)


def _rollout(theme_id: int, municipality_id: int):
    return rollout_for(
        load_theme(theme_id), db.get_or_404(Municipality, municipality_id)
    )


def _render_rollout(template: str, rollout, form=None, status: int = 200):
    context = {"rollout": rollout, "form": form}
    if wants_fragment():
        return render_template(f"work/_{template}.html", **context), status
    return render_template("work/rollout.html", **context, editing=form), status


@bp.get("/themes/<int:theme_id>/rollout/<int:municipality_id>")
@requires(perm.can_view_regional)
def rollout(theme_id: int, municipality_id: int):
    """One rollout row (htmx: the table row; otherwise a page with it)."""
    return _render_rollout("rollout_row", _rollout(theme_id, municipality_id))


@bp.get("/themes/<int:theme_id>/rollout/<int:municipality_id>/edit")
@requires(perm.can_view_regional)
def rollout_edit(theme_id: int, municipality_id: int):
    """The form of one rollout row."""
    row = _rollout(theme_id, municipality_id)
    check(perm.can_edit_rollout(current_user, row))
    form = RolloutForm(obj=row)
    form.version.data = rollout_version(row)
    return _render_rollout("rollout_edit_row", row, form)


@bp.post("/themes/<int:theme_id>/rollout/<int:municipality_id>")
@requires(perm.can_view_regional)
def rollout_update(theme_id: int, municipality_id: int):
    """Save the stage and note of one rollout row."""
    row = _rollout(theme_id, municipality_id)
    check(perm.can_edit_rollout(current_user, row))
    form = RolloutForm()
    if not form.validate_on_submit():
        return _render_rollout("rollout_edit_row", row, form, 422)
    try:
        save_rollout(row, form, current_user)
    except EditConflict as error:
        if not wants_fragment():
            raise
        return _row_conflict(error, ROLLOUT_COLUMNS)
    if wants_fragment():
        return render_template("work/_rollout_row.html", rollout=row, saved=True)
    return _back(url_for("work.theme", theme_id=theme_id))


# --- working groups ----------------------------------------------------------------


@bp.get("/groups/<int:group_id>")
@requires(perm.can_view_regional)
def group(group_id: int):
    """A working group: purpose, people, municipalities, its tasks."""
    number = page_number()
    return render_template(
        "work/group.html", **group_detail(load_group(group_id), number, current_user)
    )


def _render_group_form(group, form, status: int = 200):
    template = "work/_group_form.html" if wants_fragment() else "work/group_edit.html"
    return render_template(template, group=group, form=form), status


@bp.get("/groups/<int:group_id>/edit")
@requires(perm.can_view_regional)
def group_edit(group_id: int):
    """The form for the purpose, people and municipalities of a group."""
    group = load_group(group_id)
    check(perm.can_edit_group(current_user, group))
    form = GroupForm(data=group_form_data(group))
    fill_group_choices(form, group, request.values)
    return _render_group_form(group, form)


@bp.route("/themes/<int:theme_id>/groups/new", methods=["GET", "POST"])
@requires(perm.can_manage_themes)
def group_create(theme_id: int):
    """A new working group of a theme (coordinator); then its people."""
    theme = load_theme(theme_id)
    form = NewGroupForm()
    if form.validate_on_submit():
        if name_taken(theme, form.name.data):
            form.name.errors.append(_("This theme has a group with this name already."))
        else:
            group = create_group(theme, form.name.data, form.purpose.data)
            return redirect(url_for("work.group_edit", group_id=group.id), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("work/group_new.html", theme=theme, form=form), status


@bp.post("/groups/<int:group_id>")
@requires(perm.can_view_regional)
def group_update(group_id: int):
    """Save the purpose, people and municipalities of a group."""
    group = load_group(group_id)
    check(perm.can_edit_group(current_user, group))
    form = GroupForm()
    fill_group_choices(form, group, request.values)
    if request.form.get("find"):  # without JavaScript: list the matches, unsaved
        return _render_group_form(group, form)
    may_change_leads = perm.can_change_group_leads(current_user, group)
    if not may_change_leads:
        form.leads.data = [u.id for u in group.leads]  # shown, never taken from input
    if not perm.can_rename_group(current_user) or "name" not in request.form:
        form.name.data = group.name  # likewise; a form without the field keeps it
    valid = form.validate_on_submit()
    if valid and name_taken(group.theme, form.name.data, group.id):
        form.name.errors.append(_("This theme has a group with this name already."))
        valid = False
    if not valid:
        return _render_group_form(group, form, 422)
    save_group(group, form, may_change_leads)
    if wants_fragment():
        return render_template("work/_group_info.html", group=group, saved=True)
    return redirect(url_for("work.group", group_id=group.id), code=303)


# --- tasks -------------------------------------------------------------------------


@bp.get("/tasks")
@requires(perm.can_view_regional)
def tasks():
    """All tasks, filtered and sorted by the query string (bookmarkable)."""
    filters = TaskFilters.from_args(request.args)

    def task_page() -> dict:
        pagination = db.paginate(
            task_query(filters, clock.today(), current_user).options(*row_options()),
            page=page_number(),
            per_page=tasks_per_page(),
            error_out=False,
        )
        return {"filters": filters, "pagination": pagination}

    if wants_fragment() and request.headers.get("HX-Target") == "task-list":
        return render_template("work/_task_list.html", **task_page())
    return render_template(
        "work/tasks.html",
        **task_page(),
        options=filter_options(filters, request.args, current_user),
    )


def _load_task(task_id: int) -> Task:
    task = db.session.scalar(
        db.select(Task)
        .where(Task.id == task_id, perm.visible_tasks(current_user))
        .options(*row_options())
    )
    if task is None:
        abort(404)
    return task


def _task_form(task: Task):
    """The form this user may fill for `task`: every field, status only, or 403."""
    if perm.can_edit_task(current_user, task):
        form = TaskForm(obj=task)
        fill_choices(form, task, request.values)
        return form
    if perm.can_update_task_progress(current_user, task):
        return TaskProgressForm(obj=task)
    check(False)


def _task_home(task: Task) -> str:
    if task.group_id:
        return url_for("work.group", group_id=task.group_id)
    return url_for("work.tasks")


@bp.get("/tasks/<int:task_id>")
@requires(perm.can_view_regional)
def task(task_id: int):
    """One task (htmx: its table row, e.g. after cancelling an edit)."""
    task = _load_task(task_id)
    if wants_fragment():
        return render_template("work/_task_row.html", task=task)
    from app.meetings.meetings import action_point_of

    return render_template(
        "work/task.html",
        task=task,
        action_point=action_point_of(task.id),
        plan=task_plan(task),
    )


def _render_task_form(task: Task, form, status: int = 200):
    if wants_fragment():
        return render_template("work/_task_edit_row.html", task=task, form=form), status
    return render_template("work/task_edit.html", task=task, form=form), status


@bp.get("/tasks/<int:task_id>/edit")
@requires(perm.can_view_regional)
def task_edit(task_id: int):
    """The edit row (htmx) or page of a task, with the fields this user may change."""
    task = _load_task(task_id)
    return _render_task_form(task, _task_form(task))


@bp.post("/tasks/<int:task_id>")
@requires(perm.can_view_regional)
def task_update(task_id: int):
    """Save a task; an assignee's save changes status and progress only."""
    task = _load_task(task_id)
    form = _task_form(task)
    if request.form.get("find"):  # without JavaScript: list the matches, unsaved
        return _render_task_form(task, form)
    if not form.validate_on_submit() or refuse_plan(task, form, clock.today()):
        return _render_task_form(task, form, 422)
    try:
        save_task(task, form, current_user)
    except EditConflict as error:
        if not wants_fragment():
            raise
        return _row_conflict(error, TASK_COLUMNS)
    if wants_fragment():
        row = render_template("work/_task_row.html", task=task, saved=True)
        return row + _group_progress_oob(task.group_id)
    return _back(_task_home(task))


def _group_progress_oob(group_id: int) -> str:
    """The group's "n / m tasks done", out of band, when the change was made on
    the group's page (the only page that shows it)."""
    on_page = urlsplit(request.headers.get("HX-Current-URL", "")).path
    if on_page != url_for("work.group", group_id=group_id):
        return ""
    return render_template(
        "work/_group_progress.html",
        oob=True,
        progress=group_progress([group_id])[group_id],
    )


def _new_task_form(group, fresh: bool = False):
    """The add-task form; `fresh`: empty (the row for the next task after an add),
    not filled from the request that added one."""
    check(perm.can_create_task(current_user, group))
    form = TaskForm(formdata=None) if fresh else TaskForm()
    fill_choices(form, searches={} if fresh else request.values, group_id=group.id)
    return form


def _render_new_task(group, form, status: int = 200):
    if wants_fragment():
        return render_template(
            "work/_task_new_row.html", group=group, form=form
        ), status
    return render_template("work/task_new.html", group=group, form=form), status


@bp.get("/groups/<int:group_id>/tasks/new")
@requires(perm.can_view_regional)
def task_new(group_id: int):
    """An empty task row (htmx) or page for a group."""
    group = load_group(group_id)
    return _render_new_task(group, _new_task_form(group))


@bp.post("/groups/<int:group_id>/tasks")
@requires(perm.can_view_regional)
def task_create(group_id: int):
    """Add a task to a group (htmx: its row, and a fresh row to add the next)."""
    group = load_group(group_id)
    form = _new_task_form(group)
    if request.form.get("find"):  # without JavaScript: list the matches, unsaved
        return _render_new_task(group, form)
    if not form.validate_on_submit() or refuse_plan(Task(), form, clock.today()):
        return _render_new_task(group, form, 422)
    task = _load_task(create_task(group, form, current_user).id)
    if wants_fragment():
        return render_template(
            "work/_task_created.html",
            task=task,
            group=group,
            form=_new_task_form(group, fresh=True),
            progress=group_progress([group.id])[group.id],
        )
    return _back(url_for("work.group", group_id=group.id))


def _deletable_task(task_id: int) -> Task:
    task = _load_task(task_id)
    check(perm.can_edit_task(current_user, task))
    return task


@bp.get("/tasks/<int:task_id>/delete")
@requires(perm.can_view_regional)
def task_delete_confirm(task_id: int):
    """Ask before deleting a task (the page without JavaScript)."""
    task = _deletable_task(task_id)
    return render_template(
        "work/task_delete.html", task=task, blockers=delete_blockers(task)
    )


@bp.post("/tasks/<int:task_id>/delete")
@requires(perm.can_view_regional)
def task_delete(task_id: int):
    """Delete a task (htmx: an empty answer removes its row)."""
    task = _deletable_task(task_id)
    blockers = delete_blockers(task)
    if blockers:  # its documents stay: the page says why (409 changes nothing)
        page = url_for("work.task_delete_confirm", task_id=task.id)
        if wants_fragment():
            return "", 409, {"HX-Redirect": page}
        html = render_template("work/task_delete.html", task=task, blockers=blockers)
        return html, 409
    home, group_id = _task_home(task), task.group_id
    delete_task(task, current_user)
    if wants_fragment():
        return _group_progress_oob(group_id)
    return _back(home)


# --- bulk work ---------------------------------------------------------------------


def _bulk_next(default: str) -> str:
    target = request.form.get("next")
    return target if is_safe_next(target) else default


def _bulk_page(template: str, status: int = 200, **context):
    """The bulk page (full), or its panel (htmx: swapped under the list)."""
    context.setdefault("next_url", _bulk_next(url_for("work.tasks")))
    if wants_fragment():
        return render_template(f"work/_{template}.html", **context), status
    return render_template("work/bulk.html", panel=template, **context), status


def _task_batch(lock: bool = False) -> tuple[list[Task], str | None]:
    """The selected tasks (404: one does not exist for this user; 403: one this
    user may not edit) and the message when the selection itself is not usable."""
    try:
        ids = selected_ids(request.form)
    except BatchTooLarge:
        return [], _("Select at most %(max)s tasks at a time.", max=BATCH_MAX)
    if not ids:
        return [], _("Select at least one task.")
    tasks = load_tasks(ids, current_user, lock=lock)
    if len(tasks) != len(ids):
        abort(404)
    check(may_edit_all(current_user, tasks))
    return tasks, None


def _with_assignee_choices(form: BulkTaskForm) -> BulkTaskForm:
    """The assignee search field: the person picked and the matches typed for."""
    form.assignee_choice = person_choice(form.assignee_id.data)
    form.assignee_matches = search_choices(
        "assignable", request.values.get("assignee_id_search")
    )
    return form


def _bulk_form() -> BulkTaskForm:
    return _with_assignee_choices(BulkTaskForm())


@bp.app_template_global()
def bulk_task_form() -> BulkTaskForm:
    """An empty bulk form for the bar under a list of tasks."""
    return _with_assignee_choices(BulkTaskForm(formdata=None))


@bp.app_template_global()
def bulk_rollout_form() -> BulkRolloutForm:
    """An empty form for the bar under a theme's rollout table."""
    return BulkRolloutForm(formdata=None)


@bp.app_template_test("editable_rollout")
def editable_rollout(rollout) -> bool:
    """A rollout row the signed-in user may change (and so select)."""
    return perm.can_edit_rollout(current_user, rollout)


@bp.app_template_test("editable_task")
def editable_task(task: Task) -> bool:
    """A task the signed-in user may change (and so select for a batch)."""
    return perm.can_edit_task(current_user, task)


@bp.post("/tasks/bulk")
@requires(perm.can_bulk_edit_tasks)
def tasks_bulk():
    """The selected tasks and what would change for each (old → new), to confirm."""
    form = _bulk_form()
    tasks, problem = _task_batch()
    valid = form.validate_on_submit() and not problem
    if request.form.get("find") or not valid:
        status = 200 if request.form.get("find") and not problem else 422
        return _bulk_page(
            "bulk_choose", status, form=form, tasks=tasks, problem=problem
        )
    refused = refused_starts(tasks, form.change())
    if refused:
        return _bulk_page("bulk_choose", 422, form=form, tasks=tasks, refused=refused)
    planned = plan_tasks(tasks, form.change())
    return _bulk_page("bulk_confirm", form=form, planned=planned)


@bp.post("/tasks/bulk/apply")
@requires(perm.can_bulk_edit_tasks)
def tasks_bulk_apply():
    """Apply a confirmed batch in one transaction, or refuse it all (409)."""
    form = _bulk_form()
    tasks, problem = _task_batch(lock=True)
    if problem or not form.validate_on_submit():
        return _bulk_page("bulk_choose", 422, form=form, tasks=tasks, problem=problem)
    refused = refused_starts(tasks, form.change())
    if refused:  # a predecessor reopened since the confirmation page
        db.session.rollback()
        return _bulk_page("bulk_choose", 422, form=form, tasks=tasks, refused=refused)
    seen = seen_versions(request.form, "version_")
    try:
        planned = apply_tasks(tasks, form.change(), seen, current_user)
    except BatchConflict as conflict:
        shown = load_tasks(
            [t.id for t in conflict.objects] or [t.id for t in tasks], current_user
        )
        return _bulk_page("bulk_conflict", 409, conflicts=shown)
    message = ngettext("%(num)s task changed.", "%(num)s tasks changed.", len(planned))
    flash(message, "success")
    target = _bulk_next(url_for("work.tasks"))
    if wants_fragment():
        return "", 204, {"HX-Redirect": target}
    return redirect(target, code=303)


# --- bulk update by Excel ---------------------------------------------------------


def _task_import_page(form: TaskImportForm, status: int = 200):
    return render_template("work/task_import.html", form=form), status


@bp.get("/imports/tasks")
@requires(perm.can_bulk_edit_tasks)
def import_tasks_form():
    """Upload an edited tasks export."""
    return _task_import_page(TaskImportForm())


@bp.post("/imports/tasks")
@requires(perm.can_bulk_edit_tasks)
def import_tasks():
    """Check an edited tasks export: what changes per task and cell, and why rows
    are refused (422) or changed by someone else since the export (409)."""
    form = TaskImportForm()
    if not form.validate():
        return _task_import_page(form, 422)
    upload = form.file.data
    check = task_import.check_file(upload.read(), current_user, upload.filename)
    token = None
    if check.ok and check.changes:
        payload = task_import.pending_payload(check)
        token = pending_imports.keep(task_import.KIND, payload, current_user)
    status = 422 if check.errors else 409 if check.conflicts else 200
    html = render_template("work/task_import_preview.html", check=check, token=token)
    return html, status


@bp.post("/imports/tasks/apply")
@requires(perm.can_bulk_edit_tasks)
def import_tasks_apply():
    """Apply a previewed file: every change in one transaction, or none (409)."""
    data = pending_imports.take(
        task_import.KIND, request.form.get("token", ""), current_user
    )
    if data is None:
        form = TaskImportForm(formdata=None)
        form.file.errors = [
            _("This preview has expired or was used. Upload the file again.")
        ]
        return _task_import_page(form, 422)
    pending = task_import.from_payload(data)
    tasks = load_tasks(pending.values, current_user, lock=True)
    if len(tasks) != len(pending.values) or not may_edit_all(current_user, tasks):
        db.session.rollback()
        return _bulk_page("bulk_conflict", 409, conflicts=tasks)
    refused = early_starts(pending.values, clock.today())
    if refused:  # a predecessor reopened since the preview
        form = TaskImportForm(formdata=None)
        form.file.errors = [
            _("Nothing was changed: these tasks may not start yet."),
            *(
                f"{task.title}: {refused[task.id]}"
                for task in tasks
                if task.id in refused
            ),
        ]
        db.session.rollback()
        return _task_import_page(form, 422)
    try:
        planned = apply_task_values(
            tasks, pending.values, pending.versions, current_user
        )
    except BatchConflict as conflict:
        shown = load_tasks(
            [t.id for t in conflict.objects] or [t.id for t in tasks], current_user
        )
        return _bulk_page("bulk_conflict", 409, conflicts=shown)
    flash(
        ngettext("%(num)s task changed.", "%(num)s tasks changed.", len(planned)),
        "success",
    )
    return redirect(url_for("work.tasks"), code=303)


def _rollout_batch(theme, lock: bool = False) -> tuple[list, str | None]:
    """The selected rollout rows of `theme` (404: an unknown municipality; 403:
    a row this user may not edit, e.g. a merged municipality)."""
    try:
        ids = selected_ids(request.form, "municipality")
    except BatchTooLarge:
        return [], _("Select at most %(max)s municipalities at a time.", max=BATCH_MAX)
    if not ids:
        return [], _("Select at least one municipality.")
    rows = load_rollouts(theme, ids, lock=lock)
    if len(rows) != len(ids):
        abort(404)
    check(all(perm.can_edit_rollout(current_user, row) for row in rows))
    return rows, None


def _rollout_bulk_page(theme, panel: str, status: int = 200, **context):
    context |= {"theme": theme, "panel": panel}
    context.setdefault("next_url", _bulk_next(url_for("work.theme", theme_id=theme.id)))
    if wants_fragment():
        return render_template(f"work/_{panel}.html", **context), status
    return render_template("work/rollout_bulk.html", **context), status


@bp.post("/themes/<int:theme_id>/rollout/bulk")
@requires(perm.can_view_regional)
def rollout_bulk(theme_id: int):
    """One stage for the selected municipalities: what would change, to confirm."""
    theme = load_theme(theme_id)
    check(perm.can_bulk_edit_rollout(current_user, theme))
    form = BulkRolloutForm()
    rows, problem = _rollout_batch(theme)
    if problem or not form.validate_on_submit():
        return _rollout_bulk_page(
            theme, "rollout_bulk_choose", 422, form=form, problem=problem
        )
    planned = plan_rollouts(rows, form.stage.data)
    return _rollout_bulk_page(theme, "rollout_bulk_confirm", form=form, planned=planned)


@bp.post("/themes/<int:theme_id>/rollout/bulk/apply")
@requires(perm.can_view_regional)
def rollout_bulk_apply(theme_id: int):
    """Apply a confirmed stage to every selected row at once, or refuse it all."""
    theme = load_theme(theme_id)
    check(perm.can_bulk_edit_rollout(current_user, theme))
    form = BulkRolloutForm()
    rows, problem = _rollout_batch(theme, lock=True)
    if problem or not form.validate_on_submit():
        return _rollout_bulk_page(
            theme, "rollout_bulk_choose", 422, form=form, problem=problem
        )
    seen = seen_versions(request.form, "version_")
    try:
        planned = apply_rollouts(theme, rows, form.stage.data, seen, current_user)
    except BatchConflict as conflict:
        conflicts = conflict.objects or load_rollouts(
            theme, [r.municipality_id for r in rows]
        )
        return _rollout_bulk_page(
            theme, "rollout_bulk_conflict", 409, conflicts=conflicts
        )
    flash(
        ngettext(
            "%(num)s municipality changed.",
            "%(num)s municipalities changed.",
            len(planned),
        ),
        "success",
    )
    target = _bulk_next(url_for("work.theme", theme_id=theme.id))
    if wants_fragment():
        return "", 204, {"HX-Redirect": target}
    return redirect(target, code=303)


# --- task templates ----------------------------------------------------------------


def _render_templates(group, form=None, apply_form=None, status: int = 200):
    return render_template(
        "work/task_templates.html",
        group=group,
        templates=group_templates(group),
        form=form or TaskTemplateForm(formdata=None),
        apply_form=apply_form or ApplyTemplateForm(formdata=None),
    ), status


@bp.get("/groups/<int:group_id>/templates")
@requires(perm.can_view_regional)
def task_templates(group_id: int):
    """A group's task templates; who may add its tasks keeps and applies them."""
    return _render_templates(load_group(group_id))


@bp.post("/groups/<int:group_id>/templates")
@requires(perm.can_view_regional)
def task_template_create(group_id: int):
    """Add a task template to a group."""
    group = load_group(group_id)
    check(perm.can_create_task(current_user, group))
    form = TaskTemplateForm()
    valid = form.validate_on_submit()
    if valid and template_name_taken(group, form.name.data):
        form.name.errors.append(_("This group has a template with this name already."))
        valid = False
    if not valid:
        return _render_templates(group, form=form, status=422)
    create_template(group, form.name.data, form.items)
    return redirect(url_for("work.task_templates", group_id=group.id), code=303)


@bp.post("/templates/<int:template_id>/apply")
@requires(perm.can_view_regional)
def task_template_apply(template_id: int):
    """Create a template's tasks from a start date, in one transaction."""
    template = load_template(template_id)
    group = load_group(template.group_id)
    check(perm.can_create_task(current_user, group))
    form = ApplyTemplateForm()
    if not form.validate_on_submit():
        form.template_id = template.id
        return _render_templates(group, apply_form=form, status=422)
    tasks = apply_template(template, form.start_on.data, current_user)
    flash(_("%(count)s tasks added.", count=len(tasks)), "success")
    return redirect(url_for("work.group", group_id=group.id), code=303)


@bp.post("/templates/<int:template_id>/delete")
@requires(perm.can_view_regional)
def task_template_delete(template_id: int):
    """Delete a task template (the tasks made from it stay)."""
    template = load_template(template_id)
    group = load_group(template.group_id)
    check(perm.can_edit_group(current_user, group))
    delete_template(template, group)
    return redirect(url_for("work.task_templates", group_id=group.id), code=303)
