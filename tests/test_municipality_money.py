"""The roll-up per municipality as summary rows (issue 23 item 1): every write
path keeps `municipality_money` equal to the figures added up from scratch, and
the region's roll-up is read from it."""

from __future__ import annotations

import importlib.util
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app import archive
from app.extensions import db
from app.subsidies import dossiers, money, rollups
from app.subsidies.models import Application, ApplicationPartner, MunicipalityMoney
from tests import factories

ROOT = Path(__file__).resolve().parent.parent


def _summary() -> dict:
    db.session.expire_all()
    return rollups.summary_rows(db.session)


def _from_scratch() -> dict:
    return rollups.municipality_sums(db.session)


def _assert_kept() -> None:
    assert _summary() == _from_scratch()


@pytest.fixture
def places(app):
    return [factories.municipality(f"Plaats {n}") for n in range(4)]


def _dossier(places, **kw) -> Application:
    dossier = factories.application(
        lead=places[0],
        status=kw.pop("status", "submitted"),
        submitted_on=date(2026, 1, 5),
        requested_amount=Decimal(kw.pop("requested", "1000.05")),
        **kw,
    )
    factories.partner(dossier, places[1], "33.33")
    db.session.commit()
    return dossier


def test_create_edit_and_delete_keep_the_summary(places):
    coordinator = factories.user("coordinator")
    dossier = _dossier(places)
    _assert_kept()
    assert _summary()[(places[1].id, "partner")][0] == 1
    dossiers.update_application(
        dossier,
        {"requested_amount": Decimal("2500.55"), "lead_municipality_id": places[2].id},
        coordinator,
    )
    db.session.commit()
    _assert_kept()
    assert (places[0].id, "lead") not in _summary()  # its last dossier left it
    db.session.delete(dossier)
    db.session.commit()
    _assert_kept()
    assert _summary() == {}


def test_status_changes_and_payments_keep_the_summary(places):
    coordinator = factories.user("coordinator")
    dossier = _dossier(places)
    errors = dossiers.move(
        dossier,
        "granted",
        {"granted_amount": Decimal("900.01"), "decided_on": date(2026, 2, 1)},
        True,
        coordinator,
    )
    assert errors == {}
    db.session.commit()
    _assert_kept()
    assert _summary()[(places[0].id, "lead")][2] > 0  # granted, in cents
    assert (
        dossiers.add_payment(
            dossier,
            {
                "amount": Decimal("300.03"),
                "kind": "advance",
                "paid_on": date(2026, 3, 1),
            },
            coordinator,
        )
        == {}
    )
    db.session.commit()
    _assert_kept()
    assert _summary()[(places[1].id, "partner")][3] == 10_000  # 33.33% of 300.03
    dossiers.delete_payment(dossier.payments[0], coordinator)
    db.session.commit()
    _assert_kept()


def test_partner_changes_keep_the_summary(places):
    coordinator = factories.user("coordinator")
    dossier = _dossier(places)
    assert dossiers.set_partner(dossier, places[2], Decimal("12.5"), coordinator) == {}
    db.session.commit()
    _assert_kept()
    assert dossiers.set_partner(dossier, places[1], Decimal("50"), coordinator) == {}
    db.session.commit()
    _assert_kept()
    partner = next(p for p in dossier.partners if p.municipality_id == places[1].id)
    dossiers.remove_partner(dossier, partner, coordinator)
    db.session.commit()
    _assert_kept()
    assert (places[1].id, "partner") not in _summary()


def test_archive_and_restore_keep_the_summary(places):
    coordinator = factories.user("coordinator")
    dossier = _dossier(places)
    _dossier(places, requested="10")
    archive.archive(dossier, coordinator)
    db.session.commit()
    _assert_kept()
    assert _summary()[(places[0].id, "lead")][0] == 1
    archive.restore(dossier, coordinator)
    db.session.commit()
    _assert_kept()
    assert _summary()[(places[0].id, "lead")][0] == 2


def test_a_rolled_back_write_leaves_the_summary(places):
    dossier = _dossier(places)
    before = _summary()
    dossier.requested_amount = Decimal("1")
    db.session.flush()
    db.session.rollback()
    assert _summary() == before
    _assert_kept()


