"""Forms of the delivery domain: tasks, rollout rows and working groups."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from app.choices import IdField, check_pick
from app.db import LONG, SHORT
from app.labels import choices
from app.work.models import TASK_STATUSES

#: ISO from `<input type="date">`, and 28/11/2026 typed by hand.
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
NOTE_MAX = 2000


def _id_or_none(value):
    """A select of rows with an empty "none" option: "" is None."""
    if value in ("", None):
        return None
    return int(value)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class TaskProgressForm(FlaskForm):
    """What the assignee of a task may change: status and progress."""

    version = HiddenField()
    status = SelectField(_l("Status"))
    progress = IntegerField(
        _l("Progress (%)"),
        validators=[
            InputRequired(),
            NumberRange(min=0, max=100, message=_l("Enter a number from 0 to 100.")),
        ],
        default=0,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = choices("task_status")  # translated per request

    def values(self) -> dict:
        """The validated values, with `done` meaning complete."""
        progress = 100 if self.status.data == "done" else self.progress.data
        return {"status": self.status.data, "progress": progress}


class TaskForm(TaskProgressForm):
    """Every field of a task (leads of its group and the coordinator)."""

    title = StringField(
        _l("Title"),
        filters=[_strip],
        validators=[DataRequired(), Length(max=SHORT)],
    )
    start_on = DateField(
        _l("Start date"),
        format=DATE_FORMATS,
        validators=[Optional()],
        invalid_value_message=_l("Enter a date like 28/11/2026."),
    )
    due_on = DateField(
        _l("Due date"),
        format=DATE_FORMATS,
        validators=[Optional()],
        invalid_value_message=_l("Enter a date like 28/11/2026."),
    )
    # A search field among thousands of people, not a select (see app/choices.py).
    assignee_id = IdField(_l("Assignee"), validators=[Optional()])
    # A search field among hundreds of municipalities, not a select.
    municipality_id = IdField(_l("Municipality concerned"), validators=[Optional()])
    #: The assignee the task has now: they may stay even if no longer assignable.
    current_assignee_id: int | None = None
    #: The municipality the task concerns now: it may stay even if merged since.
    current_municipality_id: int | None = None

    def validate_assignee_id(self, field) -> None:
        check_pick("assignable", field.data, self.current_assignee_id)

    def validate_municipality_id(self, field) -> None:
        check_pick("workplace", field.data, self.current_municipality_id)

    def validate_start_on(self, field) -> None:
        """A task cannot start after it is due."""
        due = self.due_on.data
        if field.data is not None and due is not None and field.data > due:
            raise ValidationError(_l("The start date cannot be after the due date."))

    # Recurrence and "starts after": on the task's own form page only (the inline
    # row has no room); a form without them leaves them as they are.
    recurrence = SelectField(_l("Repeats"), default="")
    recur_workdays = IntegerField(
        _l("Working days after done"),
        validators=[
            Optional(),
            NumberRange(min=1, max=260, message=_l("Enter a number from 1 to 260.")),
        ],
    )
    after_id = SelectField(_l("Starts after"), coerce=_id_or_none, default=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.recurrence.choices = [("", _l("Does not repeat"))] + choices(
            "task_recurrence"
        )
        self.after_id.choices = [("", _l("No other task"))]

    def validate_recurrence(self, field) -> None:
        if field.data == "workdays" and self.recur_workdays.data is None:
            raise ValidationError(
                _l("Enter after how many working days the task comes back.")
            )

    def values(self) -> dict:
        return {
            "title": self.title.data,
            "start_on": self.start_on.data,
            "due_on": self.due_on.data,
            "assignee_id": self.assignee_id.data,
            "municipality_id": self.municipality_id.data,
            **super().values(),
        }


class RolloutForm(FlaskForm):
    version = HiddenField()
    stage = SelectField(_l("Stage"))
    note = StringField(
        _l("Note"), filters=[_strip], validators=[Length(max=NOTE_MAX)], default=""
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stage.choices = choices("rollout_stage")

    def values(self) -> dict:
        return {"stage": self.stage.data, "note": self.note.data or ""}


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: easier to use than a multiple select."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class NewGroupForm(FlaskForm):
    name = StringField(
        _l("Name"), filters=[_strip], validators=[DataRequired(), Length(max=SHORT)]
    )
    purpose = TextAreaField(
        _l("Purpose"), filters=[_strip], validators=[Length(max=LONG)], default=""
    )


class ThemeStatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=choices("theme_status"))


class GroupForm(FlaskForm):
    # Shown to the coordinator only (permissions.can_rename_group).
    name = StringField(
        _l("Name"), filters=[_strip], validators=[DataRequired(), Length(max=SHORT)]
    )
    purpose = TextAreaField(
        _l("Purpose"), filters=[_strip], validators=[Length(max=LONG)], default=""
    )
    leads = MultiCheckboxField(_l("Leads"), coerce=int)
    members = MultiCheckboxField(_l("Members"), coerce=int)
    municipalities = MultiCheckboxField(_l("Participating municipalities"), coerce=int)


#: A shift of more than a working year is a typo, not a plan.
SHIFT_MAX_DAYS = 260
BULK_ACTIONS = ("shift", "assign", "status")


class BulkTaskForm(FlaskForm):
    """What to do with the selected tasks: shift their dates by N working days,
    give them to someone else, or set their status (see app/work/bulk.py)."""

    action = SelectField(_l("Change"))
    days = StringField(_l("Working days (negative: earlier)"), filters=[_strip])
    # A search field among thousands of people, as on the task form.
    assignee_id = IdField(_l("New assignee"), validators=[Optional()])
    # Checked only when the action is "status" (validate_status).
    status = SelectField(_l("New status"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.action.choices = [
            ("shift", _l("Shift the dates by working days")),
            ("assign", _l("Reassign")),
            ("status", _l("Set the status")),
        ]
        self.status.choices = choices("task_status")

    def validate_days(self, field) -> None:
        if self.action.data != "shift":
            return
        try:
            count = int(field.data or "")
        except ValueError:
            raise ValidationError(
                _l("Enter a whole number of working days, like 3 or -2.")
            ) from None
        if count == 0 or abs(count) > SHIFT_MAX_DAYS:
            raise ValidationError(
                _l(
                    "Enter a number of working days from -%(max)s to %(max)s, not 0.",
                    max=SHIFT_MAX_DAYS,
                )
            )

    def validate_assignee_id(self, field) -> None:
        if self.action.data != "assign":
            return
        if field.data is None:
            raise ValidationError(_l("Choose the person who takes over the tasks."))
        check_pick("assignable", field.data)

    def validate_status(self, field) -> None:
        if self.action.data == "status" and field.data not in TASK_STATUSES:
            raise ValidationError(_l("Choose a status."))

    @property
    def shift_days(self) -> int:
        return int(self.days.data)

    def change(self) -> dict:
        """The validated change, as app.work.bulk.plan_tasks takes it."""
        if self.action.data == "shift":
            return {"action": "shift", "days": self.shift_days}
        if self.action.data == "assign":
            return {"action": "assign", "assignee_id": self.assignee_id.data}
        return {"action": "status", "status": self.status.data}


class BulkRolloutForm(FlaskForm):
    """The stage to set for the selected municipalities of a theme."""

    stage = SelectField(_l("New stage"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stage.choices = choices("rollout_stage")


#: A template's tasks: at most this many lines.
TEMPLATE_LINES = 100
MAX_OFFSET = 1000


def parse_template_lines(text: str) -> tuple[list[tuple[int, str]], list[str]]:
    """The tasks of a template typed one per line as "working days; title"
    (e.g. "5; Send the invitation"): the (offset, title) pairs and the errors."""
    items: list[tuple[int, str]] = []
    errors: list[str] = []
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1)]
    lines = [(n, line) for n, line in lines if line]
    if len(lines) > TEMPLATE_LINES:
        return [], [_l("A template has at most %(count)s tasks.", count=TEMPLATE_LINES)]
    for number, line in lines:
        offset, _sep, title = line.partition(";")
        offset, title = offset.strip(), title.strip()
        if not offset.isdigit() or int(offset) > MAX_OFFSET:
            errors.append(
                _l(
                    "Line %(line)s: “%(value)s” is not a number of working days "
                    "from 0 to %(max)s.",
                    line=number,
                    value=offset[:20],
                    max=MAX_OFFSET,
                )
            )
        elif not title:
            errors.append(_l("Line %(line)s: the title is missing.", line=number))
        elif len(title) > SHORT:
            errors.append(
                _l(
                    "Line %(line)s: the title is longer than %(max)s characters.",
                    line=number,
                    max=SHORT,
                )
            )
        else:
            items.append((int(offset), title))
    return items, errors


class TaskTemplateForm(FlaskForm):
    """A working group's task template: a name and its tasks, one per line."""

    name = StringField(
        _l("Name"), filters=[_strip], validators=[DataRequired(), Length(max=SHORT)]
    )
    lines = TextAreaField(
        _l("Tasks (one per line: working days after the start; title)"),
        validators=[DataRequired(), Length(max=LONG)],
    )
    #: The parsed tasks after validation.
    items: list[tuple[int, str]] = []

    def validate_lines(self, field) -> None:
        self.items, errors = parse_template_lines(field.data or "")
        if errors:
            field.errors = [*field.errors, *errors]
            raise ValidationError(_l("Correct the lines above."))
        if not self.items:
            raise ValidationError(_l("Enter at least one task."))


class ApplyTemplateForm(FlaskForm):
    """The date a template's tasks count their working days from."""

    start_on = DateField(
        _l("Start date"),
        format=DATE_FORMATS,
        validators=[InputRequired(message=_l("Enter a date like 28/11/2026."))],
        invalid_value_message=_l("Enter a date like 28/11/2026."),
    )


class TaskImportForm(FlaskForm):
    """The edited tasks export to check (app.work.task_import)."""

    file = FileField(_l("Tasks workbook (.xlsx)"))

    def validate_file(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError(_l("Choose a file."))
