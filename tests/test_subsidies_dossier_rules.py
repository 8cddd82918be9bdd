"""Dossier rules that hold (issue 17, item 7), over HTTP."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.subsidies.models import ApplicationPartner
from tests import factories


def _shares(application_id: int) -> list[tuple[int, Decimal]]:
    return db.session.execute(
        select(ApplicationPartner.municipality_id, ApplicationPartner.share_pct).where(
            ApplicationPartner.application_id == application_id
        )
    ).all()


def test_adding_an_existing_partner_is_refused_never_an_overwrite(login_as):
    lead, partner = factories.municipality("Lead"), factories.municipality("Pittem")
    application = factories.application(lead=lead)
    db.session.commit()
    client = login_as("coordinator", language="en")
    url = f"/applications/{application.id}/partners"
    data = {"partner-municipality_id": partner.id, "partner-share_pct": "20"}
    assert client.form(url, data, htmx=True).status_code == 200

    again = client.form(url, data | {"partner-share_pct": "35"}, htmx=True)

    assert again.status_code == 422
    assert "Pittem is already a partner" in again.get_data(as_text=True)
    assert _shares(application.id) == [(partner.id, Decimal("20.00"))]
    # changing the share goes through the partner list, and works
    change = client.form(
        f"{url}/{partner.id}",
        {f"share-{partner.id}-share_pct": "35"},
        htmx=True,
    )
    assert change.status_code == 200
    assert _shares(application.id) == [(partner.id, Decimal("35.00"))]


def _dossier(status: str, **kw):
    now = datetime.now(UTC)
    call = factories.call(
        opens_at=now - timedelta(days=60),
        deadline_at=now - timedelta(days=10),
        max_per_application=kw.pop("maximum", None),
    )
    application = factories.application(call, status=status, **kw)
    db.session.commit()
    return application


def _move(client, application, **fields):
    data = {"move-version": str(application.version)}
    data |= {f"move-{name}": value for name, value in fields.items()}
    return client.form(f"/applications/{application.id}/status", data)


@pytest.mark.parametrize(
    ("days", "why"), [(3, "lies in the future"), (-5, "lies after the call")]
)
def test_an_unusual_submission_date_needs_an_explicit_reason(login_as, days, why):
    application = _dossier("preparing")
    client = login_as("coordinator", language="en")
    submitted_on = (clock.today() + timedelta(days=days)).isoformat()

    refused = _move(client, application, status="submitted", submitted_on=submitted_on)

    assert refused.status_code == 422
    assert why in refused.get_data(as_text=True)
    db.session.refresh(application)
    assert (application.status, application.submitted_on) == ("preparing", None)

    accepted = _move(
        client,
        application,
        status="submitted",
        submitted_on=submitted_on,
        submission_reason="Deadline extended by mail of the funder",
    )
    assert accepted.status_code == 303
    db.session.refresh(application)
    assert application.status == "submitted"
    assert application.submission_reason == "Deadline extended by mail of the funder"


def test_a_submission_before_the_deadline_needs_no_reason(login_as):
    application = _dossier("preparing")
    client = login_as("coordinator", language="en")
    on_time = (clock.today() - timedelta(days=12)).isoformat()
    response = _move(client, application, status="submitted", submitted_on=on_time)
    assert response.status_code == 303


def test_an_amount_above_the_calls_maximum_must_be_confirmed_once(login_as):
    application = _dossier(
        "submitted",
        maximum=Decimal("50000"),
        requested_amount=Decimal("60000"),
        submitted_on=clock.today() - timedelta(days=20),
    )
    client = login_as("coordinator", language="en")
    grant = {"status": "granted", "decided_on": clock.today().isoformat()}

    refused = _move(client, application, **grant, granted_amount="55000")

    assert refused.status_code == 422
    assert "above the call&#39;s maximum" in refused.get_data(as_text=True)
    db.session.refresh(application)
    assert (application.status, application.over_maximum_confirmed) == (
        "submitted",
        False,
    )
    accepted = _move(
        client, application, **grant, granted_amount="55000", confirm_maximum="y"
    )
    assert accepted.status_code == 303
    db.session.refresh(application)
    assert application.granted_amount == Decimal("55000.00")
    assert application.over_maximum_confirmed is True


def _edit(client, application, **changes):
    data = {
        "version": str(application.version),
        "call_id": str(application.call_id),
        "title": application.title,
        "lead_municipality_id": str(application.lead_municipality_id),
        "requested_amount": str(application.requested_amount),
        "granted_amount": str(application.granted_amount),
        "submitted_on": application.submitted_on.isoformat(),
        "decided_on": application.decided_on.isoformat(),
    } | changes
    return client.form(f"/applications/{application.id}/edit", data)


def test_an_over_grant_confirmation_is_stored_and_not_asked_again(login_as):
    application = _dossier(
        "submitted",
        requested_amount=Decimal("10000"),
        submitted_on=clock.today() - timedelta(days=20),
    )
    client = login_as("coordinator", language="en")
    grant = {"status": "granted", "decided_on": clock.today().isoformat()}
    assert _move(client, application, **grant, granted_amount="12000").status_code == (
        422
    )
    confirmed = _move(
        client, application, **grant, granted_amount="12000", confirm_over="y"
    )
    assert confirmed.status_code == 303
    db.session.refresh(application)
    assert application.over_grant_confirmed is True

    # a later edit of the grant, without ticking again, is accepted
    edited = _edit(client, application, granted_amount="12500")

    assert edited.status_code == 303
    db.session.refresh(application)
    assert application.granted_amount == Decimal("12500.00")
    assert application.over_grant_confirmed is True
