"""Forms of the strategy domain: validation lives here."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from app.choices import IdField, municipality_choice
from app.db import LONG, SHORT
from app.labels import choices

SCORE_RE = re.compile(r"^\d{1,2}$")


def parse_score(raw: object) -> int | None:
    """A whole number from 0 to 10 given as text or number, else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 0 <= raw <= 10 else None
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() and 0 <= raw <= 10 else None
    text = str(raw).strip() if raw is not None else ""
    if SCORE_RE.match(text) and 0 <= int(text) <= 10:
        return int(text)
    return None


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes (the threads a talk raised, the threads of a round)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StepForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=SHORT)])
    period = StringField(_l("Period"), validators=[DataRequired(), Length(max=100)])
    description = TextAreaField(_l("Description"), validators=[Length(max=LONG)])
    status = SelectField(_l("Status"), choices=choices("step_status"))


class ThreadForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=10),
            Regexp(r"^[A-Za-z0-9-]+$", message=_l("Use letters, digits and dashes.")),
        ],
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=SHORT)])
    description = TextAreaField(_l("Description"), validators=[Length(max=LONG)])
    status = SelectField(_l("Status"), choices=choices("thread_status"))


class TalkForm(FlaskForm):
    # A search field among hundreds of municipalities, not a select (app/choices.py):
    # any municipality, merged or not (a talk may be from before the merger).
    municipality_id = IdField(_l("Municipality"), validators=[InputRequired()])
    held_on = DateField(
        _l("Date"),
        validators=[InputRequired(message=_l("Enter a date."))],
    )
    delegation = StringField(_l("Delegation"), validators=[Length(max=500)])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=LONG)])
    thread_ids = CheckboxesField(_l("Threads raised"), coerce=int)

    def __init__(self, threads, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.thread_ids.choices = [
            SelectChoice(t.id, f"{t.code} {t.title}") for t in threads
        ]

    def validate_municipality_id(self, field) -> None:
        if field.data is not None and municipality_choice(field.data) is None:
            raise ValidationError(_l("Choose a municipality from the matches."))


class RoundForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=SHORT)])
    opens_on = DateField(
        _l("Opens on"), validators=[InputRequired(message=_l("Enter a date."))]
    )
    closes_on = DateField(
        _l("Closes on"), validators=[InputRequired(message=_l("Enter a date."))]
    )
    thread_ids = CheckboxesField(_l("Threads asked"), coerce=int)

    def __init__(self, threads, *args, threads_locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.threads_locked = threads_locked
        self.thread_ids.choices = [
            SelectChoice(t.id, f"{t.code} {t.title}") for t in threads
        ]

    def validate_closes_on(self, field):
        if self.opens_on.data and field.data and field.data < self.opens_on.data:
            raise ValidationError(_l("The closing date is before the opening date."))

    def validate_thread_ids(self, field):
        if not self.threads_locked and not field.data:
            raise ValidationError(_l("Choose at least one thread."))


class ScoreForm(FlaskForm):
    """One line of a ballot. An empty score with a comment is "no answer" with that
    comment; an empty score without one is invalid here: clearing is a button."""

    class Meta:
        csrf = False  # the htmx header or the page form carries the token

    value = StringField(_l("Score"))
    comment = StringField(_l("Comment"), validators=[Optional(), Length(max=1000)])

    def validate_value(self, field):
        raw = (field.data or "").strip()
        if not raw and (self.comment.data or "").strip():
            field.data = None  # no answer, with a comment
            return
        if not raw:
            raise ValidationError(_l("Choose a score from 0 to 10."))
        score = parse_score(raw)
        if score is None:
            # gettext, not lazy_gettext: a lazy string carries __html__, so Jinja
            # would not escape the user's text inside it.
            raise ValidationError(
                _("%(value)s is not a score from 0 to 10.", value=raw[:20])
            )
        field.data = score


class ImportForm(FlaskForm):
    round_id = SelectField(_l("Round"), coerce=int, validators=[InputRequired()])
    file = FileField(_l("Score workbook (.xlsx)"))

    def __init__(self, rounds, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.round_id.choices = [SelectChoice(r.id, r.name) for r in rounds]

    def validate_file(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError(_l("Choose a file."))
