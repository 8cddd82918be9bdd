"""Dossier rules that hold (issue 17, item 7), over HTTP."""

from decimal import Decimal

from sqlalchemy import select

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
