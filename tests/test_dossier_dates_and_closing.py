"""Dossier rules that hold (issue 17, item 7), over HTTP: obligations dated from
the project dates, working days, and closing a dossier with open work."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from icalendar import Calendar
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.subsidies.models import Application, Payment, ReportingObligation
from app.work.models import Task
from tests import factories

REPORTING = [
    {"title": "Tussentijds rapport", "kind": "interim", "from": "start", "days": 365},
    {"title": "Eindrapport", "kind": "final", "from": "end", "days": 60},
]


def _submitted(reporting=REPORTING, **kw) -> Application:
    now = datetime.now(UTC)
    call = factories.call(
        opens_at=now - timedelta(days=90),
        deadline_at=now - timedelta(days=30),
        reporting_template=reporting,
    )
    application = factories.application(
        call,
        status="submitted",
        submitted_on=clock.today() - timedelta(days=40),
        requested_amount=Decimal("20000"),
        **kw,
    )
    db.session.commit()
    return application


def _move(client, application, **fields):
    data = {"move-version": str(application.version)}
    data |= {f"move-{name}": value for name, value in fields.items()}
    return client.form(f"/applications/{application.id}/status", data)


def _grant(client, application, **fields):
    grant = {
        "status": "granted",
        "decided_on": clock.today().isoformat(),
        "granted_amount": "15000",
    }
    return _move(client, application, **grant | fields)


def _due(application) -> dict[str, date]:
    return dict(
        db.session.execute(
            select(ReportingObligation.title, ReportingObligation.due_on).where(
                ReportingObligation.application_id == application.id
            )
        ).all()
    )


def test_granting_asks_for_the_project_dates_the_obligations_count_from(login_as):
    application = _submitted()
    client = login_as("coordinator", language="en")

    refused = _grant(client, application)

    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "count from the project start" in html
    assert "count from the project end" in html
    db.session.refresh(application)
    assert application.status == "submitted"
    assert _due(application) == {}

    granted = _grant(
        client, application, project_start="2031-01-06", project_end="2032-06-30"
    )

    assert granted.status_code == 303
    db.session.refresh(application)
    assert (application.project_start, application.project_end) == (
        date(2031, 1, 6),
        date(2032, 6, 30),
    )
    assert _due(application) == {
        "Tussentijds rapport": date(2032, 1, 6),  # start + 365
        "Eindrapport": date(2032, 8, 27),  # end + 60 = Sunday 29/8 → Friday
    }


def test_a_grant_needs_no_project_dates_when_nothing_counts_from_them(login_as):
    reporting = [
        {"title": "Voorschot", "kind": "advance", "from": "decision", "days": 0}
    ]
    application = _submitted(reporting)
    client = login_as("coordinator", language="en")
    assert _grant(client, application).status_code == 303
    assert list(_due(application)) == ["Voorschot"]


def test_changing_the_project_dates_redates_the_open_obligations(login_as):
    application = _submitted()
    client = login_as("coordinator", language="en")
    dates = {"project_start": "2031-01-06", "project_end": "2032-06-30"}
    assert _grant(client, application, **dates).status_code == 303
    db.session.refresh(application)
    final = next(o for o in application.obligations if o.title == "Eindrapport")
    done = client.form(
        f"/applications/{application.id}/obligations/{final.id}",
        {
            f"obligation-{final.id}-due_on": final.due_on.isoformat(),
            f"obligation-{final.id}-status": "done",
        },
        htmx=True,
    )
    assert done.status_code == 200
    db.session.refresh(application)

    edited = client.form(
        f"/applications/{application.id}/edit",
        {
            "version": str(application.version),
            "call_id": str(application.call_id),
            "title": application.title,
            "lead_municipality_id": str(application.lead_municipality_id),
            "requested_amount": "20000",
            "granted_amount": "15000",
            "submitted_on": application.submitted_on.isoformat(),
            "decided_on": application.decided_on.isoformat(),
            "project_start": "2031-03-03",
            "project_end": "2032-09-30",
        },
    )

    assert edited.status_code == 303
    assert _due(application) == {
        "Tussentijds rapport": date(2032, 3, 2),  # open: start + 365, re-dated
        "Eindrapport": date(2032, 8, 27),  # done: keeps its date
    }


def test_the_interim_report_never_falls_after_the_final_one(login_as):
    application = _submitted()
    client = login_as("coordinator", language="en")
    # a project of half a year: start + 365 would come after end + 60
    granted = _grant(
        client, application, project_start="2031-01-06", project_end="2031-06-30"
    )
    assert granted.status_code == 303
    assert _due(application) == {
        "Tussentijds rapport": date(2031, 8, 29),
        "Eindrapport": date(2031, 8, 29),
    }


def test_obligation_dates_skip_belgian_public_holidays(login_as):
    application = _submitted()
    client = login_as("coordinator", language="en")
    # start + 365 = Tuesday 11 November 2031 (Armistice); end + 60 = Monday
    # 21 July 2031 (National Day)
    granted = _grant(
        client, application, project_start="2030-11-11", project_end="2031-05-22"
    )
    assert granted.status_code == 303
    assert _due(application) == {
        "Tussentijds rapport": date(2031, 7, 18),  # never after the final report
        "Eindrapport": date(2031, 7, 18),  # Monday 21/7 → Friday 18/7
    }
    db.session.refresh(application)
    longer = client.form(
        f"/applications/{application.id}/edit",
        {
            "version": str(application.version),
            "call_id": str(application.call_id),
            "title": application.title,
            "lead_municipality_id": str(application.lead_municipality_id),
            "requested_amount": "20000",
            "granted_amount": "15000",
            "submitted_on": application.submitted_on.isoformat(),
            "decided_on": application.decided_on.isoformat(),
            "project_start": "2030-11-11",
            "project_end": "2032-06-30",
        },
    )
    assert longer.status_code == 303
    assert _due(application)["Tussentijds rapport"] == date(2031, 11, 10)  # Monday


def test_preparation_dates_skip_belgian_public_holidays(login_as):
    # deadline Monday 28 July 2031, 10:00 Brussels
    call = factories.call(
        opens_at=datetime(2031, 1, 1, tzinfo=UTC),
        deadline_at=datetime(2031, 7, 28, 8, 0, tzinfo=UTC),
        preparation_template=[
            {"title": "Conceptnota", "days_before": 7},  # Monday 21/7: National Day
            {"title": "Nalezing", "days_before": 5},  # Wednesday 23/7
        ],
    )
    lead = factories.municipality()
    db.session.commit()
    client = login_as("coordinator", language="en")
    response = client.form(
        "/applications/new",
        {
            "call_id": str(call.id),
            "title": "Summer dossier",
            "lead_municipality_id": str(lead.id),
            "owner_id": "",
            "theme_id": "",
            "requested_amount": "1000",
        },
    )
    assert response.status_code == 303
    tasks = db.session.execute(
        select(Task.title, Task.due_on).join(Application).order_by(Task.due_on)
    ).all()
    assert tasks == [
        ("Conceptnota – Summer dossier", date(2031, 7, 18)),  # → Friday
        ("Nalezing – Summer dossier", date(2031, 7, 23)),
    ]


# --- closing --------------------------------------------------------------------


def _reporting_dossier(paid: Decimal) -> tuple[Application, ReportingObligation]:
    now = datetime.now(UTC)
    call = factories.call(
        opens_at=now - timedelta(days=90), deadline_at=now - timedelta(days=30)
    )
    application = factories.application(
        call,
        title="Dossier to close",
        status="reporting",
        submitted_on=clock.today() - timedelta(days=40),
        decided_on=clock.today() - timedelta(days=20),
        granted_amount=Decimal("10000"),
    )
    db.session.flush()
    if paid:
        application.payments.append(
            Payment(paid_on=clock.today(), amount=paid, kind="balance")
        )
    obligation = ReportingObligation(
        title="Final report of the closing dossier",
        kind="final",
        due_on=clock.today() + timedelta(days=10),
    )
    application.obligations.append(obligation)
    factories.task(
        None, title="Preparation left open", application_id=application.id,
        due_on=clock.today() + timedelta(days=5),
    )  # fmt: skip
    db.session.commit()
    return application, obligation


def _feed_summaries(client, user) -> str:
    response = client.get(f"/calendar/{user.calendar_token}.ics")
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.data)
    return " ".join(str(event["SUMMARY"]) for event in calendar.walk("VEVENT"))


def test_closing_with_open_work_asks_then_waives_it_everywhere(login_as):
    application, obligation = _reporting_dossier(paid=Decimal("4000"))
    client = login_as("coordinator", language="en")
    coordinator = client.user
    feed = _feed_summaries(client, coordinator)
    assert "Final report of the closing dossier" in feed
    assert "Preparation left open" in feed

    asked = _move(client, application, status="closed")

    assert asked.status_code == 422
    html = asked.get_data(as_text=True)
    assert "open balance of" in html and "6,000.00" in html
    assert "1 open reporting obligation." in html
    assert 'name="move-confirm_close"' in html
    db.session.refresh(application)
    assert application.status == "reporting"
    assert db.session.get(ReportingObligation, obligation.id).status == "open"

    closed = _move(client, application, status="closed", confirm_close="y")

    assert closed.status_code == 303
    db.session.refresh(application)
    assert application.status == "closed"
    assert db.session.get(ReportingObligation, obligation.id).status == "waived"
    task = db.session.scalar(select(Task).filter_by(application_id=application.id))
    assert (task.status, task.progress) == ("done", 100)
    feed = _feed_summaries(client, coordinator)
    assert "Final report of the closing dossier" not in feed
    assert "Preparation left open" not in feed
    page = client.get("/deadlines").get_data(as_text=True)
    assert "Final report of the closing dossier" not in page
    assert "Preparation left open" not in page
    dossier = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "Waived" in dossier


def test_closing_a_settled_dossier_asks_nothing(login_as):
    application, obligation = _reporting_dossier(paid=Decimal("10000"))
    obligation.status, obligation.done_on = "done", clock.today()
    db.session.commit()
    client = login_as("coordinator", language="en")
    assert _move(client, application, status="closed").status_code == 303
    db.session.refresh(application)
    assert application.status == "closed"


def test_an_interim_report_cannot_be_moved_after_the_final_one(login_as):
    application = _submitted()
    client = login_as("coordinator", language="en")
    dates = {"project_start": "2031-01-06", "project_end": "2032-06-30"}
    assert _grant(client, application, **dates).status_code == 303
    db.session.refresh(application)
    interim = next(o for o in application.obligations if o.kind == "interim")
    url = f"/applications/{application.id}/obligations/{interim.id}"

    def update(due_on):
        data = {
            f"obligation-{interim.id}-due_on": due_on,
            f"obligation-{interim.id}-status": "open",
        }
        return client.form(url, data, htmx=True)

    refused = update("2032-09-01")  # after the final report of 27/8/2032

    assert refused.status_code == 422
    assert "cannot fall after the final report" in refused.get_data(as_text=True)
    assert _due(application)["Tussentijds rapport"] == date(2032, 1, 6)
    assert update("2032-02-02").status_code == 200
    assert _due(application)["Tussentijds rapport"] == date(2032, 2, 2)
