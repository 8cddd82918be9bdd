"""Browser journey (issue 27): a municipal employee signs in through the
organisation's provider page (tests/oidc_provider.py on loopback) and signs out
of both; the tracker is a live server of its own (its provider configuration
must not show on the other journeys' sign-in page)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from app.auth.models import User
from app.config import oidc_providers_from_env
from app.extensions import db
from app.municipalities.models import Municipality
from tests.e2e.conftest import _context, run_axe, watch
from tests.e2e.live import live_server
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider

pytestmark = pytest.mark.e2e

KBO_ROESELARE = "0207451227"


@pytest.fixture
def tracker_and_provider(databases, tmp_path, monkeypatch):
    url = databases.create("demo", tmp_path)
    provider = Provider().start()
    provider.people = {
        "Anna Peeters": {
            "sub": "subject-anna",
            "email": "anna.peeters@roeselare.example",
            "email_verified": True,
            "name": "Anna Peeters",
            "roles": [f"MidwestMedewerker:{KBO_ROESELARE}"],
        }
    }
    try:
        with live_server(url) as live:
            provider.redirect_uris.add(f"{live.url}/login/stad/callback")
            monkeypatch.setenv("OIDC_PROVIDERS", "stad")
            for key, value in {
                "ISSUER": provider.issuer,
                "CLIENT_ID": CLIENT_ID,
                "CLIENT_SECRET": CLIENT_SECRET,
                "LABEL": "Stad Roeselare",
                "ROLE_CLAIM": "roles",
                "ROLE_MAP": "MidwestMedewerker=municipality",
                "SIGNUP": "jit",
            }.items():
                monkeypatch.setenv(f"OIDC_STAD_{key}", value)
            live.app.config["OIDC_PROVIDERS"] = oidc_providers_from_env()
            with live.app.app_context():
                db.session.execute(
                    update(Municipality)
                    .where(Municipality.name == "Roeselare")
                    .values(kbo_number=KBO_ROESELARE)
                )
                db.session.commit()
            yield live, provider
    finally:
        provider.stop()
        databases.drop(url)


def test_an_employee_signs_in_through_the_organisation_and_out_of_both(
    browser, tracker_and_provider
):
    live, provider = tracker_and_provider
    context = _context(browser, live)
    page = context.new_page()
    watched = watch(page)
    try:
        page.goto("/login")
        assert run_axe(page, dark=True) == []
        page.get_by_role("button", name="Aanmelden met Stad Roeselare").click()
        page.wait_for_url(f"{provider.issuer}/authorize**")
        page.get_by_label("Person").select_option("Anna Peeters")
        page.get_by_role("button", name="Sign in at the provider").click()
        page.wait_for_url(f"{live.url}/")
        assert page.locator("header").get_by_text("Anna Peeters").count() >= 1
        watched.assert_clean()
        with live.app.app_context():
            anna = db.session.scalar(
                select(User).where(User.email == "anna.peeters@roeselare.example")
            )
            assert anna.role == "municipality"
            assert anna.municipality.name == "Roeselare"

        page.get_by_role("button", name="Afmelden").click()
        page.wait_for_url(f"{live.url}/login?state=**")
        assert len(provider.logouts) == 1
        assert provider.logouts[0]["client_id"] == CLIENT_ID
        assert page.get_by_text("U bent afgemeld.").is_visible()
        watched.assert_clean()
        page.goto("/")
        page.wait_for_url(f"{live.url}/login?next=**")

        # A second sign-in after the account was deactivated: refused, said so.
        with live.app.app_context():
            db.session.execute(
                update(User).where(User.id == anna.id).values(active=False)
            )
            db.session.commit()
        page.get_by_role("button", name="Aanmelden met Stad Roeselare").click()
        page.get_by_role("button", name="Sign in at the provider").click()
        refused = page.get_by_role("alert")
        assert "Uw account in de tracker is gedeactiveerd." in refused.inner_text()
        assert run_axe(page) == []
    finally:
        context.close()
