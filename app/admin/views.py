"""/admin/users: the coordinator manages users."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.admin import bp, users
from app.admin.forms import UserForm
from app.auth import oidc, permissions
from app.auth.access import requires
from app.auth.models import Identity, User
from app.choices import chosen_choice, municipality_search, search_choices
from app.extensions import db
from app.paging import paginate
from app.web.params import query_int


@bp.get("/users")
@requires(permissions.can_manage_users)
def users_index():
    """Users, filterable by role and municipality."""
    role = request.args.get("role") or None
    municipality_id = query_int("municipality")
    sort = users.USER_SORT.parse(request.args)

    def users_page() -> dict:
        page = paginate(
            users.user_list_query(role, municipality_id, sort), per_page=100
        )
        return {
            "page": page,
            "sort": sort,
            "role": role,
            "municipality_id": municipality_id,
            # A search field among hundreds of municipalities, not a select.
            "chosen_municipality": chosen_choice("municipality", municipality_id),
            "municipality_matches": search_choices(
                "municipality", request.args.get("municipality_search")
            ),
        }

    return render_template("admin/users.html", **users_page())


@bp.route("/users/new", methods=["GET", "POST"])
@requires(permissions.can_manage_users)
def user_create():
    """A new user, with a temporary password shown once."""
    form = UserForm()
    form.municipality_search = municipality_search(
        form.municipality_id, request.values, kind="municipality"
    )
    if request.form.get("find"):  # without JavaScript: list the matches, unsaved
        return render_template("admin/user_form.html", form=form, user=None)
    if form.validate_on_submit():
        if users.email_taken(form.email.data):
            form.email.errors.append(_("A user with this email exists already."))
        else:
            user, password = users.create(form)
            return render_template("admin/password.html", user=user, password=password)
    status = 422 if form.is_submitted() else 200
    return render_template("admin/user_form.html", form=form, user=None), status


def _render_user_form(form: UserForm, user: User) -> str:
    """An account's form, with the identities at providers linked to it."""
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        identities=oidc.identities_of(user),
        providers=oidc.providers(),
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires(permissions.can_manage_users)
def user_edit(user_id: int):
    """Role, municipality, language, active."""
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user)
    form.municipality_search = municipality_search(
        form.municipality_id, request.values, kind="municipality"
    )
    if request.form.get("find"):  # without JavaScript: list the matches, unsaved
        return _render_user_form(form, user)
    if form.validate_on_submit():
        if users.email_taken(form.email.data, except_id=user.id):
            form.email.errors.append(_("A user with this email exists already."))
        elif not permissions.can_set_access(
            current_user, user, form.role.data, form.active.data
        ):
            form.role.errors.append(_("You cannot remove your own coordinator access."))
        else:
            changes = users.update(user, form)
            flash(_("The user is saved."), "success")
            if titles := changes.get("handed_back"):
                flash(
                    ngettext(
                        "%(name)s can no longer open the dossier %(titles)s: what "
                        "they owned in it is now yours.",
                        "%(name)s can no longer open the dossiers %(titles)s: what "
                        "they owned in them is now yours.",
                        len(titles),
                        name=user.full_name,
                        titles=", ".join(f"“{t}”" for t in titles),
                    ),
                    "info",
                )
            return redirect(url_for("admin.users_index"), code=303)
    status = 422 if form.is_submitted() else 200
    return _render_user_form(form, user), status


@bp.post("/users/<int:user_id>/reset")
@requires(permissions.can_manage_users)
def user_reset(user_id: int):
    """A new temporary password; the user's sessions end."""
    user = db.get_or_404(User, user_id)
    password = users.reset_password(user)
    return render_template("admin/password.html", user=user, password=password)


@bp.post("/users/<int:user_id>/identities/<int:identity_id>/unlink")
@requires(permissions.can_manage_users)
def identity_unlink(user_id: int, identity_id: int):
    """Unlink an identity at a provider; its next sign-in is a first one again."""
    identity = db.get_or_404(Identity, identity_id)
    if identity.user_id != user_id:
        abort(404)
    settings = oidc.providers().get(identity.provider, {})
    provider = settings.get("label", identity.provider)
    oidc.unlink(identity, current_user._get_current_object())
    flash(
        _(
            "The sign-in through %(provider)s is unlinked.",
            provider=provider,
        ),
        "success",
    )
    return redirect(url_for("admin.user_edit", user_id=user_id), code=303)
