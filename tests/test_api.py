"""The read-only API: personal tokens, what each role sees, paging, errors."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from openapi_spec_validator import validate
from sqlalchemy import select

from app.api import tokens
from app.api.models import ApiToken
from app.extensions import db
from tests import factories


def _token(user) -> str:
    _row, raw = tokens.create_token(user, "test")
    db.session.commit()
    return raw


def _bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def world(app):
    home = factories.municipality("Izegem")
    away = factories.municipality("Tielt")
    users = {
        "coordinator": factories.user("coordinator"),
        "lead": factories.user("lead", home),
        "municipality": factories.user("municipality", home),
        "other": factories.user("municipality", away),
        "viewer": factories.user("viewer"),
    }
    call = factories.call(title="Oproep")
    own = factories.application(call, lead=home, title="Own dossier", status="idea")
    partnered = factories.application(
        call,
        lead=away,
        partners=[home],
        title="Partnered dossier",
        status="granted",
        granted_amount=Decimal("1000"),
    )
    factories.payment(partnered, "250.50")
    foreign = factories.application(call, lead=away, title="Foreign dossier")
    thread = factories.thread(code="RD01", title="Thread")
    closed = factories.scoring_round([thread], status="closed")
    factories.score(closed, thread, home, 8, comment="home says")
    factories.score(closed, thread, away, 2, comment="away says")
    open_round = factories.scoring_round([thread], status="open")
    draft = factories.scoring_round([thread], status="draft")
    theme = factories.theme(title="Theme")
    group = factories.group(theme)
    factories.task(group, title="Mine", assignee_id=users["municipality"].id)
    factories.task(group, title="Not mine")
    factories.rollout(theme, home, stage="live")
    db.session.commit()
    return {
        "users": users,
        "own": own,
        "partnered": partnered,
        "foreign": foreign,
        "closed": closed,
        "open_round": open_round,
        "draft": draft,
    }


def test_no_token_or_a_bad_one_is_401_json(client, world):
    for headers in ({}, {"Authorization": "Bearer mwt_wrong"}, {"Authorization": "x"}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.get_json()["error"]["status"] == 401
        assert "Set-Cookie" not in response.headers


def test_a_browser_session_is_not_an_api_login(client, world, login_as):
    login_as(world["users"]["coordinator"])
    response = client.get("/api/v1/dossiers")
    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers


def test_token_answers_json_without_cookie(client, world):
    user = world["users"]["municipality"]
    response = client.get("/api/v1/me", headers=_bearer(_token(user)))
    assert response.status_code == 200
    assert response.get_json()["id"] == user.id
    assert response.get_json()["municipality"]["slug"] == "izegem"
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_token_is_refused_after_revocation(client, world):
    user = world["users"]["municipality"]
    raw = _token(user)
    assert client.get("/api/v1/me", headers=_bearer(raw)).status_code == 200
    tokens.revoke(db.session.scalar(select(ApiToken)))
    db.session.commit()
    assert client.get("/api/v1/me", headers=_bearer(raw)).status_code == 401


def test_token_of_a_deactivated_user_is_refused(client, world):
    user = world["users"]["municipality"]
    raw = _token(user)
    user.active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=_bearer(raw)).status_code == 401


def test_last_used_is_recorded(client, world):
    raw = _token(world["users"]["viewer"])
    client.get("/api/v1/me", headers=_bearer(raw))
    assert db.session.scalar(select(ApiToken)).last_used_at is not None


# --- creating and revoking in /profile ---


def test_create_token_shows_it_once_and_stores_a_hash(client, world, login_as):
    login_as(world["users"]["municipality"])
    response = client.form("/profile/api-tokens", {"token-name": "Spreadsheet"})
    assert response.status_code == 200
    raw = response.text.split('id="new-api-token" value="')[1].split('"')[0]
    assert raw.startswith("mwt_") and len(raw) > 40
    row = db.session.scalar(select(ApiToken))
    assert row.name == "Spreadsheet"
    assert row.token_hash == tokens.hash_token(raw) and raw not in row.token_hash
    assert raw.startswith(row.prefix)
    profile = client.get("/profile").text
    assert "Spreadsheet" in profile and row.prefix in profile and raw not in profile
    assert client.get("/api/v1/me", headers=_bearer(raw)).status_code == 200


def test_create_token_with_htmx_answers_the_section(client, world, login_as):
    login_as(world["users"]["viewer"])
    response = client.form("/profile/api-tokens", {"token-name": "Dash"}, htmx=True)
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="api-tokens"' in response.text


@pytest.mark.parametrize("name", ["", "x" * 101])
def test_create_token_needs_a_name(client, world, login_as, name):
    login_as(world["users"]["viewer"])
    response = client.form("/profile/api-tokens", {"token-name": name}, htmx=True)
    assert response.status_code == 422
    assert db.session.scalar(select(db.func.count(ApiToken.id))) == 0


def test_create_token_needs_csrf(client, world, login_as):
    login_as(world["users"]["viewer"])
    client.fetch_csrf("/profile")
    response = client.post("/profile/api-tokens", data={"token-name": "x"})
    assert response.status_code == 400
    assert db.session.scalar(select(db.func.count(ApiToken.id))) == 0


def test_revoke_own_token_only(client, world, login_as):
    owner, other = world["users"]["municipality"], world["users"]["other"]
    raw = _token(owner)
    token_id = db.session.scalar(select(ApiToken.id))
    login_as(other)
    assert client.form(f"/profile/api-tokens/{token_id}/revoke").status_code == 404
    assert client.get("/api/v1/me", headers=_bearer(raw)).status_code == 200
    login_as(owner)
    response = client.form(f"/profile/api-tokens/{token_id}/revoke")
    assert response.status_code == 303
    assert client.get("/api/v1/me", headers=_bearer(raw)).status_code == 401


# --- what each role sees ---


def _get(client, user, url):
    return client.get(url, headers=_bearer(_token(user)))


def _titles(body) -> set[str]:
    return {item["title"] for item in body["items"]}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("coordinator", {"Own dossier", "Partnered dossier", "Foreign dossier"}),
        ("lead", {"Own dossier", "Partnered dossier"}),
        ("municipality", {"Own dossier", "Partnered dossier"}),
        ("other", {"Partnered dossier", "Foreign dossier"}),
    ],
)
def test_dossiers_as_on_the_pages(client, world, role, expected):
    response = _get(client, world["users"][role], "/api/v1/dossiers")
    assert response.status_code == 200
    assert _titles(response.get_json()) == expected


def test_viewer_sees_no_dossiers(client, world):
    response = _get(client, world["users"]["viewer"], "/api/v1/dossiers")
    assert response.status_code == 403
    assert response.get_json()["error"]["status"] == 403


def test_a_dossier_not_yours_is_404(client, world):
    user = world["users"]["municipality"]
    raw = _token(user)
    url = f"/api/v1/dossiers/{world['foreign'].id}"
    assert client.get(url, headers=_bearer(raw)).status_code == 404
    partnered = client.get(
        f"/api/v1/dossiers/{world['partnered'].id}", headers=_bearer(raw)
    ).get_json()
    assert partnered["paid_amount"] == "250.50"
    assert partnered["granted_amount"] == "1000.00"
    assert partnered["partners"][0]["slug"] == "izegem"


def test_round_results_give_own_scores_never_others(client, world):
    url = f"/api/v1/rounds/{world['closed'].id}/results"
    body = _get(client, world["users"]["municipality"], url).get_json()
    assert body["threads"][0]["responses"] == 2
    assert body["own_scores"] == [{"code": "RD01", "value": 8, "comment": "home says"}]
    assert "away says" not in str(body)
    viewer = _get(client, world["users"]["viewer"], url).get_json()
    assert viewer["own_scores"] == []
    coordinator = _get(client, world["users"]["coordinator"], url).get_json()
    assert coordinator["own_scores"] == []


def test_round_results_of_an_open_round_or_a_draft(client, world):
    user = world["users"]["municipality"]
    raw = _token(user)
    open_url = f"/api/v1/rounds/{world['open_round'].id}/results"
    draft_url = f"/api/v1/rounds/{world['draft'].id}/results"
    assert client.get(open_url, headers=_bearer(raw)).status_code == 403
    assert client.get(draft_url, headers=_bearer(raw)).status_code == 404
    rounds = client.get("/api/v1/rounds", headers=_bearer(raw)).get_json()
    assert world["draft"].id not in {r["id"] for r in rounds["items"]}


def test_tasks_mine_and_deadlines(client, world):
    user = world["users"]["municipality"]
    raw = _token(user)
    body = client.get("/api/v1/tasks?mine=true", headers=_bearer(raw)).get_json()
    assert _titles(body) == {"Mine"}
    assert body["items"][0]["assigned_to_me"] is True
    everything = client.get("/api/v1/tasks", headers=_bearer(raw)).get_json()
    assert _titles(everything) == {"Mine", "Not mine"}
    deadlines = client.get("/api/v1/deadlines", headers=_bearer(raw))
    assert deadlines.status_code == 200
    assert {d["kind"] for d in deadlines.get_json()["items"]} <= {
        "task",
        "call",
        "application",
        "obligation",
    }


def test_unknown_municipality_filter_finds_nothing(client, world):
    raw = _token(world["users"]["coordinator"])
    for url in ("/api/v1/tasks", "/api/v1/rollout"):
        response = client.get(f"{url}?municipality=nowhere", headers=_bearer(raw))
        assert response.status_code == 200
        assert response.get_json()["items"] == []


def test_rollout(client, world):
    body = _get(
        client, world["users"]["viewer"], "/api/v1/rollout?municipality=izegem"
    ).get_json()
    assert [(r["theme"]["name"], r["stage"]) for r in body["items"]] == [
        ("Theme", "live")
    ]


# --- paging and parameters ---


def test_paging_with_links_and_total(client, world):
    raw = _token(world["users"]["coordinator"])
    first = client.get("/api/v1/dossiers?per_page=2", headers=_bearer(raw)).get_json()
    assert first["total"] == 3 and first["pages"] == 2 and len(first["items"]) == 2
    assert first["links"]["prev"] is None
    second = client.get(first["links"]["next"], headers=_bearer(raw)).get_json()
    assert len(second["items"]) == 1 and second["links"]["next"] is None
    beyond = client.get("/api/v1/dossiers?page=9", headers=_bearer(raw)).get_json()
    assert beyond["items"] == [] and beyond["total"] == 3


@pytest.mark.parametrize(
    "query",
    [
        "per_page=101",
        "per_page=0",
        "page=0",
        "page=abc",
        "page=-1",
        "page=99999999999999999999",
        "theme=99999999999999999999",
        "status=nonsense",
        "mine=yes",
    ],
)
def test_bad_parameters_are_400_json(client, world, query):
    raw = _token(world["users"]["coordinator"])
    response = client.get(f"/api/v1/tasks?{query}", headers=_bearer(raw))
    assert response.status_code == 400
    assert response.get_json()["error"]["status"] == 400


@pytest.mark.parametrize(
    "path",
    ["/api/v1/nothing", "/api/v1/dossiers/99999999999999999999", "/api/v1/dossiers/0"],
)
def test_unknown_api_path_is_json_404(client, world, path):
    raw = _token(world["users"]["coordinator"])
    response = client.get(path, headers=_bearer(raw))
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_control_character_is_refused_as_json(client, world):
    raw = _token(world["users"]["coordinator"])
    response = client.get("/api/v1/tasks?municipality=%00", headers=_bearer(raw))
    assert response.status_code == 422
    assert response.mimetype == "application/json"


# --- description and reference ---


def test_openapi_description_is_valid_3_1_and_lists_every_endpoint(client, app):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    spec = response.get_json()
    assert spec["openapi"] == "3.1.0"
    validate(spec)
    api_rules = {
        re.sub(r"<[^>]*:(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        and rule.rule.startswith("/api/v1/")
        and rule.endpoint not in ("api.reference", "api.openapi_json", "api.not_found")
    }
    assert set(spec["paths"]) == api_rules


def test_reference_page_in_both_languages(client):
    dutch = client.get("/api/v1/")
    assert dutch.status_code == 200
    assert "Set-Cookie" not in dutch.headers
    assert "/api/v1/deadlines" in dutch.text
    english = client.get("/api/v1/?lang=en").text
    assert "Read-only JSON for members" in english
    assert "Read-only JSON for members" not in dutch.text


def test_links_keep_the_query_and_stay_relative(client, world):
    raw = _token(world["users"]["coordinator"])
    url = "/api/v1/dossiers?per_page=1&endpoint=x&_external=1&_scheme=javascript"
    body = client.get(url, headers=_bearer(raw)).get_json()
    assert body["links"]["next"].startswith("/api/v1/dossiers?")
    assert "page=2" in body["links"]["next"] and "endpoint=x" in body["links"]["next"]


LIST_URLS = [
    "/api/v1/me",
    "/api/v1/tasks?per_page=100",
    "/api/v1/deadlines?scope=region&per_page=100",
    "/api/v1/deadlines?per_page=100",
    "/api/v1/dossiers?per_page=100",
    "/api/v1/rollout?per_page=100",
    "/api/v1/rounds?per_page=100",
]
#: What each role must never find in any API answer.
NEVER = {
    "coordinator": {"home says", "away says"},
    "lead": {"Foreign dossier", "away says"},
    "municipality": {"Foreign dossier", "away says"},
    "other": {"Own dossier", "home says"},
    "viewer": {"Own dossier", "Partnered dossier", "Foreign dossier", "says"},
}


@pytest.mark.parametrize("role", sorted(NEVER))
def test_no_answer_holds_what_the_role_may_not_see(client, world, role):
    user = world["users"][role]
    raw = _token(user)
    rounds = [world["closed"].id, world["open_round"].id, world["draft"].id]
    dossiers = [world[key].id for key in ("own", "partnered", "foreign")]
    urls = [
        *LIST_URLS,
        *(f"/api/v1/rounds/{rid}/results" for rid in rounds),
        *(f"/api/v1/dossiers/{did}" for did in dossiers),
    ]
    for url in urls:
        response = client.get(url, headers=_bearer(raw))
        assert response.status_code in (200, 403, 404), url
        text = response.get_data(as_text=True)
        for secret in NEVER[role]:
            assert secret not in text, (role, url, secret)
