"""Views of the strategy domain: parse → authorize → domain code → render."""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from app.archive import archived_filter, not_archived
from app.auth import access, permissions
from app.auth.access import regional_pages, requires
from app.choices import municipality_search
from app.exports import excel
from app.extensions import db
from app.municipalities.models import Municipality
from app.paging import page_number
from app.strategy import bp, promotion
from app.strategy import rounds as rounds_logic
from app.strategy import threads as threads_logic
from app.strategy.forms import (
    ImportForm,
    RoundForm,
    ScoreForm,
    StepForm,
    TalkForm,
    ThreadForm,
)
from app.strategy.models import Conversation, ScoringRound, Thread, TrajectoryStep
from app.strategy.workbooks import (
    StaleImport,
    apply_import,
    check_file,
    keep_pending,
    take_pending,
    template_workbook,
)
from app.web import wants_fragment
from app.web.errors import error_page
from app.web.params import query_int

FIELDS = ("code", "title", "description", "status")
STEP_FIELDS = ("title", "period", "description", "status")


def _values(form, fields) -> dict:
    """The form's data for these fields, text stripped (a missing text is "")."""
    return {
        name: (form[name].data or "").strip()
        if isinstance(form[name].data, str | None)
        else form[name].data
        for name in fields
    }


def _all_threads(keep: list[int] | tuple = ()) -> list[Thread]:
    """The threads to pick from: those in use, and archived ones already picked."""
    in_use = not_archived(Thread) | Thread.id.in_(keep)
    return list(db.session.scalars(select(Thread).where(in_use).order_by(Thread.code)))


# --- trajectory ------------------------------------------------------------------


regional_pages(bp)


@bp.get("/trajectory")
@requires(permissions.can_view_regional)
def trajectory():
    """The five steps of the trajectory; the coordinator edits them in place."""

    def trajectory_page() -> dict:
        steps = threads_logic.steps()
        forms = {}
        if permissions.can_edit_trajectory(current_user):
            forms = {s.id: StepForm(obj=s, prefix=f"step{s.id}") for s in steps}
        return {"steps": steps, "forms": forms}

    return render_template("strategy/trajectory.html", **trajectory_page())


@bp.post("/trajectory/steps/<int:step_id>")
@requires(permissions.can_edit_trajectory)
def step_update(step_id: int):
    """Save one step (htmx: the step comes back; else back to the page)."""
    step = db.get_or_404(TrajectoryStep, step_id)
    form = StepForm(prefix=f"step{step.id}")
    if not form.validate():
        html = render_template("strategy/_step.html", step=step, form=form)
        return html, 422
    threads_logic.update_step(step, _values(form, STEP_FIELDS))
    db.session.commit()
    if wants_fragment():
        return render_template("strategy/_step.html", step=step, form=form, saved=True)
    flash(_("The step is saved."), "success")
    return redirect(url_for("strategy.trajectory"), code=303)


# --- threads ---------------------------------------------------------------------


def _threads_page(form=None) -> dict:
    archived = request.args.get("archived") == "1"
    page = db.paginate(
        select(Thread).where(archived_filter(Thread, archived)).order_by(Thread.code),
        page=page_number(),
        per_page=current_app.config["PAGE_SIZE"],
    )
    rows = threads_logic.thread_rows(list(page.items), current_user)
    if form is None and permissions.can_manage_threads(current_user):
        form = ThreadForm(prefix="new")
    return {"page": page, "rows": rows, "form": form, "archived": archived}


def _render_threads(form, status):
    """The page again with the refused form of a new thread."""
    return render_template("strategy/threads.html", **_threads_page(form)), status


@bp.get("/threads")
@requires(permissions.can_view_regional)
def threads():
    """Every thread: municipalities that raised it, qualification, latest mean."""
    return render_template("strategy/threads.html", **_threads_page())


@bp.post("/threads")
@requires(permissions.can_manage_threads)
def thread_create():
    """Add a thread (coordinator)."""
    form = ThreadForm(prefix="new")
    valid = form.validate()
    if valid and threads_logic.code_taken(form.code.data):
        form.code.errors.append(_("This code is in use already."))
        valid = False
    if not valid:
        return _render_threads(form, 422)
    thread = threads_logic.create_thread(_values(form, FIELDS))
    db.session.commit()
    flash(_("Thread %(code)s is added.", code=thread.code), "success")
    return redirect(url_for("strategy.thread", thread_id=thread.id), code=303)


