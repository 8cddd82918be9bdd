"""Forms of the municipalities domain: validation lives here."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

NO_MERGER = 0


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
    merged_into_id = SelectField(
        _l("Merged into"), coerce=int, default=NO_MERGER, validate_choice=True
    )
    merged_on = DateField(_l("Merger date"), validators=[Optional()])

    def __init__(self, targets, *args, **kwargs):
        """`targets`: the municipalities this one may merge into."""
        super().__init__(*args, **kwargs)
        self.merged_into_id.choices = [SelectChoice(NO_MERGER, _("— not merged —"))] + [
            SelectChoice(m.id, m.name) for m in targets
        ]

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
