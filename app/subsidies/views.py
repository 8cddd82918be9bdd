"""Views of the subsidies domain: calls, applications, their parts and export."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields import SelectChoice

from app import clock
from app.archive import not_archived
from app.auth import permissions as perm
from app.auth.access import check, regional_pages, requires
from app.choices import dossier_scope, municipality_search, person_search
from app.concurrency import ensure_current
from app.extensions import db
from app.http_cache import no_store
from app.municipalities.models import Municipality
from app.paging import page_number
from app.subsidies import bp, calls, dossiers, finances, listing, pages
from app.subsidies.forms import (
    ApplicationForm,
    BudgetLineForm,
    BudgetLineUpdateForm,
    CallForm,
    ContributionForm,
    MoveForm,
    NotesForm,
    ObligationForm,
    ObligationUpdateForm,
    PartnerForm,
    PaymentForm,
    ShareForm,
    SpendingForm,
)
from app.subsidies.models import (
    Application,
    ApplicationPartner,
    BudgetLine,
    Payment,
    ReportingObligation,
    Spending,
    SubsidyCall,
)
from app.web import wants_fragment
from app.web.params import query_int
from app.work.models import Theme

regional_pages(bp)


@bp.app_template_global("subsidy_moves")
def subsidy_moves(application: Application) -> tuple[str, ...]:
    """The statuses a dossier may move to (for move buttons)."""
    return dossiers.allowed_moves(application)


def _user():
    return current_user._get_current_object()


def _see_other(endpoint: str, **values):
    return redirect(url_for(endpoint, **values), code=303)


# --- calls ------------------------------------------------------------------------


@bp.get("/calls", endpoint="calls")
@requires(perm.can_view_regional)
def calls_index():
    """Every call with its status and countdown, and the regional totals."""
    archived = request.args.get("archived") == "1"
    sort = calls.CALL_SORT.parse(request.args)
    number = page_number()
    return render_template(
        "subsidies/calls.html",
        **pages.call_list(_user(), number, clock.now_utc(), archived, sort),
    )


@bp.get("/calls/<int:call_id>")
@requires(perm.can_view_regional)
def call(call_id: int):
    """One call: its facts, countdown, figures, applications and coverage."""
    return render_template(
        "subsidies/call.html",
        **pages.call_detail(
            db.get_or_404(SubsidyCall, call_id), _user(), clock.now_utc()
        ),
    )


def _call_form(subsidy_call: SubsidyCall | None) -> CallForm:
    form = CallForm()
    form.themes.choices = [
        (t.id, t.title) for t in db.session.scalars(select(Theme).order_by(Theme.title))
    ]
    if subsidy_call is not None and not form.is_submitted():
        form.process(
            data={
                "title": subsidy_call.title,
                "funder": subsidy_call.funder,
                "description": subsidy_call.description,
                "url": subsidy_call.url,
                "opens_at": calls.to_brussels(subsidy_call.opens_at),
                "deadline_at": calls.to_brussels(subsidy_call.deadline_at),
                "budget": subsidy_call.budget,
                "max_per_application": subsidy_call.max_per_application,
                "cofinancing_pct": subsidy_call.cofinancing_pct,
                "min_partners": subsidy_call.min_partners,
                "themes": [t.id for t in subsidy_call.themes],
                "preparation_template": calls.format_preparation(
                    subsidy_call.preparation_template or []
                ),
                "reporting_template": calls.format_reporting(
                    subsidy_call.reporting_template or []
                ),
            }
        )
    return form


def _save_call(form: CallForm, subsidy_call: SubsidyCall | None):
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        html = render_template("subsidies/call_form.html", form=form, call=subsidy_call)
        return html, status
    if calls.title_taken(form.title.data.strip(), subsidy_call):
        form.title.errors = [str(calls.TITLE_TAKEN)]
        return render_template(
            "subsidies/call_form.html", form=form, call=subsidy_call
        ), 422
    saved = calls.save_call(subsidy_call, form, _user())
    db.session.commit()
    return _see_other("subsidies.call", call_id=saved.id)


@bp.route("/calls/new", methods=["GET", "POST"])
@requires(perm.can_manage_calls)
def call_create():
    """A new call (coordinator)."""
    return _save_call(_call_form(None), None)


@bp.route("/calls/<int:call_id>/edit", methods=["GET", "POST"])
@requires(perm.can_view_regional)
def call_edit(call_id: int):
    """Edit a call (coordinator)."""
    subsidy_call = db.get_or_404(SubsidyCall, call_id)
    check(perm.can_manage_calls(current_user))
    return _save_call(_call_form(subsidy_call), subsidy_call)


# --- applications: lists ----------------------------------------------------------


@bp.get("/applications")
@requires(perm.can_view_applications)
@no_store
def applications():
    """Pipeline by status, the filterable table, and the roll-ups."""
    user = _user()
    filters = listing.parse_filters(request.args)
    page = page_number()
    if wants_fragment():
        context = pages.application_list(user, filters, page)
        context.update(pages.application_rollups(user, filters))
        return render_template("subsidies/_results.html", swapped_alone=True, **context)
    searches = {
        kind: request.args.get(f"{kind}_search") for kind in pages.SEARCHED_FILTERS
    }
    return render_template(
        "subsidies/applications.html",
        **pages.applications_overview(user, filters, page, searches),
    )


# --- applications: one dossier ----------------------------------------------------


def _visible(application_id: int) -> Application:
    """The dossier if the user may see it: 403 for viewers, 404 for the others."""
    check(perm.can_view_applications(current_user))
    application = listing.get_application(application_id)
    if application is None or not perm.can_view_application(current_user, application):
        abort(404)
    return application


def _managed(application_id: int) -> Application:
    application = _visible(application_id)
    check(perm.can_manage_application(current_user, application))
    return application


def _forms(application: Application, **given) -> dict:
    forms = {
        "move_form": MoveForm(
            formdata=None,
            version=application.version,
            project_start=application.project_start,
            project_end=application.project_end,
            prefix="move",
        ),
        "notes_form": NotesForm(
            formdata=None, version=application.version, notes=application.notes
        ),
        "partner_form": PartnerForm(formdata=None, prefix="partner"),
        "payment_form": PaymentForm(formdata=None, prefix="payment"),
        "obligation_form": ObligationForm(formdata=None, prefix="obligation"),
        "share_forms": {},
        "contribution_forms": {},
        "obligation_forms": {},
        "saved": False,
    }
    forms.update(given)
    forms["move_form"].status.choices = [
        c
        for c in forms["move_form"].status.choices
        if c.value in dossiers.allowed_moves(application)
    ]
    partner_form = forms["partner_form"]
    partner_form.search = municipality_search(
        partner_form.municipality_id, request.values
    )
    return forms


def _dossier(
    application: Application,
    status: int = 200,
    part: str | None = None,
    oob: bool = False,
    **forms,
):
    """The dossier page, or (htmx) one of its parts, with the given forms; `oob`:
    the part also brings the figures it changed elsewhere on the page."""
    context = {
        **pages.dossier_detail(application),
        "oob": oob,
        **_forms(application, **forms),
    }
    if part and wants_fragment():
        return render_template(f"subsidies/_{part}.html", **context), status
    return render_template(
        "subsidies/application.html", page_part=part, **context
    ), status


@bp.get("/applications/<int:application_id>")
@requires(perm.can_view_regional)
@no_store
def application(application_id: int):
    """One dossier: partners, amounts, payments, reporting, tasks."""
    application = _visible(application_id)
    return render_template(
        "subsidies/application.html",
        **pages.dossier_detail(application),
        oob=False,
        **_forms(application),
    )


def _application_form(application: Application | None) -> ApplicationForm:
    form = ApplicationForm(obj=application if not request.form else None)
    if application is None and request.method == "GET":
        form.call_id.data = query_int("call_id")
    form.current_lead_id = application.lead_municipality_id if application else None
    form.lead_search = municipality_search(form.lead_municipality_id, request.values)
    form.current_owner_id = application.owner_id if application else None
    form.application_id = application.id if application else None
    lead = form.lead_municipality_id.data
    form.owner_search = person_search(
        form.owner_id,
        request.values,
        kind="owner",
        scope=dossier_scope(form.application_id, lead),
    )
    form.set_choices(
        db.session.scalars(
            select(SubsidyCall)
            .where(
                not_archived(SubsidyCall)
                | (SubsidyCall.id == (application.call_id if application else None))
            )
            .order_by(SubsidyCall.deadline_at.desc())
        ),
        db.session.scalars(select(Theme).order_by(Theme.title)),
    )
    return form


def _render_application_form(form, application, status):
    html = render_template(
        "subsidies/application_form.html", form=form, application=application
    )
    return html, status


@bp.route("/applications/new", methods=["GET", "POST"])
@requires(perm.can_view_applications)
def application_create():
    """A new dossier for a call; its preparation tasks are created with it."""
    check(perm.can_manage_application(current_user))
    form = _application_form(None)
    if request.form.get("find"):  # without JavaScript: list the matches, unsaved
        return _render_application_form(form, None, 200)
    if not form.validate_on_submit():
        return _render_application_form(form, None, 422 if form.is_submitted() else 200)
    values = form.values()
    errors = dossiers.check_application(values, form.confirm_over.data)
    if errors:
        _attach(form, errors)
        return _render_application_form(form, None, 422)
    created = dossiers.create_application(values, _user())
    db.session.commit()
    return _see_other("subsidies.application", application_id=created.id)


@bp.route("/applications/<int:application_id>/edit", methods=["GET", "POST"])
@requires(perm.can_view_regional)
@no_store
def application_edit(application_id: int):
    """Edit the facts and amounts of a dossier (coordinator)."""
    application = _managed(application_id)
    form = _application_form(application)
    if request.form.get("find"):  # without JavaScript: list the matches, unsaved
        return _render_application_form(form, application, 200)
    if not form.validate_on_submit():
        return _render_application_form(
            form, application, 422 if form.is_submitted() else 200
        )
    values = form.values()
    ensure_current(application, form.version.data, _shown(values))
    errors = dossiers.check_application(values, form.confirm_over.data, application)
    if errors:
        _attach(form, errors)
        return _render_application_form(form, application, 422)
    dossiers.update_application(application, values, _user())
    _hand_back(application)
    db.session.commit()
    return _see_other("subsidies.application", application_id=application.id)


def _hand_back(application: Application) -> None:
    """After a change of who may open the dossier: owners who lost it hand it back."""
    lost = dossiers.hand_back_ownership(application, _user())
    if lost:
        flash(dossiers.handed_back_notice(lost), "info")


def _attach(form, errors: dict) -> None:
    for name, message in errors.items():
        getattr(form, name).errors = [*getattr(form, name).errors, str(message)]


def _shown(values: dict) -> dict:
    return {k: "" if v is None else str(v) for k, v in values.items()}


@bp.post("/applications/<int:application_id>/status")
@requires(perm.can_view_regional)
def application_move(application_id: int):
    """Move a dossier to another status (only the moves of spec §2)."""
    application = _managed(application_id)
    from_pipeline = request.form.get("from") == "pipeline"
    form = MoveForm(prefix="move")
    errors: dict = {}
    if form.validate_on_submit():
        ensure_current(
            application,
            form.version.data,
            {"status": form.status.data, **_shown(form.values())},
        )
        errors = dossiers.move(
            application,
            form.status.data,
            form.values(),
            form.confirm_over.data,
            _user(),
            confirm_close=form.confirm_close.data,
        )
    if form.errors or errors:
        _attach(form, errors)
        db.session.rollback()
        return _move_refused(application_id, form, from_pipeline)
    db.session.commit()
    if wants_fragment() and from_pipeline:
        return _board(moved=application)
    return _see_other("subsidies.application", application_id=application_id)


def _move_refused(application_id: int, form: MoveForm, from_pipeline: bool):
    application = listing.get_application(application_id)
    form.version.data = application.version
    if wants_fragment() and from_pipeline:
        html = render_template(
            "subsidies/_move_card.html", application=application, move_form=form
        )
        headers = {"HX-Retarget": f"#card-{application.id}", "HX-Reswap": "outerHTML"}
        return html, 422, headers
    return _dossier(application, 422, part="move", move_form=form)


def _board(moved: Application | None = None):
    """The board after a move, with the table under it as an out-of-band swap."""
    filters = listing.parse_filters(request.args)
    page = page_number()
    pagination = listing.table_page(_user(), filters, page)
    return render_template(
        "subsidies/_moved.html",
        board=listing.pipeline(_user(), filters),
        filters=filters,
        moved=moved,
        pagination=pagination,
        money=listing.money(pagination.items),
        table_only=True,
    )


@bp.route("/applications/<int:application_id>/notes", methods=["GET", "POST"])
@requires(perm.can_view_regional)
@no_store
def application_notes(application_id: int):
    """The notes of a dossier: the lead municipality and the coordinator edit them."""
    application = _visible(application_id)
    if request.method == "GET":
        return _dossier(application, part="notes")
    check(perm.can_edit_application_notes(current_user, application))
    form = NotesForm()
    if not form.validate_on_submit():
        return _dossier(application, 422, part="notes", notes_form=form)
    ensure_current(application, form.version.data, {"notes": form.notes.data})
    dossiers.update_notes(application, form.notes.data, _user())
    db.session.commit()
    if wants_fragment():
        saved = NotesForm(
            formdata=None, version=application.version, notes=application.notes
        )
        return _dossier(application, part="notes", notes_form=saved, saved=True)
    return _see_other("subsidies.application", application_id=application_id)


# --- partners, payments, obligations ---------------------------------------------


def _part_done(application: Application, part: str):
    db.session.commit()
    if wants_fragment():
        return _dossier(listing.get_application(application.id), part=part, oob=True)
    return _see_other("subsidies.application", application_id=application.id)


def _part_refused(application: Application, part: str, **forms):
    db.session.rollback()
    return _dossier(listing.get_application(application.id), 422, part=part, **forms)


@bp.post("/applications/<int:application_id>/partners")
@requires(perm.can_view_regional)
def partner_add(application_id: int):
    """Add a partner municipality with its share."""
    application = _managed(application_id)
    form = PartnerForm(prefix="partner")
    if request.form.get("find"):  # without JavaScript: list the matches, unsaved
        return _dossier(application, part="partners", partner_form=form)
    errors = {}
    if form.validate_on_submit():
        municipality = db.session.get(Municipality, form.municipality_id.data)
        errors = dossiers.set_partner_committed(
            application, municipality, form.share_pct.data, _user()
        )
    if form.errors or errors:
        _attach(form, errors)
        return _part_refused(application, "partners", partner_form=form)
    return _part_done(application, "partners")


def _partner(application: Application, municipality_id: int) -> ApplicationPartner:
    for partner in application.partners:
        if partner.municipality_id == municipality_id:
            return partner
    abort(404)


@bp.post("/applications/<int:application_id>/partners/<int:municipality_id>")
@requires(perm.can_view_regional)
def partner_update(application_id: int, municipality_id: int):
    """Change a partner's share."""
    application = _managed(application_id)
    partner = _partner(application, municipality_id)
    form = ShareForm(prefix=f"share-{municipality_id}")
    errors = {}
    if form.validate_on_submit():
        errors = dossiers.set_partner(
            application, partner.municipality, form.share_pct.data, _user()
        )
    if form.errors or errors:
        _attach(form, errors)
        return _part_refused(
            application, "partners", share_forms={municipality_id: form}
        )
    return _part_done(application, "partners")


