"""Sign-in through an OpenID Connect provider (issue 27), over real HTTP against
the provider of tests/oidc_provider.py on loopback: the app's redirects are
followed by a requests session at the provider and by the Flask test client at
the app; the app fetches discovery, keys and tokens from the provider itself."""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from app.activity.models import Activity
from app.auth.models import Identity, User
from app.auth.service import find_user
from app.config import oidc_providers_from_env
from app.extensions import db
from tests import factories
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider

CALLBACK = "http://localhost/login/test/callback"
KBO_A = "0207451227"  # valid check digits
KBO_B = "0207437468"
ROLE_MAP = (
    "MidwestCoordinator=coordinator,MidwestLead=lead,"
    "MidwestMedewerker=municipality,MidwestLezer=viewer"
)


def configure(app, monkeypatch, provider: Provider, **env: str) -> None:
    """The app's provider "test" from OIDC_* variables, as an instance reads them."""
    settings = {
        "ISSUER": provider.issuer,
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "LABEL": "Testprovider",
        "ROLE_CLAIM": "roles",
        "ROLE_MAP": ROLE_MAP,
        "ORG_CLAIM": "org",
        "SIGNUP": "jit",
    } | env
    monkeypatch.setenv("OIDC_PROVIDERS", "test")
    for key, value in settings.items():
        monkeypatch.setenv(f"OIDC_TEST_{key}", value)
    app.config["OIDC_PROVIDERS"] = oidc_providers_from_env()
    app.extensions.pop("authlib.integrations.flask_client", None)


@pytest.fixture
def provider(app, monkeypatch):
    server = Provider().start()
    server.redirect_uris.add(CALLBACK)
    server.user = {
        "sub": "subject-anna",
        "email": "anna@gemeente.example",
        "email_verified": True,
        "name": "Anna Peeters",
    }
    configure(app, monkeypatch, server)
    yield server
    server.stop()


@pytest.fixture
def audit_log(caplog):
    caplog.set_level(logging.INFO, logger="midwest.audit")
    return lambda: [r.getMessage() for r in caplog.records if r.name == "midwest.audit"]


def to_provider(client, next_page: str | None = None) -> str:
    """The app's redirect to the provider: the provider's authorization URL."""
    url = "/login/test" + (f"?next={next_page}" if next_page else "")
    started = client.get(url)
    assert started.status_code == 302, started.get_data(as_text=True)
    return started.location


