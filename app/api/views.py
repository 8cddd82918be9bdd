"""/api/v1: read-only JSON for members with a personal token; its description and
reference page; and the token section of /profile."""

from __future__ import annotations

from flask import (
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, get_locale, refresh
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from app.api import bp, resources, tokens, tokens_bp
from app.api.forms import TokenForm
from app.api.models import ApiToken
from app.api.resources import BadParameter
from app.api.spec import (
    ID,
    SLUG,
    Param,
    documented,
    documented_routes,
    openapi,
)
from app.auth import permissions
from app.auth.access import public, requires
from app.extensions import db
from app.i18n import user_locale
from app.subsidies.models import APPLICATION_STATUSES
from app.web import wants_fragment
from app.work.models import ROLLOUT_STAGES, TASK_STATUSES

PREFIX = "/api/v1"
#: Endpoints under /api that need no token: the description and reference.
OPEN_ENDPOINTS = {"api.reference", "api.openapi_json", "api.not_found"}


def error(status: int, message: str) -> tuple[Response, int]:
    return jsonify({"error": {"status": status, "message": message}}), status


MESSAGES = {
    400: _l("The request is not valid."),
    401: _l("A valid API token is needed: Authorization: Bearer <token>."),
    403: _l("You are not allowed to see this."),
    404: _l("Not found."),
    405: _l("Only GET is possible here."),
    414: _l("The address is too long."),
    422: _l("The request contains a character that is not allowed."),
}
#: Longer query strings are refused (414) before anything reads them.
MAX_QUERY_LENGTH = 2048


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


@bp.before_request
def refuse_long_queries() -> tuple[Response, int] | None:
    if len(request.query_string) > MAX_QUERY_LENGTH:
        return error(414, str(MESSAGES[414]))
    return None


#: Why a known token is refused (tokens.TokenRefused).
REFUSALS = {
    "expired": _l("This token has expired: create a new one in your profile."),
    "password_change": _l(
        "Tokens do not work until you have chosen a new password in the app."
    ),
}


@bp.before_request
def authenticate_api_token() -> tuple[Response, int] | None:
    """On /api: the token's user is the current user (never a session, which is
    empty on these paths). After the app's input checks: NUL is a 422 first."""
    try:
        user, message = tokens.authenticate(request.headers.get("Authorization")), None
    except tokens.TokenRefused as refused:
        user, message = None, REFUSALS[refused.reason]
    current_app.login_manager._update_request_context_with_user(user)
    refresh()  # from here on, messages are in the token owner's language
    if user is None and request.endpoint not in OPEN_ENDPOINTS:
        response, status = error(401, str(message or MESSAGES[401]))
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return response, status
    return None


@bp.errorhandler(BadParameter)
def bad_parameter(exc: BadParameter):
    return error(
        400, _("Parameter %(name)s: %(message)s", name=exc.name, message=exc.message)
    )


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    status = exc.code or 500
    return error(status, str(MESSAGES.get(status, exc.name)))


def _error_language() -> str:
    """The token owner's language, also for an answer the API's views never saw
    (a wrong method is refused while routing, before the token is read)."""
    user = current_user if current_user.is_authenticated else None
    if user is None and request.headers.get("Authorization"):
        user = tokens.authenticate(request.headers.get("Authorization"))
    return user_locale(user) if user is not None else str(get_locale())


@bp.after_app_request
def api_answers(response: Response) -> Response:
    """Every answer under /api, routing errors included: errors in the API's JSON
    shape (a 405 with its `Allow`), never cached, GETs tagged for a 304."""
    if not is_api_path(request.path):
        return response
    if response.status_code >= 400 and response.mimetype == "text/html":
        status = response.status_code
        with force_locale(_error_language()):
            message = str(MESSAGES.get(status, _("Error")))
        response, _status = error(status, message)
        response.status_code = status
        if isinstance(request.routing_exception, MethodNotAllowed):
            allowed = request.routing_exception.valid_methods or ["GET", "HEAD"]
            response.headers["Allow"] = ", ".join(sorted(allowed))
    # Answers for one token holder (or about a refused one): never stored.
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Authorization")
    response.vary.add("Accept-Language")
    if request.method in ("GET", "HEAD") and response.status_code == 200:
        response.add_etag()  # of the body: a client may ask again with it
        response = response.make_conditional(request)
    return response


# --- description ---


@bp.get(f"{PREFIX}/openapi.json")
@public
def openapi_json():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(openapi(current_app))


@bp.get(f"{PREFIX}/")
@public
def reference():
    """A page listing the endpoints (the description is the reference)."""
    routes = [(rule.rule, doc) for rule, doc in documented_routes(current_app)]
    return render_template("api/reference.html", routes=routes)


@bp.get("/api/<path:rest>")
@public
def not_found(rest: str):
    """Anything else under /api: a JSON 404."""
    return error(404, str(MESSAGES[404]))


# --- resources ---


@bp.get(f"{PREFIX}/me")
@requires(permissions.can_use_api_tokens)
@documented(_l("Who the token belongs to"), "Me")
def me():
    return jsonify(resources.me(current_user))


@bp.get(f"{PREFIX}/tasks")
@requires(permissions.can_use_api_tokens)
@documented(
    _l("Tasks, with the filters of the tasks page"),
    "Task",
    paginated=True,
    errors=(403,),
    params=(
        Param("status", {"enum": list(TASK_STATUSES)}, "Status."),
        Param(
            "due",
            {"enum": ["overdue", "week", "month"]},
            "Due: overdue, within a week or a month.",
        ),
        Param("theme", ID, "Theme id."),
        Param("group", ID, "Working group id."),
        Param("municipality", SLUG, "Municipality slug."),
        Param("mine", {"enum": ["true", "false"]}, "Only the tasks assigned to you."),
    ),
)
def task_list():
    return jsonify(resources.tasks(current_user))


@bp.get(f"{PREFIX}/deadlines")
@requires(permissions.can_use_api_tokens)
@documented(
    _l("Deadlines: yours or the region's, soonest first"),
    "Deadline",
    paginated=True,
    params=(
        Param(
            "scope", {"enum": ["mine", "region"]}, "Yours (default) or the region's."
        ),
        Param("kind", {"enum": ["task", "call", "application", "obligation"]}, "Kind."),
        Param("when", {"enum": ["overdue", "week", "month", "later"]}, "Urgency."),
    ),
)
def deadline_list():
    return jsonify(resources.deadline_list(current_user))


@bp.get(f"{PREFIX}/dossiers")
@requires(permissions.can_use_api_tokens)
@documented(
    _l("Subsidy dossiers you may see"),
    "Dossier",
    paginated=True,
    errors=(403,),
    params=(
        Param(
            "status",
            {"enum": list(APPLICATION_STATUSES)},
            "Status.",
        ),
    ),
)
def dossier_list():
    return jsonify(resources.dossiers(current_user))


@bp.get(f"{PREFIX}/dossiers/<int:application_id>")
@requires(permissions.can_use_api_tokens)
@documented(_l("One subsidy dossier"), "Dossier", errors=(404,))
def dossier(application_id: int):
    return jsonify(resources.dossier(current_user, application_id))


@bp.get(f"{PREFIX}/rollout")
@requires(permissions.can_use_api_tokens)
@documented(
    _l("Rollout stage per theme and municipality"),
    "Rollout",
    paginated=True,
    errors=(403,),
    params=(
        Param("theme", ID, "Theme id."),
        Param("municipality", SLUG, "Municipality slug."),
        Param(
            "stage",
            {"enum": list(ROLLOUT_STAGES)},
            "Stage.",
        ),
    ),
)
def rollout_list():
    return jsonify(resources.rollout(current_user))


@bp.get(f"{PREFIX}/rounds")
@requires(permissions.can_use_api_tokens)
@documented(_l("Scoring rounds"), "Round", paginated=True)
def round_list():
    return jsonify(resources.rounds(current_user))


@bp.get(f"{PREFIX}/rounds/<int:round_id>/results")
@requires(permissions.can_use_api_tokens)
@documented(
    _l("Results of a round: aggregates, and your municipality's own scores"),
    "RoundResults",
    errors=(403, 404),
)
def round_results(round_id: int):
    return jsonify(resources.results(current_user, round_id))


@bp.get(f"{PREFIX}/dossiers/<int:application_id>/comments")
@requires(permissions.can_use_api_tokens)
@documented(
    _l("Comments on a subsidy dossier, oldest first"),
    "Comment",
    paginated=True,
    errors=(404,),
)
def dossier_comments(application_id: int):
    return jsonify(resources.comments(current_user, "applications", application_id))


@bp.get(f"{PREFIX}/tasks/<int:task_id>/comments")
@requires(permissions.can_use_api_tokens)
@documented(
    _l("Comments on a task, oldest first"), "Comment", paginated=True, errors=(404,)
)
def task_comments(task_id: int):
    return jsonify(resources.comments(current_user, "tasks", task_id))


@bp.get(f"{PREFIX}/threads/<int:thread_id>/comments")
@requires(permissions.can_use_api_tokens)
@documented(
    _l("Comments on a thread, oldest first"), "Comment", paginated=True, errors=(404,)
)
def thread_comments(thread_id: int):
    return jsonify(resources.comments(current_user, "threads", thread_id))


# --- tokens in /profile (a signed-in session, CSRF-protected) ---


def _tokens_section(form: TokenForm, new_token: str | None = None, status: int = 200):
    template = "auth/_api_tokens.html" if wants_fragment() else "auth/api_token.html"
    html = render_template(template, token_form=form, new_token=new_token)
    return html, status


@tokens_bp.post("/profile/api-tokens")
@requires(permissions.can_use_api_tokens)
def create_token():
    """Create a named token; it is shown this once."""
    form = TokenForm(prefix="token")
    if not form.validate_on_submit():
        return _tokens_section(form, status=422)
    created = tokens.create_within_cap(
        current_user, form.name.data.strip(), form.lifetime.data
    )
    if created is None:
        form.name.errors.append(
            _("You have %(n)s tokens: revoke one first.", n=tokens.MAX_TOKENS_PER_USER)
        )
        return _tokens_section(form, status=422)
    db.session.commit()
    raw = created[1]
    return _tokens_section(TokenForm(prefix="token", formdata=None), new_token=raw)


@tokens_bp.post("/profile/api-tokens/<int:token_id>/revoke")
@requires(permissions.can_use_api_tokens)
def revoke_token(token_id: int):
    """Revoke a token: it stops working at once."""
    token = db.get_or_404(ApiToken, token_id)
    if not permissions.can_revoke_api_token(current_user, token):
        return render_template(
            "error.html", status=404, message=_("This page does not exist.")
        ), 404
    tokens.revoke(token)
    db.session.commit()
    if wants_fragment():
        return _tokens_section(TokenForm(prefix="token", formdata=None))
    return redirect(url_for("auth.profile") + "#api-tokens", code=303)


@tokens_bp.app_template_global()
def api_tokens_of(user) -> list[ApiToken]:
    """The user's tokens, for the section in /profile."""
    return tokens.tokens_of(user)


@tokens_bp.app_template_global()
def new_token_form() -> TokenForm:
    return TokenForm(prefix="token", formdata=None)