@bp.post("/applications/<int:application_id>/partners/<int:municipality_id>/delete")
@requires(perm.can_view_regional)
def partner_remove(application_id: int, municipality_id: int):
    """Remove a partner."""
    application = _managed(application_id)
    dossiers.remove_partner(
        application, _partner(application, municipality_id), _user()
    )
    _hand_back(application)
    return _part_done(application, "partners")


@bp.post("/applications/<int:application_id>/contributions/<int:municipality_id>")
@requires(perm.can_view_regional)
def contribution_set(application_id: int, municipality_id: int):
    """Enter, change or clear the own contribution of the lead or a partner."""
    application = _managed(application_id)
    if not finances.is_involved(application, municipality_id):
        abort(404)
    municipality = db.get_or_404(Municipality, municipality_id)
    form = ContributionForm(prefix=f"own-{municipality_id}")
    errors = {}
    if form.validate_on_submit():
        errors = finances.set_own_contribution(
            application,
            municipality,
            form.entered_as.data,
            form.parsed,
            form.version.data,
            _user(),
        )
    if form.errors or errors:
        _attach(form, errors)
        return _part_refused(
            application, "finances", contribution_forms={municipality_id: form}
        )
    return _part_done(application, "finances")


# --- finances: budget lines and spending ------------------------------------------


