"""Forms of the subsidies domain (validation lives here and in dossiers.py)."""

from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from app.choices import IdField, NoneOrIdField, check_pick, dossier_scope
from app.db import LONG, SHORT
from app.labels import choices
from app.subsidies.amounts import AmountError, parse_amount
from app.subsidies.calls import TemplateError, parse_preparation, parse_reporting
from app.subsidies.finances import PercentError, parse_percent

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class AmountField(StringField):
    """A euro amount typed as 12.500,00, 12500.00 or € 12 500 (see amounts.py)."""

    def process_formdata(self, valuelist):
        self.raw = valuelist[0] if valuelist else ""
        self.data = None
        if self.raw and self.raw.strip():
            try:
                self.data = parse_amount(self.raw)
            except AmountError as error:
                self.data = None
                raise ValueError(str(error)) from error

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if isinstance(self.data, Decimal):
            return f"{self.data:.2f}"
        return ""


def _none_if_empty(value):
    return None if value in ("", None) else value


def _int_or_none(value):
    if value in ("", None):
        return None
    return int(value)


class CallForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=SHORT)])
    funder = StringField(_l("Funder"), validators=[DataRequired(), Length(max=SHORT)])
    description = TextAreaField(_l("Description"), validators=[Length(max=LONG)])
    url = StringField(
        _l("Link"),
        validators=[
            Optional(),
            URL(require_tld=True),
            # The link becomes an href: only web addresses, never javascript: etc.
            Regexp(
                r"^https?://",
                flags=re.IGNORECASE,
                message=_l("Use a web address that starts with https://."),
            ),
            Length(max=500),
        ],
    )
    opens_at = DateTimeLocalField(
        _l("Opens (Brussels time)"),
        format=DATETIME_FORMAT,
        validators=[InputRequired()],
    )
    deadline_at = DateTimeLocalField(
        _l("Deadline (Brussels time)"),
        format=DATETIME_FORMAT,
        validators=[InputRequired()],
    )
    budget = AmountField(_l("Budget (€)"), validators=[Optional()])
    max_per_application = AmountField(
        _l("Maximum per application (€)"), validators=[Optional()]
    )
    cofinancing_pct = DecimalField(
        _l("Co-financing (%)"),
        places=2,
        validators=[Optional(), NumberRange(min=0, max=100)],
    )
    min_partners = IntegerField(
        _l("Minimum number of partners"),
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=100)],
    )
    themes = SelectMultipleField(_l("Themes it fits"), coerce=int)
    preparation_template = TextAreaField(
        _l(
            "Preparation template: one line per task, "
            "“days before the deadline | title”"
        ),
        validators=[Length(max=LONG)],
    )
    reporting_template = TextAreaField(
        _l(
            "Reporting template: one line per obligation, “from (decision, start or "
            "end) | days | kind | title”, ending in “| yearly” for one every year "
            "until the project's end"
        ),
        validators=[Length(max=LONG)],
    )

    def validate_deadline_at(self, field):
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("The deadline must come after the opening."))

    def validate_preparation_template(self, field):
        try:
            self.preparation_items = parse_preparation(field.data)
        except TemplateError as error:
            raise ValidationError(str(error)) from error

    def validate_reporting_template(self, field):
        try:
            self.reporting_items = parse_reporting(field.data)
        except TemplateError as error:
            raise ValidationError(str(error)) from error


