"""/admin/users: the coordinator manages users."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.admin import bp, users
from app.admin.forms import UserForm
from app.auth import permissions
from app.auth.access import requires
from app.auth.models import User
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
        return render_template("admin/user_form.html", form=form, user=user)
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
    return render_template("admin/user_form.html", form=form, user=user), status


@bp.post("/users/<int:user_id>/reset")
@requires(permissions.can_manage_users)
def user_reset(user_id: int):
    """A new temporary password; the user's sessions end."""
    user = db.get_or_404(User, user_id)
    password = users.reset_password(user)
    return render_template("admin/password.html", user=user, password=password)