def callback_from(provider_url: str) -> str:
    """Open the provider's authorization URL over HTTP: its redirect back (the
    callback path and query at the app)."""
    answer = requests.get(provider_url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK
    return f"{back.path}?{back.query}"


def sign_in(client, next_page: str | None = None):
    """The whole journey: app → provider → app; the app's last answer."""
    return client.get(callback_from(to_provider(client, next_page)))


def signed_in_as(client) -> User | None:
    page = client.get("/profile")
    if page.status_code != 200:
        return None
    with client.session_transaction() as session:
        user_id = int(session["_user_id"].partition(":")[0])
    return db.session.get(User, user_id)


def refusal(response) -> str:
    html = response.get_data(as_text=True)
    assert 'id="sign-in-refused"' in html, html
    return html


# --- happy paths ---------------------------------------------------------------


def test_the_sign_in_page_offers_the_provider_beside_the_password_form(
    app, client, provider
):
    html = client.get("/login").get_data(as_text=True)
    assert 'href="/login/test"' in html
    assert "Testprovider" in html
    assert 'name="password"' in html


def test_the_authorization_request_uses_pkce_state_and_nonce(app, client, provider):
    query = parse_qs(urlsplit(to_provider(client)).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0]
    assert query["redirect_uri"] == [CALLBACK]
    assert "openid" in query["scope"][0].split()


def test_a_verified_email_links_to_the_existing_account(
    app, client, provider, audit_log, monkeypatch
):
    configure(app, monkeypatch, provider, SIGNUP="link")
    anna = factories.user("viewer", email="anna@gemeente.example")
    db.session.commit()
    answer = sign_in(client, next_page="/profile")
    assert answer.status_code == 302 and answer.location == "/profile"
    assert signed_in_as(client).id == anna.id
    identity = db.session.scalar(select(Identity))
    assert (identity.user_id, identity.provider, identity.subject) == (
        anna.id,
        "test",
        "subject-anna",
    )
    lines = audit_log()
    assert f"oidc linked provider=test subject=subject-anna user={anna.id}" in lines
    assert f"login user={anna.id} via=test" in lines


def test_a_linked_identity_signs_in_by_subject_even_with_another_email(
    app, client, provider
):
    anna = factories.user("viewer", email="anna@gemeente.example")
    db.session.commit()
    sign_in(client)
    client.post("/logout", data={"csrf_token": client.fetch_csrf("/profile")})
    provider.user = provider.user | {"email": "anna.peeters@elders.example"}
    sign_in(client)
    assert signed_in_as(client).id == anna.id
    assert db.session.scalar(select(Identity)).email == "anna.peeters@elders.example"


def test_just_in_time_creation_from_role_and_organisation(app, client, provider):
    town = factories.municipality("Roeselare", kbo_number=KBO_A)
    db.session.commit()
    provider.user = provider.user | {"roles": [f"MidwestLead:{KBO_A}"]}
    answer = sign_in(client)
    assert answer.status_code == 302
    anna = find_user("anna@gemeente.example")
    assert (anna.role, anna.municipality_id, anna.full_name) == (
        "lead",
        town.id,
        "Anna Peeters",
    )
    assert anna.must_change_password is False
    assert signed_in_as(client).id == anna.id
    created = db.session.scalar(select(Activity).where(Activity.action == "create"))
    assert created.entity_id == anna.id


def test_the_organisation_claim_maps_by_kbo_number(app, client, provider):
    town = factories.municipality("Izegem", kbo_number=KBO_B)
    db.session.commit()
    provider.user = provider.user | {
        "roles": "MidwestMedewerker",
        "org": "0207.437.468",
    }
    sign_in(client)
    anna = find_user("anna@gemeente.example")
    assert (anna.role, anna.municipality_id) == ("municipality", town.id)


def test_a_provider_of_one_organisation_names_it_in_its_settings(
    app, client, provider, monkeypatch
):
    """Entra ID: a tenant per municipality, no organisation claim."""
    configure(app, monkeypatch, provider, ORG_CLAIM="", ORG_CODE="0207.437.468")
    town = factories.municipality("Izegem", kbo_number=KBO_B)
    db.session.commit()
    provider.user = provider.user | {"roles": ["MidwestMedewerker"]}
    sign_in(client)
    anna = find_user("anna@gemeente.example")
    assert (anna.role, anna.municipality_id) == ("municipality", town.id)


def test_no_mapped_role_means_no_account_and_names_whom_to_ask(
    app, client, provider, audit_log
):
    factories.user("coordinator", full_name="Coby Coördinator")
    db.session.commit()
    provider.user = provider.user | {"roles": ["SomethingElse"]}
    answer = sign_in(client)
    assert answer.status_code == 403
    html = refusal(answer)
    assert "Er is nog geen account voor u in de tracker." in html
    assert "Vraag het aan Coby Coördinator (" in html
    assert find_user("anna@gemeente.example") is None
    assert signed_in_as(client) is None
    assert any("reason=no_account" in line for line in audit_log())


def test_link_mode_creates_no_account(app, client, provider, monkeypatch):
    configure(app, monkeypatch, provider, SIGNUP="link", ACCESS_CONTACT="")
    monkeypatch.setitem(app.config, "ACCESS_CONTACT", "de helpdesk (help@midwest.be)")
    provider.user = provider.user | {"roles": ["MidwestLezer"]}
    answer = sign_in(client)
    assert answer.status_code == 403
    assert "de helpdesk (help@midwest.be)" in refusal(answer)
    assert db.session.scalar(select(User)) is None


def test_invite_mode_links_only_an_account_nobody_signed_into(
    app, client, provider, monkeypatch
):
    configure(app, monkeypatch, provider, SIGNUP="invite")
    used = factories.user("viewer", email="anna@gemeente.example")
    used.last_login_at = used.created_at
    db.session.commit()
    assert sign_in(client).status_code == 403
    used.last_login_at = None
    db.session.commit()
    sign_in(client)
    assert signed_in_as(client).id == used.id


def test_an_unverified_email_is_not_linked(app, client, provider, audit_log):
    factories.user("viewer", email="anna@gemeente.example")
    db.session.commit()
    provider.user = provider.user | {"email_verified": False, "roles": ["MidwestLezer"]}
    answer = sign_in(client)
    assert answer.status_code == 403
    refusal(answer)
    assert db.session.scalar(select(Identity)) is None
    assert signed_in_as(client) is None
    assert any("reason=unverified_email" in line for line in audit_log())


def test_a_trusted_email_claim_of_another_name_links(
    app, client, provider, monkeypatch
):
    """ACM/IDM: the address is in vo_email and verified by the provider itself."""
    configure(
        app, monkeypatch, provider, EMAIL_CLAIM="vo_email", EMAIL_VERIFIED="trusted"
    )
    anna = factories.user("viewer", email="anna@gemeente.example")
    db.session.commit()
    provider.user = {"sub": "vo-id-1", "vo_email": "Anna@Gemeente.example"}
    sign_in(client)
    assert signed_in_as(client).id == anna.id


# --- what the app checks -------------------------------------------------------------


@pytest.fixture
def anna(app):
    user = factories.user("viewer", email="anna@gemeente.example")
    db.session.commit()
    return user


def _refused_with_400(client, answer):
    assert answer.status_code == 400
    refusal(answer)
    assert signed_in_as(client) is None


def test_next_leads_only_to_a_page_of_this_site(app, client, provider, anna):
    answer = sign_in(client, next_page="//evil.example/x")
    assert answer.status_code == 302 and answer.location == "/"


def test_an_unreachable_provider_is_said_so(app, client, provider, monkeypatch):
    from tests.conftest import free_port

    configure(app, monkeypatch, provider, ISSUER=f"http://127.0.0.1:{free_port()}")
    answer = client.get("/login/test")
    assert answer.status_code == 502
    assert "is niet bereikbaar" in refusal(answer)


def test_a_tampered_id_token_is_refused(app, client, provider, anna, audit_log):
    provider.tamper_next = True
    _refused_with_400(client, sign_in(client))
    assert db.session.scalar(select(Identity)) is None
    assert any("reason=token" in line for line in audit_log())


def test_an_expired_id_token_is_refused(app, client, provider, anna):
    now = int(time.time())
    provider.token_changes = {"exp": now - 3600, "iat": now - 7200}
    _refused_with_400(client, sign_in(client))


@pytest.mark.parametrize(
    "changes",
    [{"iss": "http://127.0.0.1:1"}, {"aud": "another-client"}, {"nonce": "forged"}],
    ids=["issuer", "audience", "nonce"],
)
def test_a_token_for_someone_else_is_refused(app, client, provider, anna, changes):
    provider.token_changes = changes
    _refused_with_400(client, sign_in(client))


def test_a_discovery_document_naming_another_issuer_is_refused(
    app, client, provider, anna
):
    provider.discovery_issuer = "http://127.0.0.1:1"
    answer = client.get("/login/test")
    assert answer.status_code == 400
    refusal(answer)


def test_a_replayed_state_is_refused(app, client, provider, anna):
    callback = callback_from(to_provider(client))
    assert client.get(callback).status_code == 302
    client.post("/logout", data={"csrf_token": client.fetch_csrf("/profile")})
    _refused_with_400(client, client.get(callback))
    # Nor in another browser (no state of its own): login CSRF.
    other = app.test_client()
    assert other.get(callback).status_code == 400


def test_keys_rotated_at_the_provider_are_fetched_again(app, client, provider, anna):
    sign_in(client)
    assert provider.jwks_fetches == 1
    client.post("/logout", data={"csrf_token": client.fetch_csrf("/profile")})
    provider.rotate_keys()  # the old key is gone, tokens name the new one
    assert sign_in(client).status_code == 302
    assert provider.jwks_fetches == 2
    assert signed_in_as(client).id == anna.id


def test_private_key_jwt_client_authentication(
    app, client, provider, anna, monkeypatch, tmp_path
):
    from joserfc.jwk import RSAKey

    key = RSAKey.generate_key(2048, private=True)
    key_file = tmp_path / "client.pem"
    key_file.write_bytes(key.as_pem(private=True))
    provider.client_public_key = RSAKey.import_key(key.as_pem(private=False))
    configure(
        app,
        monkeypatch,
        provider,
        CLIENT_SECRET="",
        PRIVATE_KEY_FILE=str(key_file),
        PRIVATE_KEY_ID="client-key-1",
    )
    assert sign_in(client).status_code == 302
    assert signed_in_as(client).id == anna.id
    sent = provider.token_requests[-1]
    assert sent["client_assertion_type"].endswith("jwt-bearer")
    assert "client_secret" not in sent


# --- accounts over time ----------------------------------------------------------


def test_role_and_municipality_follow_the_claims_at_every_sign_in(
    app, client, provider
):
    roeselare = factories.municipality("Roeselare", kbo_number=KBO_A)
    izegem = factories.municipality("Izegem", kbo_number=KBO_B)
    db.session.commit()
    provider.user = provider.user | {"roles": [f"MidwestLead:{KBO_A}"]}
    sign_in(client)
    anna = find_user("anna@gemeente.example")
    assert (anna.role, anna.municipality_id) == ("lead", roeselare.id)
    nonce = anna.session_nonce
    client.post("/logout", data={"csrf_token": client.fetch_csrf("/profile")})

    provider.user = provider.user | {"roles": [f"MidwestMedewerker:{KBO_B}"]}
    sign_in(client)
    anna = find_user("anna@gemeente.example")
    assert (anna.role, anna.municipality_id) == ("municipality", izegem.id)
    assert anna.session_nonce != nonce
    change = db.session.scalar(
        select(Activity).where(
            Activity.action == "update", Activity.entity_id == anna.id
        )
    )
    assert change.changes["role"] == ["lead", "municipality"]
    client.post("/logout", data={"csrf_token": client.fetch_csrf("/profile")})

    # Without a value that maps, the tracker's own assignment stays.
    provider.user = provider.user | {"roles": ["SomethingElse"]}
    sign_in(client)
    anna = find_user("anna@gemeente.example")
    assert (anna.role, anna.municipality_id) == ("municipality", izegem.id)


def test_a_municipal_role_for_an_unknown_organisation_is_refused(app, client, provider):
    provider.user = provider.user | {"roles": ["MidwestLead:0123456749"]}
    answer = sign_in(client)
    assert answer.status_code == 403
    assert "0123456749" in refusal(answer)
    assert find_user("anna@gemeente.example") is None


def test_a_deactivated_account_cannot_sign_in_through_the_provider(
    app, client, provider, anna, audit_log
):
    sign_in(client)
    client.post("/logout", data={"csrf_token": client.fetch_csrf("/profile")})
    anna.active = False
    db.session.commit()
    answer = sign_in(client)
    assert answer.status_code == 403
    refusal(answer)
    assert signed_in_as(client) is None
    assert any("reason=deactivated" in line for line in audit_log())


def test_a_temporary_password_is_not_asked_for_after_a_provider_sign_in(
    app, client, provider, anna
):
    anna.must_change_password = True
    db.session.commit()
    sign_in(client)
    assert client.get("/").status_code == 200


def test_logout_ends_the_provider_session_too(app, client, provider, anna, audit_log):
    sign_in(client)
    answer = client.post("/logout", data={"csrf_token": client.fetch_csrf("/profile")})
    assert answer.status_code == 303
    end = urlsplit(answer.location)
    assert f"{end.scheme}://{end.netloc}{end.path}" == f"{provider.issuer}/logout"
    query = parse_qs(end.query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["post_logout_redirect_uri"] == ["http://localhost/login"]
    assert query["id_token_hint"][0].count(".") == 2
    back = requests.get(answer.location, allow_redirects=False, timeout=10)
    assert back.headers["Location"].startswith("http://localhost/login?state=")
    assert len(provider.logouts) == 1
    assert signed_in_as(client) is None
    assert f"logout user={anna.id} via=test" in audit_log()


def test_the_sign_out_form_may_go_to_the_provider(app, client, provider):
    """Chromium applies the page's form-action to the sign-out's redirect."""
    policy = client.get("/login").headers["Content-Security-Policy"]
    assert f"form-action 'self' {provider.issuer};" in policy


def test_a_password_session_logs_out_here_only(app, client, provider, anna):
    client.fetch_csrf("/login")
    client.post(
        "/login",
        data={
            "csrf_token": client.csrf_token,
            "email": anna.email,
            "password": factories.PASSWORD,
        },
    )
    answer = client.post("/logout", data={"csrf_token": client.fetch_csrf("/profile")})
    assert answer.location == "/login"
    assert provider.logouts == []


def test_the_audit_log_names_events_but_never_a_token(
    app, client, provider, anna, audit_log
):
    sign_in(client)
    client.post("/logout", data={"csrf_token": client.fetch_csrf("/profile")})
    text = "\n".join(audit_log())
    assert "oidc linked" in text and "via=test" in text
    for secret in (CLIENT_SECRET, "eyJ"):  # JWTs start with eyJ
        assert secret not in text


# --- local passwords off, break-glass ------------------------------------------------


def test_local_login_off_leaves_the_break_glass_account_only(app, client, provider):
    admin = factories.user("coordinator", email="noodaccount@midwest.example")
    anna_local = factories.user("viewer", email="anna@gemeente.example")
    db.session.commit()
    app.config.update(
        LOCAL_LOGIN=False, BREAK_GLASS_EMAIL="noodaccount@midwest.example"
    )
    html = client.get("/login").get_data(as_text=True)
    assert 'name="password"' not in html and 'href="/login/test"' in html

    client.fetch_csrf("/login?local=1")
    refused = client.post(
        "/login?local=1",
        data={
            "csrf_token": client.csrf_token,
            "email": anna_local.email,
            "password": factories.PASSWORD,
        },
    )
    assert refused.status_code == 422
    assert signed_in_as(client) is None
    allowed = client.post(
        "/login?local=1",
        data={
            "csrf_token": client.csrf_token,
            "email": admin.email,
            "password": factories.PASSWORD,
        },
    )
    assert allowed.status_code == 302
    assert signed_in_as(client).id == admin.id


def test_no_provider_configured_means_passwords_only(app, client):
    html = client.get("/login").get_data(as_text=True)
    assert 'name="password"' in html and "/login/test" not in html
    assert client.get("/login/test").status_code == 404


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"OIDC_X_ISSUER": ""}, "OIDC_X_ISSUER and OIDC_X_CLIENT_ID must be set"),
        ({"OIDC_X_CLIENT_SECRET": ""}, "OIDC_X_CLIENT_SECRET or"),
        ({"OIDC_X_PRIVATE_KEY_FILE": "/nonexistent.pem"}, "cannot be read"),
        ({"OIDC_X_SIGNUP": "everyone"}, "SIGNUP must be link, jit or invite"),
        ({"LOCAL_LOGIN": "off"}, "LOCAL_LOGIN=off needs BREAK_GLASS_EMAIL"),
    ],
)
def test_a_sign_in_configuration_that_cannot_work_stops_the_start(
    monkeypatch, env, problem
):
    from app import create_app
    from app.config import Config, TestConfig, _env_bool

    monkeypatch.setenv("OIDC_PROVIDERS", "x")
    defaults = {
        "OIDC_X_ISSUER": "https://idp.example",
        "OIDC_X_CLIENT_ID": "c",
        "OIDC_X_CLIENT_SECRET": "s",
    }
    for key, value in (defaults | env).items():
        monkeypatch.setenv(key, value)

    class Broken(TestConfig):
        OIDC_PROVIDERS = oidc_providers_from_env()
        LOCAL_LOGIN = _env_bool("LOCAL_LOGIN", True)

    with pytest.raises(RuntimeError, match=problem):
        Config.check_oidc({k: getattr(Broken, k) for k in dir(Broken) if k.isupper()})
    with pytest.raises(RuntimeError, match=problem):
        create_app(Broken)


