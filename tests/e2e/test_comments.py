"""Issue 26 item 4 in the browser: a comment with a mention is posted on a
dossier without a page load; the new comment takes the focus and is announced;
the mention search offers nobody who may not open the dossier."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.test_journeys import in_english, query

pytestmark = pytest.mark.e2e


def _dossier_and_people(live) -> tuple[int, str, str]:
    """Izegem's dossier, the full name of izegem@ (who may open it) and of
    lead@ (Roeselare, who may not)."""
    from app.auth.models import User
    from app.extensions import db
    from app.subsidies.models import Application

    def find():
        dossier = db.session.scalar(
            select(Application.id).where(Application.reference == "EINCL-2021-IZEGEM")
        )
        names = dict(
            db.session.execute(
                select(User.email, User.full_name).where(
                    User.email.in_(["izegem@midwest.example", "lead@midwest.example"])
                )
            ).all()
        )
        return dossier, names["izegem@midwest.example"], names["lead@midwest.example"]

    return query(live, find)


def test_posting_a_comment_with_a_mention_in_place(live, new_page):
    dossier, izegem, _lead = _dossier_and_people(live)
    with in_english(live, "coordinator@midwest.example"):
        page, watched = new_page("coordinator")
        page.goto(f"/applications/{dossier}")
        page.evaluate("window.__samePage = true")
        section = page.locator("#comments")
        section.get_by_label("Comment").fill("Offerte **ontvangen**, zie bijlage.")
        section.locator("#comment-mentions_search").fill(izegem)
        box = section.locator("#comment-mentions-matches input[name=mentions]").first
        expect(box).to_be_visible()
        box.check()
        section.get_by_role("button", name="Post comment").click()
        posted = page.locator("#comments li.comment").last
        expect(posted).to_contain_text("Offerte ontvangen, zie bijlage.")
        expect(posted.locator("strong").last).to_have_text("ontvangen")
        expect(posted).to_contain_text(f"@{izegem}")
        expect(posted).to_be_focused()
        expect(page.locator("#announcer")).to_contain_text("Comment saved.")
        assert page.evaluate("window.__samePage") is True  # no page load
        expect(page.locator("#comments textarea")).to_have_value("")
        watched.assert_clean()


def test_the_mention_search_offers_nobody_who_may_not_open_the_dossier(live, new_page):
    dossier, _izegem, lead = _dossier_and_people(live)
    with in_english(live, "coordinator@midwest.example"):
        page, watched = new_page("coordinator")
        # lead@ is no match on this dossier: the search offers only who may see it.
        page.goto(f"/applications/{dossier}")
        section = page.locator("#comments")
        section.locator("#comment-mentions_search").fill(lead)
        expect(section.locator("#comment-mentions-matches")).to_contain_text(
            "Nothing matches"
        )
        watched.assert_clean()
