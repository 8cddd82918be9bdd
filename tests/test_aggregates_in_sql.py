"""Figures the database adds up (issue 23 item 1) agree to the cent and to the
last digit with the one Python rule they replace."""

from __future__ import annotations

import random
import statistics
from decimal import Decimal

import pytest
from sqlalchemy import BigInteger, literal, select

from app.extensions import db
from app.strategy.results import summarize, summarize_counts
from app.subsidies.models import Application
from app.subsidies.rollups import (
    _share_in_cents_sql,
    rollup_by_municipality,
    share_in_cents,
    share_of,
)
from tests import factories


def test_shares_per_municipality_are_rounded_half_to_even_per_dossier(app):
    """Each dossier's share is rounded to the cent (half to even) before the
    sum, as `share_of` does: 1% of €0.50 is €0.00 and 1% of €1.50 is €0.02."""
    lead, partner = factories.municipality(), factories.municipality()
    amounts = ["0.50", "1.50", "2.50", "0.51", "12345.67", "0.49"]
    for amount in amounts:
        dossier = factories.application(
            lead=lead, requested_amount=Decimal(amount), status="submitted"
        )
        factories.partner(dossier, partner, "1.00")
    db.session.commit()
    figures = rollup_by_municipality(among=select(Application.id))
    expected_partner = sum(share_of(Decimal(a), Decimal("1.00")) for a in amounts)
    expected_lead = sum(share_of(Decimal(a), Decimal("99.00")) for a in amounts)
    assert figures[partner.id]["partner"].requested == expected_partner
    assert figures[lead.id]["lead"].requested == expected_lead
    assert expected_partner == Decimal("123.51")  # 0+0.02+0.02+0.01+123.46+0


def test_the_databases_share_in_cents_is_pythons(app):
    """The roll-up's SQL rounding of cents × hundredths (half up, less one on an
    even half) is `share_in_cents`: ties at odd and even whole parts, and large
    amounts."""
    rng = random.Random(23)
    pairs = [(cents, pct) for cents in (0, 1, 5, 50, 150, 250) for pct in (1, 50, 100)]
    pairs += [(rng.randint(0, 10**12), rng.randint(0, 10_000)) for _ in range(300)]
    products = [cents * pct for cents, pct in pairs]
    found = db.session.execute(
        select(*(_share_in_cents_sql(literal(p, BigInteger)) for p in products))
    ).one()
    assert list(found) == [share_in_cents(cents, pct) for cents, pct in pairs]


@pytest.mark.parametrize("seed", range(5))
def test_a_threads_figures_from_counts_are_those_of_its_answers(seed):
    rng = random.Random(seed)
    for _ in range(200):
        values = [rng.randint(0, 10) for _ in range(rng.randint(1, 30))]
        result = summarize(None, values, 7, 2 / 3)
        assert result.mean == sum(values) / len(values)
        assert result.median == float(statistics.median(values))
        assert result.stdev == pytest.approx(statistics.pstdev(values), abs=1e-12)
        assert (result.minimum, result.maximum) == (min(values), max(values))
        assert result.high == sum(1 for value in values if value >= 7)


def test_no_answers_give_no_figures():
    result = summarize_counts(None, {3: 0}, 7, 2 / 3)
    assert result.responses == 0 and result.mean is None and result.median is None


def test_one_calls_figures_are_those_of_the_whole_list(app):
    """/calls/<id> adds up the dossiers of its own call only: the same figures as
    the list of every call, an archived dossier left out of both."""
    from app.clock import now_utc
    from app.subsidies.rollups import call_figures_for, calls_and_totals_for

    coordinator = factories.user(role="coordinator")
    first, second = factories.call(), factories.call()
    for call_, amount in ((first, "100.10"), (first, "50.05"), (second, "7.00")):
        dossier = factories.application(
            call_=call_, requested_amount=Decimal(amount), status="submitted"
        )
        factories.payment(dossier, "10.00")
    gone = factories.application(call_=first, requested_amount=Decimal("999"))
    gone.archived_at = now_utc()
    db.session.commit()
    every, _totals = calls_and_totals_for(coordinator)
    for call_ in (first, second):
        one = call_figures_for(coordinator, [call_.id])
        assert one == {call_.id: every[call_.id]}
    assert every[first.id].requested == Decimal("150.15")
    assert every[first.id].paid == Decimal("20.00")


def test_a_municipalitys_figures_are_those_of_the_region_without_archived(app):
    """The municipality page adds up its own dossiers only, and like the
    region's roll-up leaves an archived dossier out."""
    from app.clock import now_utc

    places = [factories.municipality() for _ in range(3)]
    for lead, amount in zip(places, ("10.00", "40.00", "20.00"), strict=True):
        dossier = factories.application(
            lead=lead, requested_amount=Decimal(amount), status="submitted"
        )
        factories.partner(dossier, places[0], "12.50")
    gone = factories.application(
        lead=places[2], requested_amount=Decimal("9999"), status="submitted"
    )
    factories.partner(gone, places[0], "50")
    gone.archived_at = now_utc()
    db.session.commit()
    everyone = rollup_by_municipality(None)
    for place in places:
        alone = rollup_by_municipality(None, [place.id])
        assert repr(alone[place.id]) == repr(everyone[place.id])
    assert everyone[places[2].id]["lead"].requested == Decimal("17.50")
    assert everyone[places[0].id]["partner"].requested == Decimal("8.75")
