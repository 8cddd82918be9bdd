"""Forms of the municipalities domain: validation lives here."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from app.choices import NoneOrIdField
from app.municipalities.editing import is_merge_target, kbo_number
from app.municipalities.models import Municipality


class MunicipalityForm(FlaskForm):
    name = StringField(
        _l("Name"),
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[DataRequired(message=_l("Enter a name.")), Length(max=120)],
    )
    nis_code = StringField(
        _l("NIS code"),
        filters=[lambda v: (v.strip() or None) if isinstance(v, str) else v],
        validators=[
            Optional(),
            Regexp(r"^\d{5}$", message=_l("A NIS code has exactly 5 digits.")),
        ],
    )
    # The enterprise number an organisation's sign-in sends (app/auth/oidc.py).
    kbo_number = StringField(
        _l("KBO number"),
        filters=[lambda v: (v.strip() or None) if isinstance(v, str) else v],
        validators=[Optional(), Length(max=20)],
    )
    # A search field among hundreds of municipalities, not a select (app/choices.py).
    merged_into_id = NoneOrIdField(_l("Merged into"))
    merged_on = DateField(_l("Merger date"), validators=[Optional()])

    def __init__(self, municipality: Municipality, *args, **kwargs):
        """`municipality`: the one edited (what it may merge into)."""
        super().__init__(*args, **kwargs)
        self.edited = municipality

    def validate_kbo_number(self, field) -> None:
        if field.errors or field.data is None:
            return
        number = kbo_number(field.data)
        if number is None:
            raise ValidationError(
                _l(
                    "A KBO number has 10 digits, starting with 0 or 1, of which the "
                    "last two are the check digits (e.g. 0207.451.227)."
                )
            )
        field.data = number

    def validate_merged_into_id(self, field) -> None:
        if field.errors or field.data is None:
            return
        if not is_merge_target(self.edited, field.data):
            raise ValidationError(_l("Choose a municipality from the matches."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        merging = bool(self.merged_into_id.data)
        if merging and self.merged_on.data is None and not self.merged_on.errors:
            self.merged_on.errors.append(_("Enter the date of the merger."))
            valid = False
        if not merging and self.merged_on.data is not None:
            self.merged_into_id.errors.append(
                _("Choose the municipality it merged into, or clear the date.")
            )
            valid = False
        return valid