# --- the admin's view ---------------------------------------------------------------


def test_the_admin_sees_and_unlinks_an_identity(app, client, provider, anna):
    sign_in(client)
    coordinator = factories.user("coordinator")
    db.session.commit()
    admin = app.test_client()
    with admin.session_transaction() as session:
        session["_user_id"] = coordinator.get_id()
    page = admin.get(f"/admin/users/{anna.id}").get_data(as_text=True)
    assert "Testprovider" in page and "anna@gemeente.example" in page
    identity_id = db.session.scalar(select(Identity.id))
    form = admin.get(f"/admin/users/{anna.id}").get_data(as_text=True)
    csrf = form.split('name="csrf_token" value="')[1].split('"')[0]
    answer = admin.post(
        f"/admin/users/{anna.id}/identities/{identity_id}/unlink",
        data={"csrf_token": csrf},
    )
    assert answer.status_code == 303
    assert db.session.scalar(select(Identity)) is None
    assert signed_in_as(client) is None  # the session through it ended
    log = admin.get("/activity").get_data(as_text=True)
    assert "Aanmelden via een organisatie" in log
    assert "test: anna@gemeente.example" in log
    # An identity is unlinked from its own account's page only.
    sign_in(client)
    identity_id = db.session.scalar(select(Identity.id))
    other = factories.user("viewer")
    db.session.commit()
    wrong = admin.post(
        f"/admin/users/{other.id}/identities/{identity_id}/unlink",
        data={"csrf_token": csrf},
    )
    assert wrong.status_code == 404
    assert db.session.get(Identity, identity_id) is not None


