"""The API fuzzed from its own OpenAPI description with schemathesis (its Python
API against the WSGI app): no 5xx, every answer (status, content type, body) as
described. Bounded examples per operation, so it stays well under a minute."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from app.api import tokens
from app.auth.service import find_user
from app.extensions import db

EXAMPLES = 12
ROLES = {
    "municipality": "izegem@midwest.example",
    "lead": "lead@midwest.example",
    "coordinator": "coordinator@midwest.example",
    "viewer": "viewer@midwest.example",
}


def _fuzz(app, headers: dict[str, str], expect_status: int | None = None) -> int:
    """Every operation of the description, EXAMPLES generated requests each."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            response = case.call_and_validate(headers=headers)
            assert response.status_code < 500
            if expect_status is not None:
                assert response.status_code == expect_status

        check()
    return len(operations)


@pytest.mark.parametrize("role", ["municipality", "coordinator", "viewer"])
def test_api_answers_as_described(demo_app, role):
    _row, raw = tokens.create_token(find_user(ROLES[role]), "fuzz")
    db.session.commit()
    assert _fuzz(demo_app, {"Authorization": f"Bearer {raw}"}) >= 8


def test_api_without_token_answers_401_as_described(demo_app):
    _fuzz(demo_app, {}, expect_status=401)