def _thread_page(thread: Thread, form=None) -> dict:
    if form is None and permissions.can_manage_threads(current_user):
        form = ThreadForm(obj=thread, prefix="edit")
    return threads_logic.thread_detail(thread, current_user) | {"form": form}


def _render_thread(thread: Thread, form, status):
    """The page again with the refused edit form."""
    return render_template("strategy/thread.html", **_thread_page(thread, form)), status


@bp.get("/threads/<int:thread_id>")
@requires(permissions.can_view_regional)
def thread(thread_id: int):
    """One thread: mentions per municipality and its scores in every round."""
    return render_template(
        "strategy/thread.html", **_thread_page(db.get_or_404(Thread, thread_id))
    )


@bp.post("/threads/<int:thread_id>")
@requires(permissions.can_manage_threads)
def thread_update(thread_id: int):
    """Change a thread's code, title, description or status (coordinator)."""
    thread = db.get_or_404(Thread, thread_id)
    form = ThreadForm(prefix="edit")
    valid = form.validate()
    if valid and threads_logic.code_taken(form.code.data, thread.id):
        form.code.errors.append(_("This code is in use already."))
        valid = False
    if not valid:
        return _render_thread(thread, form, 422)
    threads_logic.update_thread(
        thread,
        _values(form, FIELDS),
    )
    db.session.commit()
    flash(_("The thread is saved."), "success")
    return redirect(url_for("strategy.thread", thread_id=thread.id), code=303)


# --- talks -----------------------------------------------------------------------


@bp.get("/talks")
@requires(permissions.can_view_regional)
def talks():
    """The one-on-one talks with the municipalities and the threads they raised."""
    archived = request.args.get("archived") == "1"
    page = db.paginate(
        threads_logic.talks_query(archived),
        page=page_number(),
        per_page=current_app.config["PAGE_SIZE"],
    )
    return render_template("strategy/talks.html", page=page, archived=archived)


def _talk_form(talk: Conversation | None) -> TalkForm:
    kept = [m.thread_id for m in talk.mentions] if talk else []
    form = TalkForm(_all_threads(kept), obj=talk)
    form.municipality_search = municipality_search(
        form.municipality_id, request.values, kind="municipality"
    )
    if talk is not None and request.method == "GET":
        form.thread_ids.data = [m.thread_id for m in talk.mentions]
    return form


def _save_talk(talk: Conversation | None):
    access.check(permissions.can_record_conversations(current_user))
    form = _talk_form(talk)
    if request.method == "POST" and not request.form.get("find"):
        if form.validate():
            values = {
                "municipality_id": form.municipality_id.data,
                "held_on": form.held_on.data,
                "delegation": (form.delegation.data or "").strip(),
                "notes": (form.notes.data or "").strip(),
            }
            threads_logic.save_talk(
                talk, values, form.thread_ids.data or [], current_user
            )
            db.session.commit()
            flash(_("The talk is saved."), "success")
            return redirect(url_for("strategy.talks"), code=303)
        return render_template("strategy/talk_form.html", form=form, talk=talk), 422
    return render_template("strategy/talk_form.html", form=form, talk=talk)


@bp.route("/talks/new", methods=["GET", "POST"])
@requires(permissions.can_view_regional)
def talk_new():
    """Record a talk with a municipality and tick the threads it raised."""
    return _save_talk(None)


@bp.route("/talks/<int:talk_id>/edit", methods=["GET", "POST"])
@requires(permissions.can_record_conversations)
def talk_edit(talk_id: int):
    """Change a recorded talk."""
    return _save_talk(db.get_or_404(Conversation, talk_id))


# --- rounds ----------------------------------------------------------------------


@bp.get("/rounds")
@requires(permissions.can_view_regional)
def rounds():
    """Scoring rounds, newest first (drafts only for the coordinator)."""
    archived = request.args.get("archived") == "1"

    def rounds_page() -> dict:
        page = db.paginate(
            rounds_logic.visible_rounds_query(current_user, archived),
            page=page_number(),
            per_page=current_app.config["PAGE_SIZE"],
        )
        return {"page": page, "archived": archived}

    return render_template("strategy/rounds.html", **rounds_page())


