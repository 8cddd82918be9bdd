"""Forms of the user administration."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, Length, ValidationError

from app.auth.models import MUNICIPAL_ROLES
from app.choices import NoneOrIdField, municipality_choice
from app.labels import choices


class UserForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Length(max=254), Email(check_deliverability=False)],
    )
    full_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"))
    # A search field among hundreds of municipalities, not a select (app/choices.py).
    municipality_id = NoneOrIdField(_l("Municipality"))
    language = SelectField(
        _l("Language"),
        choices=[SelectChoice("nl", "Nederlands"), SelectChoice("en", "English")],
    )
    active = BooleanField(_l("Active (may sign in)"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = choices("role")

    def validate_municipality_id(self, field):
        if field.errors:  # not a number: said already
            return
        if self.role.data in MUNICIPAL_ROLES and not field.data:
            raise ValidationError(_l("This role works for a municipality: choose one."))
        if field.data and municipality_choice(field.data) is None:
            raise ValidationError(_l("Choose a municipality from the matches."))
