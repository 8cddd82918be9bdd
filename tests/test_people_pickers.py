"""Issue 24 item 16: the working-group form searches members instead of listing
every person, and people pickers tell people of the same name apart."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.work.models import WorkingGroup
from tests import factories

MANY = 60


@pytest.fixture
def crowd(app):
    towns = [factories.municipality(f"Gemeente {n}") for n in range(3)]
    staff = [
        factories.user(
            "municipality", municipality_=towns[n % 3], full_name=f"Medewerker {n:02d}"
        )
        for n in range(MANY)
    ]
    twins = [
        factories.user("lead", municipality_=towns[0], full_name="An Janssens"),
        factories.user("municipality", municipality_=towns[1], full_name="An Janssens"),
        factories.user("coordinator", full_name="An Janssens", email="an@midwest.be"),
    ]
    group = factories.group(name="Glasvezelgroep")
    group.members = [staff[0]]
    db.session.commit()
    return {"towns": towns, "staff": staff, "twins": twins, "group": group}


def test_the_group_form_lists_its_members_not_everyone(login_as, crowd):
    group = crowd["group"]
    client = login_as("coordinator")
    page = client.get(f"/groups/{group.id}/edit").text
    assert page.count('name="members"') == 1  # its one member
    assert "Medewerker 00" in page and "Medewerker 01" not in page
    assert 'name="members_search"' in page
    assert "/choices/member?name=members" in page and f"group={group.id}" in page


def test_members_are_searched_and_ticked_ones_stay(login_as, crowd):
    group, staff = crowd["group"], crowd["staff"]
    client = login_as("coordinator")
    typed = client.htmx(
        "GET", f"/choices/member?members_search=medewerker 0&group={group.id}"
    ).text
    assert f'type="checkbox" name="members" value="{staff[1].id}"' in typed
    assert f'value="{staff[0].id}"' not in typed  # already a member
    # A second search keeps the one ticked in the first.
    again = client.htmx(
        "GET",
        f"/choices/member?members_search=medewerker 5&group={group.id}"
        f"&members={staff[1].id}",
    ).text
    assert f'name="members" value="{staff[1].id}" checked' in again
    assert f'value="{staff[55].id}"' in again
    saved = client.form(
        f"/groups/{group.id}",
        {"name": group.name, "purpose": "", "members": [staff[0].id, staff[1].id]},
    )
    assert saved.status_code == 303
    members = db.session.get(WorkingGroup, group.id).members
    assert {u.id for u in members} == {staff[0].id, staff[1].id}


def test_a_viewer_cannot_become_a_member(login_as, crowd):
    group = crowd["group"]
    viewer = factories.user("viewer", full_name="Kijker")
    db.session.commit()
    client = login_as("coordinator")
    refused = client.form(
        f"/groups/{group.id}", {"name": group.name, "members": [viewer.id]}
    )
    assert refused.status_code == 422
    assert [u.id for u in db.session.get(WorkingGroup, group.id).members] == [
        crowd["staff"][0].id
    ]


def test_members_search_is_for_who_edits_groups(login_as, crowd):
    typed = login_as("municipality").htmx(
        "GET", "/choices/member?members_search=medewerker"
    )
    assert typed.status_code == 200 and "Medewerker" not in typed.text


@pytest.mark.parametrize(
    "url",
    [
        "/choices/assignable?assignee_id_search=an jans",
        "/choices/who?who_search=an jans",
    ],
)
def test_people_of_the_same_name_are_told_apart(login_as, crowd, url):
    twins = crowd["twins"]
    for twin in twins:  # each made an entry, so the activity filter finds them
        factories.task(title=f"Taak van {twin.id}", assignee_id=twin.id)
    db.session.commit()
    typed = login_as("coordinator").htmx("GET", url).text
    assert 'An Janssens <span class="muted">(Gemeente 0)</span>' in typed
    assert 'An Janssens <span class="muted">(Gemeente 1)</span>' in typed
    assert 'An Janssens <span class="muted">(an@midwest.be)</span>' in typed
