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
    not_mine = factories.task(group, title="Not mine")
    factories.rollout(theme, home, stage="live")
    db.session.commit()
    return {
        "task": not_mine,
        "thread": thread,
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


# --- issue 24 item 4: methods, parameters, language, ETags, absolute URLs ---


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize(
    "path", ["/api/v1/me", "/api/v1/dossiers/1", "/api/v1/openapi.json", "/api/x"]
)
def test_a_wrong_method_is_a_json_405_with_allow(client, world, method, path):
    raw = _token(world["users"]["coordinator"])
    response = client.open(path, method=method, headers=_bearer(raw))
    assert response.status_code == 405
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]["status"] == 405
    assert {"GET", "HEAD"} <= set(response.headers["Allow"].split(", "))
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("value", ["0.5", "-1.0", "IZEGEM", "izegem/x", "a" * 121])
def test_a_municipality_that_is_no_slug_is_refused(client, world, value):
    raw = _token(world["users"]["coordinator"])
    for url in ("/api/v1/tasks", "/api/v1/rollout"):
        response = client.get(
            url, query_string={"municipality": value}, headers=_bearer(raw)
        )
        assert response.status_code == 400, (url, value)
        assert "municipality" in response.get_json()["error"]["message"]


ANSWERS = {
    "nl": {
        "page=0": (
            "Parameter page: een geheel getal van 1 tot 2147483647 wordt verwacht"
        ),
        "mine=x": "Parameter mine: een van true, false wordt verwacht",
        "404": "Niet gevonden.",
        "405": "Hier kan alleen GET.",
    },
    "en": {
        "page=0": "Parameter page: a whole number from 1 to 2147483647 is expected",
        "mine=x": "Parameter mine: one of true, false is expected",
        "404": "Not found.",
        "405": "Only GET is possible here.",
    },
}


@pytest.mark.parametrize("language", ["nl", "en"])
def test_errors_are_in_the_token_owners_language(client, world, language):
    """Whatever the client's Accept-Language says: one language, the owner's."""
    user = world["users"]["coordinator"]
    user.language = language
    raw = _token(user)
    headers = _bearer(raw) | {"Accept-Language": "en" if language == "nl" else "nl"}
    expected = ANSWERS[language]

    def message(response):
        return response.get_json()["error"]["message"]

    for query in ("page=0", "mine=x"):
        response = client.get(f"/api/v1/tasks?{query}", headers=headers)
        assert message(response) == expected[query]
    assert (
        message(client.get("/api/v1/dossiers/999", headers=headers)) == expected["404"]
    )
    assert message(client.post("/api/v1/me", headers=headers)) == expected["405"]


def test_get_answers_carry_an_etag_and_answer_304(client, world):
    raw = _token(world["users"]["coordinator"])
    for url in ("/api/v1/me", "/api/v1/dossiers", "/api/v1/openapi.json"):
        first = client.get(url, headers=_bearer(raw))
        etag = first.headers["ETag"]
        again = client.get(url, headers=_bearer(raw) | {"If-None-Match": etag})
        assert again.status_code == 304 and again.get_data() == b""
        assert again.headers["ETag"] == etag
    # Another holder's answer differs: the tag is of the body, never shared.
    other = _token(world["users"]["viewer"])
    me = client.get("/api/v1/me", headers=_bearer(other))
    assert (
        me.headers["ETag"]
        != client.get("/api/v1/me", headers=_bearer(raw)).headers["ETag"]
    )
    assert "Authorization" in me.headers["Vary"]
    # Errors get no tag.
    assert (
        "ETag" not in client.get("/api/v1/dossiers/999", headers=_bearer(raw)).headers
    )


def test_urls_come_from_base_url_never_the_host_header(app, client, world):
    app.config["BASE_URL"] = "https://tracker.midwest.example/app"
    raw = _token(world["users"]["coordinator"])
    evil = {"Host": "evil.example"}
    body = client.get("/api/v1/dossiers", headers=_bearer(raw) | evil).get_json()
    urls = [item["url"] for item in body["items"]]
    body = client.get("/api/v1/tasks", headers=_bearer(raw) | evil).get_json()
    urls += [item["url"] for item in body["items"]]
    body = client.get(
        "/api/v1/deadlines?scope=region", headers=_bearer(raw) | evil
    ).get_json()
    urls += [item["url"] for item in body["items"]]
    assert len(urls) >= 5
    assert all(u.startswith("https://tracker.midwest.example/app/") for u in urls)
    page = client.get("/api/v1/", headers=evil).text
    assert "evil.example" not in page
    assert "https://tracker.midwest.example/app/api/v1/deadlines?when=week" in page


# --- issue 24 item 31: the description names every status the API answers ---


def test_every_status_the_api_answers_is_in_its_description(client, world):
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    raw = _token(world["users"]["coordinator"])
    long_query = "status=" + "x" * 3000
    for path, item in spec["paths"].items():
        url = (
            path.replace("{application_id}", str(world["own"].id))
            .replace("{round_id}", str(world["closed"].id))
            .replace("{task_id}", str(world["task"].id))
            .replace("{thread_id}", str(world["thread"].id))
        )
        documented = set(item["get"]["responses"])
        first = client.get(url, headers=_bearer(raw))
        assert first.status_code == 200, url
        answers = {
            "304": client.get(
                url, headers=_bearer(raw) | {"If-None-Match": first.headers["ETag"]}
            ),
            "401": client.get(url),
            "414": client.get(f"{url}?{long_query}", headers=_bearer(raw)),
            "422": client.get(f"{url}?x=%00", headers=_bearer(raw)),
        }
        for status, response in answers.items():
            assert str(response.status_code) == status, (url, status)
            assert status in documented, (path, status)
        assert "ETag" in item["get"]["responses"]["200"]["headers"]
        assert "ETag" in item["get"]["responses"]["304"]["headers"]
        refused = client.post(url, headers=_bearer(raw))
        assert refused.status_code == 405
    # A wrong method has no operation of its own: the description names the
    # answer once, with its Allow header, and says when it comes.
    method = spec["components"]["responses"]["MethodNotAllowed"]
    assert "Allow" in method["headers"]
    assert method["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert "405" in spec["info"]["description"]
