"""Dutch wording of issue 24 item 17: sizes with a decimal comma, a withheld
amount says what it counts, a waived obligation is "vrijgesteld"."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import force_locale

from app.extensions import db
from app.formatting import fmt_megabytes
from tests import factories


@pytest.mark.parametrize(
    ("language", "size", "shown"),
    [
        ("nl", 4 * 1024 * 1024, "4,0"),
        ("en", 4 * 1024 * 1024, "4.0"),
        ("nl", 50 * 1024, "0,05"),
    ],
)
def test_megabytes_in_the_readers_notation(app, language, size, shown):
    with app.test_request_context(), force_locale(language):
        assert fmt_megabytes(size) == shown


def test_the_document_limit_has_a_decimal_comma(login_as):
    application = factories.application(title="Dossier met bijlagen")
    db.session.commit()
    page = login_as("coordinator", language="nl").get(f"/applications/{application.id}")
    assert "hoogstens 4,0 MB" in page.text
    assert "4.0 MB" not in page.text


def test_a_withheld_amount_says_it_counts_dossiers(login_as):
    factories.application(
        factories.call(title="Eenzame oproep"),
        status="granted",
        requested_amount=Decimal("1000"),
        granted_amount=Decimal("900"),
    )
    db.session.commit()
    page = login_as("viewer", language="nl").get("/calls").text
    row = page.split("Eenzame oproep")[1].split("</tr>")[0]
    assert "minder dan 3 dossiers" in row


def test_a_waived_obligation_is_vrijgesteld(app):
    from app.labels import label

    with app.test_request_context(), force_locale("nl"):
        assert str(label("obligation_status", "waived")) == "Vrijgesteld"