class ApplicationForm(FlaskForm):
    version = HiddenField()
    call_id = SelectField(_l("Call"), coerce=int, validators=[InputRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=SHORT)])
    reference = StringField(_l("Reference"), validators=[Optional(), Length(max=100)])
    theme_id = SelectField(_l("Theme"), coerce=_int_or_none)
    # A search field among hundreds of municipalities, not a select (app/choices.py).
    lead_municipality_id = IdField(
        _l("Lead municipality"), validators=[InputRequired()]
    )
    # A search field among the people who may own it (thousands at Flanders scale).
    owner_id = NoneOrIdField(_l("Owner"), validators=[Optional()])
    requested_amount = AmountField(
        _l("Requested amount (€)"), validators=[InputRequired()]
    )
    granted_amount = AmountField(_l("Granted amount (€)"), validators=[Optional()])
    confirm_over = BooleanField(
        _l("I confirm: the granted amount is higher than the requested amount")
    )
    confirm_maximum = BooleanField(
        _l("I confirm: the amount is above the call's maximum")
    )
    submitted_on = DateField(_l("Submitted on"), validators=[Optional()])
    submission_reason = StringField(
        _l("Reason for a submission date in the future or after the deadline"),
        validators=[Optional(), Length(max=500)],
    )
    decided_on = DateField(_l("Decided on"), validators=[Optional()])
    project_start = DateField(_l("Project start"), validators=[Optional()])
    project_end = DateField(_l("Project end"), validators=[Optional()])

    FIELDS = (
        "call_id",
        "title",
        "reference",
        "theme_id",
        "lead_municipality_id",
        "owner_id",
        "requested_amount",
        "granted_amount",
        "submitted_on",
        "submission_reason",
        "decided_on",
        "project_start",
        "project_end",
    )

    #: The lead the dossier has now: it may stay even if merged since.
    current_lead_id: int | None = None
    #: The owner the dossier has now: they may stay (if they can no longer open
    #: it, saving hands it back: dossiers.hand_back_ownership).
    current_owner_id: int | None = None
    #: The dossier being edited (its partners may own it too); None: a new one.
    application_id: int | None = None

    def validate_lead_municipality_id(self, field) -> None:
        check_pick("workplace", field.data, self.current_lead_id)

    def validate_owner_id(self, field) -> None:
        scope = dossier_scope(self.application_id, self.lead_municipality_id.data)
        check_pick("owner", field.data, self.current_owner_id, scope)

    def set_choices(self, calls, themes) -> None:
        empty = SelectChoice("", "—")
        self.call_id.choices = [SelectChoice(c.id, c.title) for c in calls]
        self.theme_id.choices = [empty] + [SelectChoice(t.id, t.title) for t in themes]

    def values(self) -> dict:
        data = {name: getattr(self, name).data for name in self.FIELDS}
        data["reference"] = _none_if_empty((data["reference"] or "").strip())
        data["title"] = data["title"].strip()
        return data | _reason_and_confirmations(self)


def _reason_and_confirmations(form) -> dict:
    """The submission reason (None when empty) and the ticked confirmations: an
    unticked box never clears a confirmation the dossier keeps."""
    reason = (form.submission_reason.data or "").strip()
    data = {"submission_reason": _none_if_empty(reason)}
    if form.confirm_over.data:
        data["over_grant_confirmed"] = True
    if form.confirm_maximum.data:
        data["over_maximum_confirmed"] = True
    return data


class MoveForm(FlaskForm):
    version = HiddenField()
    status = SelectField(_l("New status"), choices=choices("application_status"))
    submitted_on = DateField(_l("Submitted on"), validators=[Optional()])
    decided_on = DateField(_l("Decided on"), validators=[Optional()])
    granted_amount = AmountField(_l("Granted amount (€)"), validators=[Optional()])
    confirm_over = BooleanField(
        _l("I confirm: the granted amount is higher than the requested amount")
    )
    confirm_maximum = BooleanField(
        _l("I confirm: the amount is above the call's maximum")
    )
    submission_reason = StringField(
        _l("Reason for a submission date in the future or after the deadline"),
        validators=[Optional(), Length(max=500)],
    )
    project_start = DateField(_l("Project start"), validators=[Optional()])
    project_end = DateField(_l("Project end"), validators=[Optional()])
    confirm_close = BooleanField(
        _l(
            "I confirm: close the dossier, waive its open obligations and close its "
            "open preparation tasks"
        )
    )

    def values(self) -> dict:
        return {
            "submitted_on": self.submitted_on.data,
            "decided_on": self.decided_on.data,
            "granted_amount": self.granted_amount.data,
            "project_start": self.project_start.data,
            "project_end": self.project_end.data,
        } | _reason_and_confirmations(self)


class NotesForm(FlaskForm):
    version = HiddenField()
    notes = TextAreaField(_l("Notes"), validators=[Length(max=LONG)])