def _finance_choices(
    application: Application, *forms, documents=None, lines=None
) -> None:
    """The lead and partners, the dossier's lines and documents to choose from
    (`lines`, `documents`: as read already; None: read them)."""
    lead = application.lead_municipality
    people = [SelectChoice(lead.id, lead.name)]
    people += [
        SelectChoice(p.municipality_id, p.municipality.name)
        for p in application.partners
    ]
    if documents is None:
        documents = finances.dossier_documents(application.id)
    for form in forms:
        if hasattr(form, "municipality_id"):
            form.municipality_id.choices = people
        if hasattr(form, "budget_line_id"):
            form.budget_line_id.choices = [
                SelectChoice(line.id, line.title)
                for line in (application.budget_lines if lines is None else lines)
            ]
        if hasattr(form, "document_id"):
            form.document_id.choices = [SelectChoice("", "—")] + [
                SelectChoice(document_id, name) for document_id, name in documents
            ]


def _finances(application: Application, status: int = 200, part=None, **given):
    """The finances page, or (htmx) its budget part, with the given forms."""
    context = pages.finances_detail(application)
    forms = {
        "line_form": BudgetLineForm(formdata=None, prefix="line"),
        "spending_form": SpendingForm(
            formdata=None, prefix="spending", spent_on=clock.today()
        ),
        "line_forms": {},
        "contribution_forms": {},
        "line_errors": {},
    } | given
    _finance_choices(
        application,
        forms["line_form"],
        forms["spending_form"],
        documents=context["documents"],
        lines=[row.line for row in context["budget"].lines],
    )
    context |= forms
    if part and wants_fragment():
        return render_template("subsidies/_budget.html", **context), status
    return render_template("subsidies/finances.html", **context), status


