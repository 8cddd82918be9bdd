"""The OpenAPI 3.1 description, generated from the API's routes.

Each API view carries its documentation (`@documented`); the paths, parameters and
path variables come from Flask's URL map, so an endpoint cannot be served without
being described. The JSON Schemas of the answers are below, next to each other.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask_babel import force_locale
from werkzeug.routing import IntegerConverter

from app.auth.models import Role
from app.strategy.models import ROUND_STATUSES
from app.subsidies.models import APPLICATION_STATUSES
from app.work.models import ROLLOUT_STAGES, TASK_STATUSES

PER_PAGE_MAX = 100
#: Ids and page numbers: what every database stores as an integer.
MAX_INT = 2**31 - 1
ID = {"type": "integer", "minimum": 1, "maximum": MAX_INT}
SLUG = {"type": "string", "pattern": "^[a-z0-9-]{1,120}$"}
SLUG_PATTERN = re.compile(SLUG["pattern"].strip("^$"))
PER_PAGE_DEFAULT = 50


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return {"oneOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
NUMBER = {"type": "number"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
#: Amounts in euro as decimal strings ("12500.00"): never a binary float.
AMOUNT = {"type": "string", "pattern": r"^-?\d+\.\d{2}$"}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": _object(
        {"error": _object({"status": INTEGER, "message": STRING})},
    ),
    "Ref": _object({"id": INTEGER, "name": STRING}),
    "MunicipalityRef": _object({"slug": STRING, "name": STRING}),
    "Links": _object(
        {
            "self": STRING,
            "next": _nullable(STRING),
            "prev": _nullable(STRING),
        }
    ),
    "Me": _object(
        {
            "id": INTEGER,
            "full_name": STRING,
            "role": {"enum": [role.value for role in Role]},
            "municipality": _nullable(_ref("MunicipalityRef")),
            "language": STRING,
        }
    ),
    "Task": _object(
        {
            "id": INTEGER,
            "title": STRING,
            "status": {"enum": list(TASK_STATUSES)},
            "progress": {"type": "integer", "minimum": 0, "maximum": 100},
            "start_on": _nullable(DATE),
            "due_on": _nullable(DATE),
            "overdue": {"type": "boolean"},
            "group": _nullable(_ref("Ref")),
            "theme": _nullable(_ref("Ref")),
            "municipality": _nullable(_ref("MunicipalityRef")),
            "assigned_to_me": {"type": "boolean"},
            "url": STRING,
        }
    ),
    "Deadline": _object(
        {
            "kind": {"enum": ["task", "call", "application", "obligation"]},
            "id": INTEGER,
            "uid": STRING,
            "title": STRING,
            "due": DATE,
            "at": _nullable(DATETIME),
            "category": {"enum": ["overdue", "week", "month", "later"]},
            "municipality": _nullable(STRING),
            "context": STRING,
            "url": STRING,
        }
    ),
    "Comment": _object(
        {
            "id": INTEGER,
            "author": _nullable(_ref("Ref")),
            "text": STRING,
            "html": STRING,
            "created_at": DATETIME,
            "edited_at": _nullable(DATETIME),
            "mentioned": {"type": "array", "items": _ref("Ref")},
            "url": STRING,
        }
    ),
    "Partner": _object(
        {"slug": STRING, "name": STRING, "share_pct": AMOUNT},
    ),
    "Dossier": _object(
        {
            "id": INTEGER,
            "title": STRING,
            "reference": _nullable(STRING),
            "status": {"enum": list(APPLICATION_STATUSES)},
            "call": _ref("Ref"),
            "theme": _nullable(_ref("Ref")),
            "lead_municipality": _ref("MunicipalityRef"),
            "partners": {"type": "array", "items": _ref("Partner")},
            "requested_amount": AMOUNT,
            "granted_amount": _nullable(AMOUNT),
            "paid_amount": AMOUNT,
            "submitted_on": _nullable(DATE),
            "decided_on": _nullable(DATE),
            "project_start": _nullable(DATE),
            "project_end": _nullable(DATE),
            "url": STRING,
        }
    ),
    "Rollout": _object(
        {
            "theme": _ref("Ref"),
            "municipality": _ref("MunicipalityRef"),
            "stage": {"enum": list(ROLLOUT_STAGES)},
            "note": STRING,
            "updated_at": DATETIME,
        }
    ),
    "Round": _object(
        {
            "id": INTEGER,
            "name": STRING,
            "opens_on": DATE,
            "closes_on": DATE,
            "status": {"enum": list(ROUND_STATUSES)},
            "results_available": {"type": "boolean"},
        }
    ),
    "ThreadResult": _object(
        {
            "code": STRING,
            "title": STRING,
            "responses": INTEGER,
            "mean": _nullable(NUMBER),
            "median": _nullable(NUMBER),
            "minimum": _nullable(INTEGER),
            "maximum": _nullable(INTEGER),
            "stdev": _nullable(NUMBER),
            "share_high": _nullable(NUMBER),
            "broadly_supported": {"type": "boolean"},
            "rank": _nullable(INTEGER),
            "withheld": {
                "description": "The figures are left out: fewer than 3 answers "
                "(the coordinator sees them).",
                "type": "boolean",
            },
        }
    ),
    "OwnScore": _object(
        {"code": STRING, "value": _nullable(INTEGER), "comment": STRING},
    ),
    "RoundResults": _object(
        {
            "round": _ref("Round"),
            "respondents": INTEGER,
            "score_high": INTEGER,
            "majority": NUMBER,
            "threads": {"type": "array", "items": _ref("ThreadResult")},
            "own_scores": {
                "description": "Your municipality's own scores (municipal roles).",
                "type": "array",
                "items": _ref("OwnScore"),
            },
        }
    ),
}


def page_schema(item: str) -> dict[str, Any]:
    return _object(
        {
            "items": {"type": "array", "items": _ref(item)},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": PER_PAGE_MAX},
            "total": {"type": "integer", "minimum": 0},
            "pages": {"type": "integer", "minimum": 0},
            "links": _ref("Links"),
        }
    )


@dataclass(frozen=True)
class Param:
    name: str
    schema: dict[str, Any]
    description: str


PAGING = (
    Param("page", {**ID, "default": 1}, "Page number."),
    Param(
        "per_page",
        {
            "type": "integer",
            "minimum": 1,
            "maximum": PER_PAGE_MAX,
            "default": PER_PAGE_DEFAULT,
        },
        "Items per page.",
    ),
)


@dataclass(frozen=True)
class Doc:
    summary: Any  # a lazy string: English in the description, translated on the page
    schema: str
    paginated: bool = False
    params: tuple[Param, ...] = ()
    errors: tuple[int, ...] = ()
    auth: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def documented(summary, schema: str, **options) -> Callable:
    """Attach the documentation of an API view (read by `openapi`)."""

    def decorate(view: Callable) -> Callable:
        view.api_doc = Doc(summary, schema, **options)
        return view

    return decorate


ERROR_TEXT = {
    400: "A parameter is not valid.",
    401: "No token, or a token that is not (or no longer) valid.",
    403: "Your role may not see this.",
    404: "Not found, or not yours to see.",
    414: "The query string is longer than 2048 bytes.",
    422: "The address or a parameter holds a control character (such as NUL).",
}
#: Every operation can answer these (its query is checked before anything else).
ALWAYS = {414, 422}
ETAG_HEADER = {
    "ETag": {
        "description": "Tag of this answer: send it as If-None-Match to get a 304.",
        "schema": STRING,
    }
}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "The ETag of an earlier answer: 304 when nothing changed.",
    "schema": STRING,
}
#: Only GET (and HEAD, OPTIONS) are answered: any other method gets this, on every
#: path. It has no operation of its own (a client has nothing to call).
METHOD_NOT_ALLOWED = {
    "description": "Any method but GET, HEAD or OPTIONS (on every path).",
    "headers": {
        "Allow": {"description": "The methods of this path.", "schema": STRING}
    },
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def _path(rule) -> str:
    return re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule)


def documented_routes(app: Flask) -> list[tuple[Any, Doc]]:
    """(rule, doc) of every documented API route, in path order."""
    found = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint.startswith("api.") and hasattr(view, "api_doc"):
            found.append((rule, view.api_doc))
    return sorted(found, key=lambda pair: _path(pair[0]))


def _operation(rule, doc: Doc) -> dict[str, Any]:
    parameters = []
    for name in sorted(rule.arguments):
        converter = rule._converters[name]
        is_int = isinstance(converter, IntegerConverter)  # bounded: app/web/params
        parameters.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": ID if is_int else STRING,
            }
        )
    query = (*doc.params, *(PAGING if doc.paginated else ()))
    for param in query:
        parameters.append(
            {
                "name": param.name,
                "in": "query",
                "required": False,
                "description": param.description,
                "schema": param.schema,
            }
        )
    parameters.append(IF_NONE_MATCH)
    schema = page_schema(doc.schema) if doc.paginated else _ref(doc.schema)
    responses = {
        "200": {
            "description": "OK",
            "headers": ETAG_HEADER,
            "content": {"application/json": {"schema": schema}},
        },
        "304": {
            "description": "Not modified: If-None-Match holds this answer's ETag.",
            "headers": ETAG_HEADER,
        },
    }
    errors = set(doc.errors) | ALWAYS | ({400} if query else set())
    if doc.auth:
        errors.add(401)
    for status in sorted(errors):
        responses[str(status)] = {
            "description": ERROR_TEXT[status],
            "content": {"application/json": {"schema": _ref("Error")}},
        }
    operation = {
        "operationId": rule.endpoint.removeprefix("api."),
        "summary": str(doc.summary),
        "parameters": parameters,
        "responses": responses,
        **doc.extra,
    }
    if not doc.auth:
        operation["security"] = []
    return operation


def openapi(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document of /api/v1 (in English)."""
    with force_locale("en"):
        paths: dict[str, Any] = {}
        for rule, doc in documented_routes(app):
            paths.setdefault(_path(rule), {})["get"] = _operation(rule, doc)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Midwest digital-region tracker API",
            "version": "1.0.0",
            "description": (
                "Read-only JSON for members. Authenticate with a personal API token"
                " (create one in your profile): `Authorization: Bearer <token>`."
                " Every answer holds only what you may see on the pages."
                " Lists are paginated (`page`, `per_page` up to"
                f" {PER_PAGE_MAX}). Amounts are euro as decimal strings."
                " A successful answer carries an ETag; send it as If-None-Match"
                " for a 304. Only GET is answered: another method gets a 405"
                " with an Allow header (`MethodNotAllowed`)."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerToken": []}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "responses": {"MethodNotAllowed": METHOD_NOT_ALLOWED},
            "securitySchemes": {
                "bearerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token from /profile.",
                }
            },
        },
    }
