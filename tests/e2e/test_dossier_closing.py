"""Issue 17's journey in a real browser: a coordinator finds a dossier through the
header search, uploads its approval letter, grants it with project dates and
closes it; its deadlines then leave the calendar feed and /deadlines."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from icalendar import Calendar
from playwright.sync_api import expect
from sqlalchemy import select

from tests.conftest import DEMO_PASSWORD
from tests.e2e.live import sign_in
from tests.e2e.test_journeys import OPEN_CALL, in_english, query

pytestmark = pytest.mark.e2e

COORDINATOR = "coordinator@midwest.example"
WORD = "Klokkentorenscanner"  # one dossier in the demo data has it
TITLE = f"{WORD} voor het stadhuis"
TASK = f"Begroting nakijken – {TITLE}"


def _pdf() -> bytes:
    """A small valid one-page PDF (cross-reference offsets computed)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    table = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % table
    return bytes(out)


def _submitted_dossier(live) -> int:
    """A submitted dossier of the demo's open call, with a preparation task left
    open (made here so that no other journey depends on it)."""
    from app import clock
    from app.auth.models import User
    from app.extensions import db
    from app.municipalities.models import Municipality
    from app.subsidies.models import Application, SubsidyCall
    from app.work.models import Task

    def make():
        today = clock.today()
        owner = db.session.scalar(select(User).where(User.email == COORDINATOR))
        application = Application(
            call_id=db.session.scalar(
                select(SubsidyCall.id).where(SubsidyCall.title == OPEN_CALL)
            ),
            title=TITLE,
            lead_municipality_id=db.session.scalar(
                select(Municipality.id).where(Municipality.slug == "tielt")
            ),
            owner_id=owner.id,
            status="submitted",
            submitted_on=today - timedelta(days=5),
            requested_amount=Decimal("50000"),
        )
        db.session.add(application)
        db.session.flush()
        db.session.add(
            Task(
                title=TASK,
                application_id=application.id,
                assignee_id=owner.id,
                due_on=today + timedelta(days=3),
            )
        )
        db.session.commit()
        return application.id

    return query(live, make)


def _deadline_ids(live, application_id: int) -> set[str]:
    """The calendar UIDs of the dossier's obligations and preparation tasks."""
    from app.extensions import db
    from app.subsidies.models import ReportingObligation
    from app.work.models import Task

    def read():
        obligations = db.session.scalars(
            select(ReportingObligation.id).where(
                ReportingObligation.application_id == application_id
            )
        )
        tasks = db.session.scalars(
            select(Task.id).where(Task.application_id == application_id)
        )
        return {f"obligation-{i}@midwest-tracker" for i in obligations} | {
            f"task-{i}@midwest-tracker" for i in tasks
        }

    return query(live, read)


def _feed_uids(page, feed_url: str) -> set[str]:
    response = page.request.get(feed_url)
    assert response.status == 200
    calendar = Calendar.from_ical(response.body())
    return {str(event["UID"]) for event in calendar.walk("VEVENT")}


def test_coordinator_finds_grants_and_closes_a_dossier(live, new_page):
    from app import clock

    today = clock.today()
    application_id = _submitted_dossier(live)
    with in_english(live, COORDINATOR):
        page, watched = new_page()
        sign_in(page, live.url, COORDINATOR, DEMO_PASSWORD)
        page.goto("/profile")
        feed_url = page.get_by_label("Calendar address").input_value()

        # Found through the header search.
        page.goto("/")
        field = page.get_by_role("combobox", name=re.compile("Search"))
        field.fill(WORD)
        option = page.locator(
            f'#site-search-results [role="option"]'
            f'[data-href="/applications/{application_id}"]'
        )
        expect(option).to_contain_text(TITLE)
        option.click()
        page.wait_for_url(re.compile(rf"/applications/{application_id}$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)

        # The approval letter, a real PDF.
        documents = page.locator("#dossier-documents")
        documents.get_by_text("Upload a document").click()
        documents.get_by_label("File").set_input_files(
            {
                "name": "Goedkeuringsbrief.pdf",
                "mimeType": "application/pdf",
                "buffer": _pdf(),
            }
        )
        documents.get_by_label("Kind of document").select_option(
            label="Approval letter"
        )
        documents.get_by_role("button", name="Upload").click()
        row = page.locator("#dossier-documents tbody tr[data-document-id]")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Goedkeuringsbrief.pdf")
        expect(row).to_contain_text("Approval letter")

        def move(status, **fields):
            section = page.locator("#dossier-move")
            section.get_by_label("New status").select_option(status)
            for label, value in fields.items():
                section.get_by_label(label).fill(value)
            section.get_by_role("button", name="Change status").click()

        badge = page.locator("#dossier-status [data-status-value]")
        start = today + timedelta(days=14)
        move(
            "granted",
            **{
                "Decided on": today.isoformat(),
                "Granted amount (€)": "45000",
                "Project start": start.isoformat(),
                "Project end": (start + timedelta(days=540)).isoformat(),
            },
        )
        expect(badge).to_have_attribute("data-status-value", "granted")
        obligations = page.locator("#dossier-obligations tbody tr[data-obligation-id]")
        expect(obligations.first).to_be_visible()
        watched.assert_clean()

        # Its deadlines are in the feed and on /deadlines.
        ours = _deadline_ids(live, application_id)
        assert len(ours) == obligations.count() + 1  # and the preparation task
        assert ours <= _feed_uids(page, feed_url)
        page.goto("/deadlines")
        expect(page.get_by_role("link", name=TASK)).to_be_visible()

        # Closing with an open balance and open obligations asks first.
        page.goto(f"/applications/{application_id}")
        move("reporting")
        expect(badge).to_have_attribute("data-status-value", "reporting")
        move("closed")
        question = page.locator("#dossier-move .field-error")
        expect(question).to_contain_text("open balance")
        expect(badge).to_have_attribute("data-status-value", "reporting")
        page.locator("#dossier-move").get_by_label(
            re.compile("I confirm: close the dossier")
        ).check()
        page.locator("#dossier-move").get_by_role(
            "button", name="Change status"
        ).click()
        expect(badge).to_have_attribute("data-status-value", "closed")
        expect(obligations.first).to_contain_text("Waived")
        watched.assert_clean()

        # Gone from the feed and from /deadlines.
        assert not ours & _feed_uids(page, feed_url)
        page.goto("/deadlines")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.get_by_role("link", name=TASK)).to_have_count(0)
        assert TITLE not in page.content()
        watched.assert_clean()