class PartnerForm(FlaskForm):
    # A search field among hundreds of municipalities, not a select (app/choices.py).
    municipality_id = IdField(_l("Partner municipality"), validators=[InputRequired()])
    share_pct = DecimalField(
        _l("Share (%)"),
        places=2,
        validators=[InputRequired(), NumberRange(min=0, max=100)],
    )

    def validate_municipality_id(self, field) -> None:
        check_pick("workplace", field.data)


class ShareForm(FlaskForm):
    share_pct = DecimalField(
        _l("Share (%)"),
        places=2,
        validators=[InputRequired(), NumberRange(min=0, max=100)],
    )


class ContributionForm(FlaskForm):
    """A municipality's own contribution: an amount or a percentage of its project
    cost; empty clears it."""

    version = HiddenField()
    value = StringField(_l("Own contribution"), validators=[Length(max=40)])
    entered_as = SelectField(
        _l("Entered as"),
        choices=[
            SelectChoice("amount", _l("euro")),
            SelectChoice("percent", _l("percent of the project cost")),
        ],
    )

    def validate_value(self, field) -> None:
        self.parsed = None
        text = (field.data or "").strip()
        if not text:
            return
        try:
            if self.entered_as.data == "percent":
                self.parsed = parse_percent(text)
            else:
                self.parsed = parse_amount(text)
        except (AmountError, PercentError) as error:
            raise ValidationError(str(error)) from error


class BudgetLineForm(FlaskForm):
    """A planned cost; `municipality_id` offers the lead and the partners."""

    kind = SelectField(_l("Kind"), choices=choices("budget_kind"))
    title = StringField(_l("Description"), validators=[DataRequired(), Length(max=200)])
    municipality_id = SelectField(
        _l("Borne by"), coerce=int, validators=[InputRequired()]
    )
    planned_amount = AmountField(_l("Planned amount (€)"), validators=[InputRequired()])

    def values(self) -> dict:
        return {
            "kind": self.kind.data,
            "title": self.title.data.strip(),
            "municipality_id": self.municipality_id.data,
            "planned_amount": self.planned_amount.data,
        }


class BudgetLineUpdateForm(FlaskForm):
    version = HiddenField()
    kind = SelectField(_l("Kind"), choices=choices("budget_kind"))
    title = StringField(_l("Description"), validators=[DataRequired(), Length(max=200)])
    planned_amount = AmountField(_l("Planned amount (€)"), validators=[InputRequired()])

    def values(self) -> dict:
        return {
            "kind": self.kind.data,
            "title": self.title.data.strip(),
            "planned_amount": self.planned_amount.data,
        }


class SpendingForm(FlaskForm):
    """Spending against one of the dossier's lines, optionally with a document."""

    budget_line_id = SelectField(
        _l("Budget line"), coerce=int, validators=[InputRequired()]
    )
    spent_on = DateField(_l("Spent on"), validators=[InputRequired()])
    amount = AmountField(_l("Amount (€)"), validators=[InputRequired()])
    description = StringField(
        _l("Description"), validators=[Optional(), Length(max=300)]
    )
    document_id = SelectField(_l("Document"), coerce=_int_or_none)

    def values(self) -> dict:
        return {
            "spent_on": self.spent_on.data,
            "amount": self.amount.data,
            "description": (self.description.data or "").strip(),
            "document_id": self.document_id.data,
        }


class PaymentForm(FlaskForm):
    paid_on = DateField(_l("Paid on"), validators=[InputRequired()])
    amount = AmountField(_l("Amount (€)"), validators=[InputRequired()])
    kind = SelectField(_l("Kind"), choices=choices("payment_kind"))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class ObligationForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=SHORT)])
    kind = SelectField(_l("Kind"), choices=choices("obligation_kind"))
    due_on = DateField(_l("Due on"), validators=[InputRequired()])
    status = SelectField(_l("Status"), choices=choices("obligation_status"))


class ObligationUpdateForm(FlaskForm):
    due_on = DateField(_l("Due on"), validators=[InputRequired()])
    status = SelectField(_l("Status"), choices=choices("obligation_status"))
