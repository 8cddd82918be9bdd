"""Forms of the auth domain."""

from flask import request
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from app.auth.passwords import MAX_LENGTH, MIN_LENGTH, local_words, password_problem

MIN_PASSWORD_LENGTH = MIN_LENGTH
PASSWORD_MESSAGES = {
    "too_short": _l("Use at least %(n)s characters.", n=MIN_LENGTH),
    "too_long": _l("Use at most %(n)s characters.", n=MAX_LENGTH),
    "common": _l("This password is too common or too easy to guess."),
    "common_words": _l(
        "This password is built on one or two common words, months, seasons or "
        "place names with digits or symbols around them: that is what is guessed "
        "first. Choose a sentence of your own of several words."
    ),
    "personal": _l("Do not base your password on your name or email address."),
    "same": _l("Choose a new password that differs from the current one."),
}


def retry_message(seconds: int) -> str:
    """'Try again in N seconds' for a throttled password check."""
    return ngettext(
        "Too many failed attempts. Try again in %(num)s second.",
        "Too many failed attempts. Try again in %(num)s seconds.",
        seconds,
    )


class LoginForm(FlaskForm):
    # autocomplete: password managers and assistive fill-in (WCAG 1.3.5).
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


class ProfileForm(FlaskForm):
    language = SelectField(
        _l("Language"),
        choices=[SelectChoice("nl", "Nederlands"), SelectChoice("en", "English")],
    )


class LanguageSwitchForm(FlaskForm):
    """The menu's language switch: one button per language, back to the page."""

    language = SelectField(
        _l("Language"),
        choices=[SelectChoice("nl", "Nederlands"), SelectChoice("en", "English")],
    )
    next = HiddenField()


class DigestForm(FlaskForm):
    digest = BooleanField(
        _l("Send me a daily e-mail with my overdue and coming deadlines")
    )


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        render_kw={"autocomplete": "new-password"},
        validators=[
            DataRequired(),
            EqualTo("new_password", message=_l("The passwords do not match.")),
        ],
    )

    # On by default: a password change often answers a suspected compromise.
    revoke_tokens = BooleanField(_l("Also revoke all my API tokens"), default=True)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.status = 422  # 429 when the current-password check was throttled

    def validate_new_password(self, field):
        problem = password_problem(
            field.data or "", self.user.email, self.user.full_name, local_words()
        )
        # Compared with the submitted current password (checked and throttled
        # above), never with the stored hash: that would be an unthrottled oracle.
        if (
            not problem
            and not self.current_password.errors
            and field.data == self.current_password.data
        ):
            problem = "same"
        if problem:
            raise ValidationError(PASSWORD_MESSAGES[problem])

    def validate_current_password(self, field):
        from app.auth.service import check_current_password

        right, wait = check_current_password(
            self.user, field.data or "", request.remote_addr or "?"
        )
        if wait:
            self.status = 429
            raise ValidationError(retry_message(wait))
        if not right:
            raise ValidationError(_l("This is not your current password."))
