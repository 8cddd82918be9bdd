"""Issue 24 item 16 in the browser: a working group's members are searched, and
people ticked in one search stay ticked when the next search replaces the
matches."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.test_journeys import in_english, query

pytestmark = pytest.mark.e2e


def _group_and_newcomers(live) -> tuple[int, list[tuple[int, str]]]:
    """The lead's group and two municipal users who are not in it yet."""
    from app.auth.models import MUNICIPAL_ROLES, User
    from app.extensions import db
    from app.work.models import WorkingGroup

    def find():
        group = db.session.scalar(
            select(WorkingGroup).where(WorkingGroup.name == "Werkgroep ICT klankbord")
        )
        members = {u.id for u in group.members}
        people = db.session.scalars(
            select(User)
            .where(User.role.in_(MUNICIPAL_ROLES), User.active.is_(True))
            .order_by(User.id)
        )
        names = {}
        for user in people:  # two people whose names are unique in the demo
            if user.id not in members and user.full_name not in names.values():
                names[user.id] = user.full_name
        return group.id, list(names.items())[:2]

    return query(live, find)


def test_members_ticked_in_one_search_stay_in_the_next(live, new_page):
    group_id, newcomers = _group_and_newcomers(live)
    (first_id, first), (second_id, second) = newcomers
    with in_english(live, "coordinator@midwest.example"):
        page, watched = new_page("coordinator")
        page.goto(f"/groups/{group_id}/edit")
        search = page.locator("#group-members_search")
        matches = page.locator("#group-members-matches")

        search.fill(first)
        box = matches.locator(f'input[name="members"][value="{first_id}"]')
        expect(box).to_be_visible()
        box.check()
        search.fill(second)
        expect(
            matches.locator(f'input[name="members"][value="{second_id}"]')
        ).to_be_visible()
        kept = matches.locator(f'input[name="members"][value="{first_id}"]')
        expect(kept).to_be_checked()  # still there after the second search
        matches.locator(f'input[name="members"][value="{second_id}"]').check()
        page.get_by_role("button", name="Save").click()
        expect(page.locator("#group-info")).to_contain_text(first)
        expect(page.locator("#group-info")).to_contain_text(second)
        watched.assert_clean()


def _lead_and_person(live) -> tuple[int, str, int, str]:
    """A municipality of the demo and an active person of it (not the only one of
    that name), to pick as a new dossier's lead and owner."""
    from app.auth.models import MUNICIPAL_ROLES, User
    from app.extensions import db
    from app.municipalities.models import Municipality

    def find():
        person = db.session.scalars(
            select(User)
            .join(Municipality, Municipality.id == User.municipality_id)
            .where(
                User.role.in_(MUNICIPAL_ROLES),
                User.active.is_(True),
                Municipality.merged_into_id.is_(None),
            )
            .order_by(User.id)
        ).first()
        town = db.session.get(Municipality, person.municipality_id)
        return town.id, town.name, person.id, person.full_name

    return query(live, find)


def test_a_new_dossiers_owner_is_searched_among_its_leads_people(live, new_page):
    """Issue 24 item 13: the owner's matches follow the lead chosen in the form
    (the search sends the chosen lead along)."""
    town_id, town, person_id, person = _lead_and_person(live)
    with in_english(live, "coordinator@midwest.example"):
        page, watched = new_page("coordinator")
        page.goto("/applications/new")
        owners = page.locator("#dossier-owner_id-matches")
        page.locator("#dossier-owner_id_search").fill(person)
        expect(owners).to_contain_text("Nothing matches")  # no lead chosen yet
        page.locator("#dossier-lead_municipality_id_search").fill(town)
        page.locator(
            f'#dossier-lead_municipality_id-matches input[value="{town_id}"]'
        ).check()
        page.locator("#dossier-owner_id_search").fill("")
        page.locator("#dossier-owner_id_search").fill(person)
        expect(owners.locator(f'input[value="{person_id}"]')).to_be_visible()
        expect(owners).to_contain_text(f"({town})")
        watched.assert_clean()
