"""The pages of delivery on the demo data: content, visibility, CSP-friendliness."""

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.work.models import Theme, WorkingGroup
from tests import factories

ROLE_USERS = [
    "coordinator@midwest.example",
    "lead@midwest.example",
    "izegem@midwest.example",
    "viewer@midwest.example",
]


def _first_theme(demo_app) -> Theme:
    group = db.session.scalar(
        select(WorkingGroup).where(WorkingGroup.name == "Werkgroep ICT klankbord")
    )
    return group.theme


@pytest.mark.parametrize("email", ROLE_USERS)
def test_pages_have_no_inline_styles_or_scripts(demo_app, demo_login, email):
    client = demo_login(email)
    theme = _first_theme(demo_app)
    group_id = theme.groups[0].id
    for url in ("/themes", f"/themes/{theme.id}", f"/groups/{group_id}", "/tasks"):
        page = client.get(url).get_data(as_text=True)
        assert " style=" not in page, url
        assert "<script>" not in page and " hx-on" not in page, url


def test_themes_page_has_matrix_with_merged_marked(demo_login):
    page = demo_login("viewer@midwest.example").get("/themes").get_data(as_text=True)
    assert 'class="rollout-matrix"' in page
    assert 'data-municipality="ruiselede"' in page
    ruiselede = page.split('data-municipality="ruiselede"')[1].split("</tr>")[0]
    assert 'data-merged="true"' in ruiselede and "Wingene" in ruiselede
    assert re.search(r'class="stage-cell stage-\w+" data-stage="\w+"', page)
    assert "/exports/rollout.xlsx" in page


def test_theme_page_sections(demo_app, demo_login):
    theme = _first_theme(demo_app)
    page = demo_login("coordinator@midwest.example")
    html = page.get(f"/themes/{theme.id}").get_data(as_text=True)
    assert '<svg class="timeline-svg"' in html
    assert 'class="timeline-table"' in html  # the accessible version
    assert 'data-figure="score"' in html  # the origin thread's latest-round score
    assert html.count('class="rollout-row') == 16  # every municipality, merged too


def test_theme_applications_follow_visibility(login_as):
    theme = factories.theme()
    home, away = factories.municipality("Izegem"), factories.municipality("Tielt")
    call = factories.call(title="Digibanken")
    call.themes = [theme]
    mine = factories.application(call, lead=home, theme_id=theme.id, title="Ours")
    factories.application(call, lead=away, theme_id=theme.id, title="Theirs")
    viewer = factories.user("viewer")
    db.session.commit()
    client = login_as("municipality", municipality=home)
    page = client.get(f"/themes/{theme.id}").get_data(as_text=True)
    assert f'data-call-id="{call.id}"' in page
    assert f'data-application-id="{mine.id}"' in page
    assert "Theirs" not in page
    page = login_as(viewer).get(f"/themes/{theme.id}").get_data(as_text=True)
    assert "data-application-id" not in page and "Ours" not in page
    coordinator = login_as("coordinator")
    page = coordinator.get(f"/themes/{theme.id}").get_data(as_text=True)
    assert page.count("data-application-id") == 2


def test_group_page_lists_people_and_tasks(demo_app, demo_login):
    theme = _first_theme(demo_app)
    group = theme.groups[0]
    page = demo_login("lead@midwest.example").get(f"/groups/{group.id}")
    html = page.get_data(as_text=True)
    assert "Trekker ICT klankbord" in html
    # Its 8 demo tasks and the task made of a Midwest-overleg action point.
    assert html.count('class="task-row') == 9
    assert f"/groups/{group.id}/tasks/new" in html  # the lead may add tasks
    viewer_html = demo_login("viewer@midwest.example").get(f"/groups/{group.id}")
    assert "/tasks/new" not in viewer_html.get_data(as_text=True)