def _budget_done(application: Application):
    db.session.commit()
    if wants_fragment():
        return _finances(listing.get_application(application.id), part="budget")
    return _see_other("subsidies.application_finances", application_id=application.id)


def _budget_refused(application: Application, **forms):
    db.session.rollback()
    fresh = listing.get_application(application.id)
    return _finances(fresh, 422, part="budget", **forms)


@bp.get("/applications/<int:application_id>/finances")
@requires(perm.can_view_regional)
@no_store
def application_finances(application_id: int):
    """A dossier's finances: planned vs spent per line and partner, subsidy vs
    own contribution (what a financial report asks)."""
    return _finances(_visible(application_id))[0]


@bp.post("/applications/<int:application_id>/budget-lines")
@requires(perm.can_view_regional)
def budget_line_add(application_id: int):
    """Plan a cost of the dossier."""
    application = _managed(application_id)
    form = BudgetLineForm(prefix="line")
    _finance_choices(application, form, documents=[])
    errors = {}
    if form.validate_on_submit():
        errors = finances.add_budget_line(application, form.values(), _user())
    if form.errors or errors:
        _attach(form, errors)
        return _budget_refused(application, line_form=form)
    return _budget_done(application)


def _line(application: Application, line_id: int) -> BudgetLine:
    line = db.session.get(BudgetLine, line_id)
    if line is None or line.application_id != application.id:
        abort(404)
    return line