def _round_form_page(scoring_round: ScoringRound | None):
    access.check(permissions.can_manage_rounds(current_user))
    if scoring_round is not None and scoring_round.status == "closed":
        return error_page(409, _("A closed round cannot be changed."))
    locked = scoring_round is not None and scoring_round.status != "draft"
    kept = [t.id for t in scoring_round.threads] if scoring_round else []
    form = RoundForm(_all_threads(kept), obj=scoring_round, threads_locked=locked)
    if request.method == "GET" and scoring_round is not None:
        form.thread_ids.data = [t.id for t in scoring_round.threads]
    if request.method == "GET" or not form.validate():
        status = 200 if request.method == "GET" else 422
        html = render_template(
            "strategy/round_form.html", form=form, scoring_round=scoring_round
        )
        return html, status
    chosen = None
    if not locked:
        chosen = list(
            db.session.scalars(
                select(Thread).where(Thread.id.in_(form.thread_ids.data))
            )
        )
    values = {
        "name": form.name.data.strip(),
        "opens_on": form.opens_on.data,
        "closes_on": form.closes_on.data,
    }
    if scoring_round is None:
        scoring_round = rounds_logic.create_round(threads=chosen, **values)
    else:
        rounds_logic.update_round(scoring_round, values, chosen)
    db.session.commit()
    flash(_("The round is saved."), "success")
    return redirect(url_for("strategy.round", round_id=scoring_round.id), code=303)


@bp.route("/rounds/new", methods=["GET", "POST"])
@requires(permissions.can_view_regional)
def round_new():
    """Create a round: its threads and its open and close dates (coordinator)."""
    return _round_form_page(None)


@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@requires(permissions.can_manage_rounds)
def round_edit(round_id: int):
    """Change a round's name and dates; its threads while it is a draft."""
    return _round_form_page(db.get_or_404(ScoringRound, round_id))


@bp.post("/rounds/<int:round_id>/status")
@requires(permissions.can_manage_rounds)
def round_status(round_id: int):
    """Open a draft round or close an open one (coordinator)."""
    scoring_round = db.get_or_404(ScoringRound, round_id)
    if not rounds_logic.change_status(scoring_round, request.form.get("status", "")):
        return error_page(409, _("This status change is not possible any more."))
    db.session.commit()
    flash(
        _("The round is now %(status)s.", status=_status_label(scoring_round.status)),
        "success",
    )
    return redirect(url_for("strategy.round", round_id=scoring_round.id), code=303)


def _status_label(status: str) -> str:
    from app.labels import label

    return label("round_status", status).lower()


@bp.get("/rounds/<int:round_id>")
@requires(permissions.can_view_regional)
def round(round_id: int):  # the endpoint name is fixed
    """A round: a municipality's ballot, the coordinator's matrix, or its info."""
    page = rounds_logic.round_detail(
        current_user,
        rounds_logic.get_round(current_user, round_id),
        query_int("municipality"),
        query_int("columns", 1),
    )
    return render_template("strategy/round.html", **page)


@bp.post("/rounds/<int:round_id>/scores/<int:thread_id>/<int:municipality_id>")
@requires(permissions.can_view_regional)
def score_save(round_id: int, thread_id: int, municipality_id: int):
    """Save one score of a ballot (htmx: the line and the progress come back)."""
    scoring_round = rounds_logic.get_round(current_user, round_id)
    municipality = db.get_or_404(Municipality, municipality_id)
    access.check(permissions.can_score(current_user, scoring_round, municipality))
    thread = rounds_logic.thread_in_round(scoring_round, thread_id)
    form = ScoreForm()
    clearing = request.form.get("clear") == "1"
    if not clearing and not form.validate():
        line = rounds_logic.BallotLine(thread, None)
        return _score_line(scoring_round, municipality, line, form), 422
    value = None if clearing else form.value.data
    rounds_logic.save_score_committed(
        scoring_round, thread, municipality, value, form.comment.data, current_user
    )
    if not wants_fragment():
        flash(_("The score is saved."), "success")
        return redirect(
            url_for(
                "strategy.round", round_id=round_id, **_on_behalf_args(municipality)
            )
            + f"#score-{thread.id}",
            code=303,
        )
    line = rounds_logic.ballot_line(scoring_round, thread, municipality)
    progress = rounds_logic.ballot(scoring_round, municipality)
    return _score_line(scoring_round, municipality, line, None, progress)