def test_a_bulk_write_rebuilds_the_summary(places):
    """A statement that names no dossier (an import, the benchmark data): the
    summary is computed again at the commit."""
    _dossier(places)
    call_id = factories.call().id
    db.session.execute(
        insert(Application),
        [
            {
                "call_id": call_id,
                "title": f"Bulk {n}",
                "lead_municipality_id": places[3].id,
                "status": "submitted",
                "submitted_on": date(2026, 1, 5),
                "requested_amount": Decimal("77.77"),
            }
            for n in range(3)
        ],
    )
    db.session.commit()
    _assert_kept()
    assert _summary()[(places[3].id, "lead")][0] == 3
    db.session.execute(
        delete(ApplicationPartner).where(
            ApplicationPartner.municipality_id == places[1].id
        )
    )
    db.session.commit()
    _assert_kept()


def test_the_regions_roll_up_is_read_from_the_summary(places):
    """What the coordinator's /applications shows per municipality comes from
    the summary rows (a wrong row would show), and equals the figures added up
    from the dossiers."""
    _dossier(places)
    computed = rollups._by_municipality(None, select(Application.id))
    assert rollups.rollup_by_municipality(None) == computed
    db.session.execute(
        MunicipalityMoney.__table__.update()
        .where(MunicipalityMoney.municipality_id == places[1].id)
        .values(requested=123)
    )
    db.session.commit()
    db.session.expire_all()
    assert rollups._by_municipality(None)[places[1].id]["partner"].requested == (
        Decimal("1.23")
    )
    # The municipality page's (a few municipalities) too.
    alone = rollups.rollup_by_municipality(None, [places[1].id])
    assert alone[places[1].id]["partner"].requested == Decimal("1.23")
    money.rebuild(db.session.connection())
    db.session.commit()
    _assert_kept()


def test_a_municipality_user_still_sees_only_their_dossiers(client, places):
    """A municipality user's roll-up is over what they see, not the summary of
    the whole region: a dossier of others with a partner they do not know is
    not in their figures."""
    _dossier(places)
    factories.application(
        lead=places[2],
        status="submitted",
        submitted_on=date(2026, 1, 5),
        requested_amount=Decimal("555.55"),
    )
    db.session.commit()
    user = factories.user("municipality", municipality_=places[1])
    db.session.commit()
    seen = rollups.rollup_by_municipality(user)
    assert set(seen) == {places[0].id, places[1].id}
    assert places[2].id in rollups.rollup_by_municipality(None)


def test_the_migration_fills_the_summary_by_the_same_rule(places):
    """The migration's SQL gives the rows the app adds up (half-to-even cents,
    payments, partners, archived dossiers left out)."""
    coordinator = factories.user("coordinator")
    for amount in ("0.50", "1.50", "2.51", "12345.67"):
        dossier = _dossier(places, requested=amount)
        dossiers.set_partner(dossier, places[2], Decimal("0.5"), coordinator)
    dossier.status, dossier.granted_amount = "granted", Decimal("99.99")
    factories.payment(dossier, "33.33")
    archive.archive(_dossier(places), coordinator)
    db.session.commit()
    spec = importlib.util.spec_from_file_location(
        "money_migration", ROOT / "migrations" / "versions" / "municipality_money.py"
    )
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    connection = db.session.connection()  # not a bulk statement: no rebuild
    connection.execute(delete(MunicipalityMoney))
    connection.execute(text(migration.FILL))
    db.session.commit()
    _assert_kept()
    assert len(_summary()) == 3


def test_writes_about_different_municipalities_take_different_rows(places):
    """PostgreSQL: a write about one municipality's dossier holds no summary row
    that a write about another municipality's dossier needs (lock_timeout)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks between writers: PostgreSQL (SQLite serializes)")
    first = _dossier(places)
    second = factories.application(
        lead=places[2],
        status="submitted",
        submitted_on=date(2026, 1, 5),
        requested_amount=Decimal("10"),
    )
    db.session.commit()
    first_id, second_id = first.id, second.id
    db.session.get(Application, first_id).requested_amount = Decimal("20")
    db.session.flush()  # its summary rows written, locked, not committed
    other = Session(db.engine)
    try:
        other.execute(text("SET LOCAL lock_timeout = '1s'"))
        other.get(Application, second_id).requested_amount = Decimal("30")
        other.commit()  # no lock timeout: it waited for no summary row
    finally:
        other.close()
    db.session.commit()
    _assert_kept()
    # The guard: a write about the same municipality does wait for the row.
    db.session.get(Application, first_id).requested_amount = Decimal("40")
    db.session.flush()
    other = Session(db.engine)
    try:
        other.execute(text("SET LOCAL lock_timeout = '1s'"))
        third = other.get(Application, second_id)
        third.lead_municipality_id = places[0].id
        with pytest.raises(OperationalError, match="lock timeout"):
            other.flush()
    finally:
        other.rollback()
        other.close()
    db.session.commit()
    _assert_kept()
