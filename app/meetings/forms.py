"""Forms of forum meetings: a meeting, an agenda item, a note, a task from an
action point."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from app.choices import IdField, check_pick
from app.db import SHORT
from app.extensions import db
from app.labels import choices
from app.work.forms import DATE_FORMATS

NOTE_MAX = 2000
DATE_MESSAGE = _l("Enter a date like 28/11/2026.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _id_choices(rows, none_text=None) -> list[tuple[str, str]]:
    options = [("", none_text)] if none_text is not None else []
    return options + [(str(i), str(text)) for i, text in rows]


def _optional_id(value):
    return int(value) if value not in (None, "") else None


class MeetingForm(FlaskForm):
    forum_id = SelectField(_l("Forum"), validators=[InputRequired()])
    held_on = DateField(
        _l("Date"),
        format=DATE_FORMATS,
        validators=[InputRequired(message=DATE_MESSAGE)],
        invalid_value_message=DATE_MESSAGE,
    )
    title = StringField(_l("Title"), filters=[_strip], validators=[Length(max=SHORT)])
    location = StringField(
        _l("Location"), filters=[_strip], validators=[Length(max=SHORT)]
    )

    def __init__(self, *args, forums=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.forum_id.choices = _id_choices((f.id, f.name) for f in forums)

    def values(self) -> dict:
        return {
            "forum_id": int(self.forum_id.data),
            "held_on": self.held_on.data,
            "title": self.title.data or "",
            "location": self.location.data or "",
        }


class AgendaItemForm(FlaskForm):
    title = StringField(
        _l("Agenda item"),
        filters=[_strip],
        validators=[DataRequired(), Length(max=SHORT)],
    )
    theme_id = SelectField(_l("Theme"), validators=[Optional()])
    call_id = SelectField(_l("Call"), validators=[Optional()])
    thread_id = SelectField(_l("Thread"), validators=[Optional()])
    # A dossier is named by its reference: a field, not a select of hundreds.
    reference = StringField(
        _l("Dossier reference"), filters=[_strip], validators=[Length(max=100)]
    )

    def __init__(self, *args, **kwargs):
        from app.strategy.models import Thread
        from app.subsidies.models import SubsidyCall
        from app.work.models import Theme

        super().__init__(*args, **kwargs)
        none = str(_l("— none —"))
        rows = db.session.execute
        self.theme_id.choices = _id_choices(
            rows(select(Theme.id, Theme.title).order_by(Theme.title)), none
        )
        self.call_id.choices = _id_choices(
            rows(
                select(SubsidyCall.id, SubsidyCall.title)
                .where(SubsidyCall.archived_at.is_(None))
                .order_by(SubsidyCall.deadline_at.desc())
                .limit(50)
            ),
            none,
        )
        self.thread_id.choices = _id_choices(
            (
                (i, f"{code} {title}")
                for i, code, title in rows(
                    select(Thread.id, Thread.code, Thread.title)
                    .where(Thread.archived_at.is_(None))
                    .order_by(Thread.code)
                    .limit(200)
                )
            ),
            none,
        )
        self.application_id = None

    def validate_reference(self, field) -> None:
        from app.subsidies.models import Application

        if not field.data:
            return
        self.application_id = db.session.scalar(
            select(Application.id).where(Application.reference == field.data)
        )
        if self.application_id is None:
            raise ValidationError(_l("No dossier has this reference."))

    def values(self) -> dict:
        return {
            "title": self.title.data,
            "theme_id": _optional_id(self.theme_id.data),
            "call_id": _optional_id(self.call_id.data),
            "thread_id": _optional_id(self.thread_id.data),
            "application_id": self.application_id,
        }


class NoteForm(FlaskForm):
    kind = SelectField(_l("Kind"))
    text = TextAreaField(
        _l("Text"), filters=[_strip], validators=[DataRequired(), Length(max=NOTE_MAX)]
    )
    theme_id = SelectField(_l("Theme"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        from app.work.models import Theme

        super().__init__(*args, **kwargs)
        self.kind.choices = choices("meeting_note_kind")
        self.theme_id.choices = _id_choices(
            db.session.execute(select(Theme.id, Theme.title).order_by(Theme.title)),
            str(_l("— none —")),
        )

    def values(self) -> dict:
        return {
            "kind": self.kind.data,
            "text": self.text.data,
            "theme_id": _optional_id(self.theme_id.data),
        }


class ActionTaskForm(FlaskForm):
    """An action point made a task: group, title, assignee and due date at once."""

    group_id = SelectField(_l("Working group"), validators=[InputRequired()])
    title = StringField(
        _l("Title"),
        filters=[_strip],
        validators=[DataRequired(message=_l("Enter a title.")), Length(max=SHORT)],
    )
    # A search field among thousands of people, not a select (app/choices.py).
    assignee_id = IdField(
        _l("Assignee"), validators=[InputRequired(message=_l("Choose an assignee."))]
    )
    due_on = DateField(
        _l("Due date"),
        format=DATE_FORMATS,
        validators=[InputRequired(message=DATE_MESSAGE)],
        invalid_value_message=DATE_MESSAGE,
    )

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.group_id.choices = _id_choices(
            (g.id, f"{g.name} ({g.theme.title})") for g in groups
        )

    def validate_assignee_id(self, field) -> None:
        check_pick("assignable", field.data)

    def values(self) -> dict:
        return {
            "title": self.title.data,
            "assignee_id": self.assignee_id.data,
            "due_on": self.due_on.data,
        }