# --- the KBO number of a municipality ---------------------------------------------


@pytest.fixture
def izegem(app):
    town = factories.municipality("Izegem", nis_code="36008")
    factories.municipality("Tielt", kbo_number=KBO_A)
    db.session.commit()
    return town


EDIT = {"name": "Izegem", "nis_code": "36008", "merged_into_id": "0"}


def test_the_coordinator_sets_a_kbo_number_in_any_usual_spelling(izegem, login_as):
    client = login_as("coordinator")
    page = client.get("/municipalities/izegem/edit").get_data(as_text=True)
    assert 'name="kbo_number"' in page and "KBO-nummer" in page
    answer = client.form(
        "/municipalities/izegem/edit", EDIT | {"kbo_number": "BE 0207.437.468"}
    )
    assert answer.status_code == 303
    db.session.expire_all()
    assert db.session.get(type(izegem), izegem.id).kbo_number == KBO_B
    entry = db.session.scalar(
        select(Activity).where(Activity.entity_type == "municipality")
    )
    assert entry.changes == {"kbo_number": [None, KBO_B]}


@pytest.mark.parametrize(
    ("kbo", "message"),
    [
        ("0207437469", "controlegetal"),  # wrong check digits
        ("2207437468", "begint met 0 of 1"),
        ("02074374", "10 cijfers"),
        ("0207x437468", "10 cijfers"),
        (KBO_A, "Een andere gemeente heeft dit KBO-nummer."),
    ],
)
def test_a_wrong_kbo_number_is_refused_in_dutch(izegem, login_as, kbo, message):
    client = login_as("coordinator")
    answer = client.form("/municipalities/izegem/edit", EDIT | {"kbo_number": kbo})
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(izegem), izegem.id).kbo_number is None


