"""The preferences form: a channel per kind, a lead time per deadline kind."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, NumberRange

from app.notifications.kinds import (
    CHANNEL_LABELS,
    KIND_LABELS,
    KINDS,
    LEAD_KIND_LABELS,
)
from app.notifications.models import CHANNELS, LEAD_KINDS

MAX_LEAD_DAYS = 365


class PreferencesForm(FlaskForm):
    """Fields `channel_<kind>` and `lead_<kind>` (added below, one per kind)."""

    def channels(self) -> dict[str, str]:
        return {kind: self[f"channel_{kind}"].data for kind in KINDS}

    def leads(self) -> dict[str, int]:
        return {kind: self[f"lead_{kind}"].data for kind in LEAD_KINDS}

    def channel_fields(self):
        return [self[f"channel_{kind}"] for kind in KINDS]

    def lead_fields(self):
        return [self[f"lead_{kind}"] for kind in LEAD_KINDS]


for _kind in KINDS:
    setattr(
        PreferencesForm,
        f"channel_{_kind}",
        SelectField(
            KIND_LABELS[_kind],
            choices=[SelectChoice(c, CHANNEL_LABELS[c]) for c in CHANNELS],
            validators=[InputRequired()],
        ),
    )
for _kind in LEAD_KINDS:
    setattr(
        PreferencesForm,
        f"lead_{_kind}",
        IntegerField(
            LEAD_KIND_LABELS[_kind],
            validators=[
                InputRequired(_l("Give a number of days.")),
                NumberRange(
                    min=0,
                    max=MAX_LEAD_DAYS,
                    message=_l("Give a number of days from 0 to 365."),
                ),
            ],
        ),
    )
