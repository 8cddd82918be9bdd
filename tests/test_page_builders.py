"""The page builders (issue 14): each returns what its page shows to one user,
called directly, without a request (the views only authorize and render)."""

from __future__ import annotations

from decimal import Decimal

from app import clock
from app.extensions import db
from app.strategy import promotion, rounds, threads
from app.subsidies import listing, pages
from tests import factories


def _round_world():
    home, other = factories.municipality("Home"), factories.municipality("Other")
    first, second = factories.thread(code="RD01"), factories.thread(code="RD02")
    open_round = factories.scoring_round([first, second], status="open")
    closed_round = factories.scoring_round([first], status="closed")
    factories.score(open_round, first, home, 7)
    factories.score(closed_round, first, home, 8)
    factories.score(closed_round, first, other, 4)
    people = {
        "coordinator": factories.user("coordinator"),
        "municipality": factories.user("municipality", home),
        "viewer": factories.user("viewer"),
    }
    db.session.commit()
    return home, other, first, open_round, closed_round, people


def test_round_detail_gives_each_role_its_ballot_or_matrix(app):
    home, other, _first, open_round, _closed, people = _round_world()

    own = rounds.round_detail(people["municipality"], open_round, other.id)
    assert own["municipality"] == home  # never another municipality's ballot
    assert [line.value for line in own["ballot"].lines] == [7, None]
    assert own["matrix"] is None
    assert own["can_edit"] is True
    assert own["thread_count"] == 2

    coordinator = rounds.round_detail(people["coordinator"], open_round, other.id)
    assert coordinator["municipality"] == other
    assert [line.value for line in coordinator["ballot"].lines] == [None, None]
    assert coordinator["matrix"] is not None
    assert coordinator["can_edit"] is True

    viewer = rounds.round_detail(people["viewer"], open_round, home.id)
    assert (viewer["municipality"], viewer["ballot"], viewer["matrix"]) == (
        None,
        None,
        None,
    )
    assert viewer["can_edit"] is False


def test_results_detail_offers_themes_only_to_who_may_promote(app):
    _home, _other, first, _open, closed_round, people = _round_world()
    theme = promotion.promote(first, people["coordinator"])
    db.session.commit()
    # One answer: its figures are the coordinator's only (the small-number rule).
    for role, themes, means in (
        ("coordinator", {first.id: theme}, [6.0]),
        ("municipality", {}, [None]),
    ):
        page = rounds.results_detail(people[role], closed_round)
        assert page["scoring_round"] == closed_round
        assert [r.mean for r in page["results"].threads] == means
        assert page["municipalities"] == 2
        assert page["themes"] == themes


def test_thread_detail_shows_results_of_open_rounds_to_the_coordinator_only(app):
    _home, _other, first, open_round, closed_round, people = _round_world()
    factories.talk(factories.municipality("Talker"), [first])
    db.session.commit()

    coordinator = threads.thread_detail(first, people["coordinator"])
    assert {r.id for r, _result in coordinator["history"]} == {
        open_round.id,
        closed_round.id,
    }
    municipality = threads.thread_detail(first, people["municipality"])
    assert [r.id for r, _result in municipality["history"]] == [closed_round.id]
    assert [m.name for m, _talks in municipality["mentions"]] == ["Talker"]
    assert municipality["can_promote"] is False
    assert municipality["theme"] is None


def test_call_detail_lists_dossiers_and_coverage_per_role(app):
    theme = factories.theme()
    call = factories.call(themes=[theme])
    lead, absent = factories.municipality("Lead"), factories.municipality("Absent")
    for place in (lead, absent):
        factories.rollout(theme, place, stage="exploring")
    factories.application(call, lead, title="Our dossier")
    coordinator = factories.user("coordinator")
    member = factories.user("municipality", lead)
    absentee = factories.user("municipality", absent)
    viewer = factories.user("viewer")
    db.session.commit()
    now = clock.now_utc()

    full = pages.call_detail(call, coordinator, now)
    assert [a.title for a in full["applications"]] == ["Our dossier"]
    assert [gap.municipality.name for gap in full["gaps"]] == ["Absent"]
    assert full["own_gap"] is None

    own = pages.call_detail(call, member, now)
    assert [a.title for a in own["applications"]] == ["Our dossier"]
    assert own["gaps"] == []
    assert own["own_gap"] is None  # Lead applied

    missing = pages.call_detail(call, absentee, now)
    assert missing["applications"] == []
    assert missing["gaps"] == []
    assert missing["own_gap"].municipality == absent

    outside = pages.call_detail(call, viewer, now)
    assert outside["applications"] == []
    assert (outside["gaps"], outside["own_gap"]) == ([], None)


def test_dossier_detail_splits_the_money_between_lead_and_partners(app):
    partner = factories.municipality("Partner")
    application = factories.application(
        lead=factories.municipality("Lead"),
        partners=[partner],
        status="granted",
        granted_amount=Decimal("20000"),
    )
    factories.payment(application, "5000")
    db.session.commit()

    page = pages.dossier_detail(listing.get_application(application.id))
    assert page["money"].paid == Decimal("5000.00")
    assert page["lead_share"] == Decimal("90")
    assert [(s["municipality"].name, s["paid"]) for s in page["shares"]] == [
        ("Lead", Decimal("4500.00")),
        ("Partner", Decimal("500.00")),
    ]


def test_applications_overview_names_the_largest_municipalities(app):
    small, large = factories.municipality("Small"), factories.municipality("Large")
    for place, amount in ((small, "1000"), (large, "90000")):
        factories.application(
            lead=place,
            requested_amount=Decimal(amount),
            status="submitted",
            submitted_on=clock.today(),
        )
    coordinator = factories.user("coordinator")
    db.session.commit()

    page = pages.applications_overview(
        coordinator, listing.Filters(), 1, {"call": None, "municipality": "Lar"}
    )
    assert [name for _id, name in page["shown_municipalities"]] == ["Large", "Small"]
    assert page["pagination"].total == 2
    assert page["totals"].requested == Decimal("91000.00")
    matches = page["filter_choices"]["matches"]
    assert matches["call"].choices == []
    assert [choice.text for choice in matches["municipality"].choices] == ["Large"]