@pytest.mark.parametrize("role", ["lead", "municipality", "viewer"])
def test_only_the_coordinator_edits_the_kbo_number(izegem, login_as, role):
    client = login_as(role)
    client.fetch_csrf("/")
    answer = client.form("/municipalities/izegem/edit", EDIT | {"kbo_number": KBO_B})
    assert answer.status_code == 403
    db.session.expire_all()
    assert db.session.get(type(izegem), izegem.id).kbo_number is None


def test_two_first_sign_ins_at_once_link_one_identity_and_never_answer_500(
    app, client, provider
):
    """The race at the database level: another worker links the same identity
    between this sign-in's lookup and its commit. (SQLite serializes writers:
    this sign-in holds the write lock by then, so the race is PostgreSQL's.)"""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("concurrent writers: PostgreSQL (SQLite serializes them)")
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    anna = factories.user("viewer", email="anna@gemeente.example")
    db.session.commit()
    anna_id = anna.id

    raced = []

    def other_worker_links_first(session, _context, _instances):
        if raced or not any(isinstance(new, Identity) for new in session.new):
            return
        raced.append(True)
        with Session(db.engine) as other_worker:
            other_worker.add(
                Identity(user_id=anna_id, provider="test", subject="subject-anna")
            )
            other_worker.commit()

    event.listen(Session, "before_flush", other_worker_links_first)
    try:
        answer = sign_in(client)
    finally:
        event.remove(Session, "before_flush", other_worker_links_first)
    assert raced and answer.status_code == 302
    assert signed_in_as(client).id == anna_id
    assert [(i.user_id, i.subject) for i in db.session.scalars(select(Identity))] == [
        (anna_id, "subject-anna")
    ]
