"""Issue 26 item 8 in a real browser: the "nieuw"/"gewijzigd" marks on the lead's
dashboard are read out with their meaning and pass axe (colour contrast
included) in the light and the dark colour scheme."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import run_axe
from tests.e2e.test_journeys import query

pytestmark = pytest.mark.e2e


def _previous_visit_long_ago(live) -> None:
    """The lead's previous visit a month ago: the demo's items are new since."""
    from sqlalchemy import select

    from app import clock
    from app.auth.models import User
    from app.extensions import db
    from app.main.models import DashboardVisit

    def set_visit():
        lead = db.session.scalar(
            select(User).where(User.email == "lead@midwest.example")
        )
        now = clock.now_utc()
        db.session.merge(
            DashboardVisit(
                user_id=lead.id,
                last_at=now - timedelta(minutes=1),
                previous_at=now - timedelta(days=30),
            )
        )
        db.session.commit()

    query(live, set_visit)


def test_the_marks_say_what_they_mean_and_pass_axe_in_both_schemes(live, new_page):
    _previous_visit_long_ago(live)
    page, watch = new_page("lead")
    page.goto("/")
    mark = page.locator(".badge.fresh").first
    expect(mark).to_be_visible()
    expect(mark).to_contain_text("sinds uw vorige bezoek")  # for screen readers
    assert mark.inner_text().split()[0] in ("nieuw", "gewijzigd")
    assert run_axe(page, dark=True) == []
    watch.assert_clean()  # no console errors, no CSP violations
