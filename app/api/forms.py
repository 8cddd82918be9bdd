"""The form that names a new API token and chooses how long it lives."""

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length

from app.api.tokens import DEFAULT_LIFETIME, LIFETIMES


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name of the token"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("For example: the spreadsheet of our deadlines."),
    )
    lifetime = SelectField(_l("Valid for"), coerce=int, default=DEFAULT_LIFETIME)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lifetime.choices = [
            SelectChoice(days, ngettext("%(num)s day", "%(num)s days", days))
            for days in LIFETIMES
        ]