def _on_behalf_args(municipality: Municipality) -> dict:
    if permissions.is_coordinator(current_user):
        return {"municipality": municipality.id}
    return {}


def _score_line(scoring_round, municipality, line, form=None, progress=None):
    return render_template(
        "strategy/_score_line.html",
        scoring_round=scoring_round,
        municipality=municipality,
        line=line,
        form=form,
        saved=form is None,
        progress=progress,
        can_edit=True,
    )


@bp.get("/rounds/<int:round_id>/template.xlsx")
@requires(permissions.can_view_regional)
def score_template(round_id: int):
    """The score workbook of a round: every municipality for the coordinator,
    only their own column for a municipality."""
    scoring_round = rounds_logic.get_round(current_user, round_id)
    municipalities = rounds_logic.template_municipalities(
        current_user, scoring_round, query_int("municipality")
    )
    access.check(municipalities is not None)
    workbook = template_workbook(scoring_round, municipalities)
    return excel.download(workbook, f"scores-template-{scoring_round.id}.xlsx")


# --- results ---------------------------------------------------------------------


@bp.get("/rounds/<int:round_id>/results")
@requires(permissions.can_view_regional)
def results(round_id: int):
    """Ranking, support share and chart of a round; the coordinator promotes."""
    scoring_round = rounds_logic.get_round(current_user, round_id)
    access.check(permissions.can_view_round_results(current_user, scoring_round))
    return render_template(
        "strategy/results.html",
        **rounds_logic.results_detail(current_user, scoring_round),
    )


@bp.post("/rounds/<int:round_id>/threads/<int:thread_id>/promote")
@requires(permissions.can_promote_threads)
def promote(round_id: int, thread_id: int):
    """Promote a thread of the round to a theme (coordinator)."""
    scoring_round = db.get_or_404(ScoringRound, round_id)
    thread = rounds_logic.thread_in_round(scoring_round, thread_id)
    try:
        theme = promotion.promote(thread, current_user)
    except promotion.PromotionRefused:
        db.session.rollback()
        message = _("Thread %(code)s is a theme already.", code=thread.code)
        return error_page(409, message)
    db.session.commit()
    flash(_("Theme '%(title)s' is created.", title=theme.title), "success")
    return redirect(url_for("strategy.results", round_id=round_id), code=303)


# --- score import ----------------------------------------------------------------


def _import_form() -> ImportForm:
    open_rounds = db.session.scalars(
        select(ScoringRound)
        .where(ScoringRound.status == "open", not_archived(ScoringRound))
        .order_by(ScoringRound.closes_on)
    )
    return ImportForm(list(open_rounds))


@bp.route("/imports/scores", methods=["GET", "POST"])
@requires(permissions.can_import_scores)
def import_scores():
    """Upload a filled score workbook: a preview of the changes and every error."""
    form = _import_form()
    if request.method == "GET":
        return render_template("strategy/import.html", form=form)
    if not form.validate():
        return render_template("strategy/import.html", form=form), 422
    scoring_round = db.get_or_404(ScoringRound, form.round_id.data)
    upload = form.file.data
    check = check_file(upload.read(), scoring_round, current_user, upload.filename)
    token = keep_pending(check, current_user) if check.ok and check.changes else None
    html = render_template(
        "strategy/import_preview.html",
        check=check,
        scoring_round=scoring_round,
        token=token,
        form=form,
    )
    return html, 200 if check.ok else 422


@bp.post("/imports/scores/apply")
@requires(permissions.can_import_scores)
def import_scores_apply():
    """Apply a previewed import: every change or none."""
    check = take_pending(request.form.get("token", ""), current_user)
    if check is None:
        form = _import_form()
        form.file.errors = [
            _("This preview has expired or was used. Upload the file again.")
        ]
        return render_template("strategy/import.html", form=form), 422
    try:
        count = apply_import(check, current_user)
    except StaleImport:
        db.session.rollback()
        return error_page(
            409,
            _(
                "Scores changed since the preview: nothing was imported."
                " Upload the file again."
            ),
        )
    db.session.commit()
    flash(
        ngettext("%(num)s score is imported.", "%(num)s scores are imported.", count),
        "success",
    )
    return redirect(url_for("strategy.round", round_id=check.round_id), code=303)