@bp.post("/applications/<int:application_id>/budget-lines/<int:line_id>")
@requires(perm.can_view_regional)
def budget_line_update(application_id: int, line_id: int):
    """Change a line's kind, description or planned amount."""
    application = _managed(application_id)
    line = _line(application, line_id)
    form = BudgetLineUpdateForm(prefix=f"line-{line_id}")
    if not form.validate_on_submit():
        return _budget_refused(application, line_forms={line_id: form})
    finances.update_budget_line(line, form.values(), form.version.data, _user())
    return _budget_done(application)


@bp.post("/applications/<int:application_id>/budget-lines/<int:line_id>/delete")
@requires(perm.can_view_regional)
def budget_line_delete(application_id: int, line_id: int):
    """Remove a line planned by mistake (only without spending)."""
    application = _managed(application_id)
    errors = finances.delete_budget_line(_line(application, line_id), _user())
    if errors:
        return _budget_refused(application, line_errors={line_id: errors["line"]})
    return _budget_done(application)


@bp.post("/applications/<int:application_id>/spending")
@requires(perm.can_view_regional)
def spending_add(application_id: int):
    """Record spending against one of the dossier's lines."""
    application = _managed(application_id)
    form = SpendingForm(prefix="spending")
    _finance_choices(application, form)
    errors = {}
    if form.validate_on_submit():
        line = _line(application, form.budget_line_id.data)
        errors = finances.add_spending(
            application, line, form.values(), clock.today(), _user()
        )
    if form.errors or errors:
        _attach(form, errors)
        return _budget_refused(application, spending_form=form)
    return _budget_done(application)


