"""Sign-in, sign-out and the user's own profile."""

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import bp, oidc, permissions, service
from app.auth.access import public, requires
from app.auth.forms import (
    DigestForm,
    LanguageSwitchForm,
    LoginForm,
    PasswordForm,
    ProfileForm,
    retry_message,
)
from app.deadlines.reminders import set_digest
from app.extensions import db
from app.http_cache import no_store
from app.web import is_safe_next


def _render_login(form, status=200, refusal=None):
    # The password form: while local sign-in is on, or for the break-glass
    # account at /login?local=1 (not linked: the admin knows it).
    show_form = oidc.local_login_enabled() or bool(request.args.get("local"))
    html = render_template(
        "auth/login.html",
        form=form,
        show_form=show_form,
        providers=oidc.providers(),
        refusal=refusal,
    )
    return html, status


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Sign in with email and password, or choose an organisation's sign-in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        if not oidc.may_use_password(form.email.data):
            service.refuse_password_login(form.email.data, request.remote_addr or "?")
            form.password.errors.append(_("Unknown email address or wrong password."))
            return _render_login(form, status)
        outcome, user, wait = service.attempt_login(
            form.email.data, form.password.data, request.remote_addr or "?"
        )
        if user is not None:
            service.sign_in(user, remember=form.remember.data)
            target = request.args.get("next")
            return redirect(
                target if is_safe_next(target) else url_for("main.dashboard")
            )
        if outcome == "throttled":
            status = 429
            form.password.errors.append(retry_message(wait))
        else:
            form.password.errors.append(_("Unknown email address or wrong password."))
    return _render_login(form, status)


@bp.get("/login/<name>")
@public
def oidc_login(name: str):
    """Sign in through an organisation's provider: off to its sign-in page."""
    if name not in oidc.providers():
        abort(404)
    target = request.args.get("next")
    session["oidc_next"] = target if is_safe_next(target) else None
    try:
        return oidc.start(name)
    except oidc.Refused as refusal:
        return _render_login(LoginForm(), refusal.status, refusal.message)


@bp.get("/login/<name>/callback")
@public
def oidc_callback(name: str):
    """The provider's answer: checked, then signed in as the linked account."""
    if name not in oidc.providers():
        abort(404)
    target = session.get("oidc_next")
    try:
        user, id_token = oidc.finish(name)
    except oidc.Refused as refusal:
        return _render_login(LoginForm(), refusal.status, refusal.message)
    service.sign_in(user, provider=name)
    oidc.remember_provider(name, id_token)
    return redirect(target if is_safe_next(target) else url_for("main.dashboard"))


@bp.post("/session/keepalive")
@requires(permissions.is_signed_in)
def keepalive():
    """ "Stay signed in" of the idle warning: the request itself renews the idle
    timer (app/web/session.py); nothing else changes."""
    return "", 204


@bp.post("/logout")
@requires(permissions.is_signed_in)
def logout():
    """Sign out everywhere, and at the provider when the session came from one
    that offers RP-initiated logout."""
    provider = session.get(oidc.SESSION_PROVIDER)
    id_token = session.get(oidc.SESSION_ID_TOKEN)
    service.sign_out(current_user._get_current_object(), provider=provider)
    flash(_("You are signed out."), "info")
    at_provider = oidc.logout_url(provider, id_token)
    return redirect(at_provider or url_for("auth.login"), code=303)


def _render_profile(profile_form=None, password_form=None, status=200):
    profile_form = profile_form or ProfileForm(
        prefix="profile", language=current_user.language
    )
    password_form = password_form or PasswordForm(current_user, prefix="password")
    digest_form = DigestForm(
        formdata=None, prefix="digest", digest=current_user.digest_enabled
    )
    html = render_template(
        "auth/profile.html",
        profile_form=profile_form,
        password_form=password_form,
        digest_form=digest_form,
    )
    return html, status


@bp.get("/profile")
@requires(permissions.is_signed_in)
@no_store
def profile():
    """The user's own language and password."""
    return _render_profile()


@bp.post("/profile/language")
@requires(permissions.is_signed_in)
def profile_language():
    """Choose the language of the interface."""
    form = ProfileForm(prefix="profile")
    if not form.validate_on_submit():
        return _render_profile(profile_form=form, status=422)
    current_user.language = form.language.data
    db.session.commit()
    flash(_("Your language is saved."), "success")
    return redirect(url_for("auth.profile"), code=303)


@bp.post("/language")
@requires(permissions.is_signed_in)
def switch_language():
    """The menu's language switch: save the language, back to the same page."""
    form = LanguageSwitchForm()
    if not form.validate_on_submit():
        shown = ProfileForm(prefix="profile", language=current_user.language)
        shown.language.errors = [*form.language.errors, *form.csrf_token.errors]
        return _render_profile(profile_form=shown, status=422)
    current_user.language = form.language.data
    db.session.commit()
    target = form.next.data
    return redirect(
        target if is_safe_next(target) else url_for("main.dashboard"), code=303
    )


@bp.post("/profile/digest")
@requires(permissions.is_signed_in)
def profile_digest():
    """Turn the daily reminder digest on or off."""
    form = DigestForm(prefix="digest")
    if not form.validate_on_submit():
        return _render_profile(status=422)
    set_digest(current_user._get_current_object(), form.digest.data)
    flash(_("Your e-mail setting is saved."), "success")
    return redirect(url_for("auth.profile"), code=303)


@bp.get("/profile/password")
@requires(permissions.is_signed_in)
def password_page():
    """The password form alone: where a user with a temporary password lands."""
    form = PasswordForm(current_user, prefix="password")
    return render_template("auth/password.html", password_form=form)


@bp.post("/profile/password")
@requires(permissions.is_signed_in)
def profile_password():
    """Change the password; every other session is signed out."""
    form = PasswordForm(current_user, prefix="password")
    forced = current_user.must_change_password
    if not form.validate_on_submit():
        if forced:
            html = render_template("auth/password.html", password_form=form)
            return html, form.status
        return _render_profile(password_form=form, status=form.status)
    service.change_password(
        current_user._get_current_object(),
        form.new_password.data,
        revoke_tokens=form.revoke_tokens.data,
    )
    flash(_("Your password is changed. Other sessions are signed out."), "success")
    target = "main.dashboard" if forced else "auth.profile"
    return redirect(url_for(target), code=303)


@bp.post("/profile/calendar-token")
@requires(permissions.is_signed_in)
def profile_calendar_token():
    """Replace the calendar token: the old feed URL stops working."""
    current_user.rotate_calendar_token()
    db.session.commit()
    flash(
        _("Your calendar address is replaced; the old one no longer works."), "success"
    )
    return redirect(url_for("auth.profile"), code=303)
