"""Archive, restore and delete: one set of views for every archivable kind."""

from __future__ import annotations

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app import archive
from app.archiving import bp
from app.archiving.kinds import SEGMENTS, load
from app.auth import permissions
from app.auth.access import requires
from app.extensions import db

OBJECT = f"/<any({SEGMENTS}):segment>/<int:object_id>"


@bp.post(f"{OBJECT}/archive")
@requires(permissions.can_archive)
def archive_object(segment: str, object_id: int):
    """Archive a call, dossier, round, group, talk or thread (coordinator)."""
    kind, obj = load(segment, object_id)
    archive.archive(obj, current_user._get_current_object())
    db.session.commit()
    flash(_("Archived. It is hidden from lists and deadlines; restore it here."))
    return redirect(kind.page_url(obj), code=303)


@bp.post(f"{OBJECT}/restore")
@requires(permissions.can_restore)
def restore_object(segment: str, object_id: int):
    """Bring an archived call, dossier, round, group, talk or thread back."""
    kind, obj = load(segment, object_id)
    archive.restore(obj, current_user._get_current_object())
    db.session.commit()
    flash(_("Restored."), "success")
    return redirect(kind.page_url(obj), code=303)


@bp.post(f"{OBJECT}/delete")
@requires(permissions.can_delete_for_real)
def delete_object(segment: str, object_id: int):
    """Delete for real what nothing refers to; else 409 and nothing changes.
    Without `confirm=yes` it only asks (WCAG 3.3.4: a deletion cannot be undone)."""
    kind, obj = load(segment, object_id)
    blockers = archive.delete_blockers(obj)
    if blockers:
        html = render_template(
            "archiving/refused.html", kind=kind, obj=obj, blockers=blockers
        )
        return html, 409
    if request.form.get("confirm") != "yes":
        return render_template(
            "archiving/confirm_delete.html",
            kind=kind,
            obj=obj,
            name=archive.name_of(obj),
        )
    archive.delete(obj, current_user._get_current_object())
    db.session.commit()
    flash(_("Deleted."), "success")
    return redirect(kind.list_url(), code=303)
