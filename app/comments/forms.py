"""The form of a comment: its text and the people it mentions."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from app.db import LONG


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class MentionsField(SelectMultipleField):
    """The people a comment mentions, as checkboxes (picked with the search field;
    app.comments.comments checks that each may see the object)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, coerce=int, validate_choice=False, **kwargs)

    def process_formdata(self, valuelist):
        # Anything that is not a plain id (a forged value) is nobody.
        self.data = [int(v) for v in valuelist if v.isdigit() and len(v) <= 9]


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Comment"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Write a comment.")),
            Length(max=LONG),
        ],
    )
    mentions = MentionsField(_l("Mention"))