@bp.post("/applications/<int:application_id>/spending/<int:spending_id>/delete")
@requires(perm.can_view_regional)
def spending_delete(application_id: int, spending_id: int):
    """Remove spending recorded by mistake."""
    application = _managed(application_id)
    spending = db.session.get(Spending, spending_id)
    if spending is None or spending.application_id != application.id:
        abort(404)
    finances.delete_spending(spending, _user())
    return _budget_done(application)


@bp.post("/applications/<int:application_id>/payments")
@requires(perm.can_view_regional)
def payment_add(application_id: int):
    """Record an advance or balance payment."""
    application = _managed(application_id)
    form = PaymentForm(prefix="payment")
    errors = {}
    if form.validate_on_submit():
        values = {
            "paid_on": form.paid_on.data,
            "amount": form.amount.data,
            "kind": form.kind.data,
            "note": (form.note.data or "").strip(),
        }
        errors = dossiers.add_payment(application, values, _user())
    if form.errors or errors:
        _attach(form, errors)
        return _part_refused(application, "payments", payment_form=form)
    return _part_done(application, "payments")


@bp.post("/applications/<int:application_id>/payments/<int:payment_id>/delete")
@requires(perm.can_view_regional)
def payment_delete(application_id: int, payment_id: int):
    """Delete a payment recorded by mistake."""
    application = _managed(application_id)
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.application_id != application.id:
        abort(404)
    dossiers.delete_payment(payment, _user())
    return _part_done(application, "payments")


@bp.post("/applications/<int:application_id>/obligations")
@requires(perm.can_view_regional)
def obligation_add(application_id: int):
    """Add a reporting obligation by hand."""
    application = _managed(application_id)
    form = ObligationForm(prefix="obligation")
    errors = {}
    if form.validate_on_submit():
        values = {
            "title": form.title.data.strip(),
            "kind": form.kind.data,
            "due_on": form.due_on.data,
            "status": form.status.data,
        }
        errors = dossiers.add_obligation(application, values, _user())
    if form.errors or errors:
        _attach(form, errors)
        return _part_refused(application, "obligations", obligation_form=form)
    return _part_done(application, "obligations")


@bp.post("/applications/<int:application_id>/obligations/<int:obligation_id>")
@requires(perm.can_view_regional)
def obligation_update(application_id: int, obligation_id: int):
    """Change the due date or status of an obligation."""
    application = _managed(application_id)
    obligation = db.session.get(ReportingObligation, obligation_id)
    if obligation is None or obligation.application_id != application.id:
        abort(404)
    form = ObligationUpdateForm(prefix=f"obligation-{obligation_id}")
    errors = {}
    if form.validate_on_submit():
        errors = dossiers.update_obligation(
            obligation,
            {"due_on": form.due_on.data, "status": form.status.data},
            clock.today(),
            _user(),
        )
    if form.errors or errors:
        _attach(form, errors)
        return _part_refused(
            application, "obligations", obligation_forms={obligation_id: form}
        )
    return _part_done(application, "obligations")
