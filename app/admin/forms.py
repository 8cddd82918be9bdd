"""Forms of the user administration."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, Length, ValidationError

from app.auth.models import MUNICIPAL_ROLES
from app.labels import choices


class UserForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Length(max=254), Email(check_deliverability=False)],
    )
    full_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"))
    municipality_id = SelectField(_l("Municipality"), coerce=int)
    language = SelectField(
        _l("Language"),
        choices=[SelectChoice("nl", "Nederlands"), SelectChoice("en", "English")],
    )
    active = BooleanField(_l("Active (may sign in)"), default=True)

    def __init__(self, municipalities, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = choices("role")
        self.municipality_id.choices = [SelectChoice(0, "—")] + [
            SelectChoice(m.id, m.name) for m in municipalities
        ]

    def validate_municipality_id(self, field):
        if self.role.data in MUNICIPAL_ROLES and not field.data:
            raise ValidationError(_l("This role works for a municipality: choose one."))
