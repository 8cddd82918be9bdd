"""The form that names a new API token."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name of the token"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("For example: the spreadsheet of our deadlines."),
    )
