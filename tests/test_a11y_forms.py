"""Issue 24 item 11 over HTTP: an inline row's error is tied to its field."""

import re

from app.extensions import db
from tests.test_dossier_dates_and_closing import _grant, _submitted


def _described(page: str, name: str) -> str:
    """The text of the element the field `name` is described by."""
    field = re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field or "<select" in field
    ids = re.search(r'aria-describedby="([^"]+)"', field).group(1)
    message = re.search(rf'id="{ids}"[^>]*>([^<]+)<', page)
    assert message, f"{ids} is not in the page"
    return message.group(1).strip()


def test_an_obligation_rows_error_is_tied_to_its_fields(login_as):
    application = _submitted()
    client = login_as("coordinator", language="en")
    dates = {"project_start": "2031-01-06", "project_end": "2032-06-30"}
    assert _grant(client, application, **dates).status_code == 303
    db.session.refresh(application)
    obligation = application.obligations[0]
    prefix = f"obligation-{obligation.id}"
    response = client.form(
        f"/applications/{application.id}/obligations/{obligation.id}",
        {f"{prefix}-due_on": "not a date", f"{prefix}-status": "open"},
        htmx=True,
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert _described(page, f"{prefix}-due_on")
    assert _described(page, f"{prefix}-status") == _described(page, f"{prefix}-due_on")


def test_a_page_sent_back_with_errors_says_so_in_its_title(client, login_as):
    """Issue 24 item 11: a full-page 422 keeps no plain title."""
    from tests.test_auth import _login

    page = client.get("/login").get_data(as_text=True)
    assert "<title>Fout" not in page
    response = _login(client, "nobody@example.org", "not the password")
    assert response.status_code == 422
    assert "<title>Fout: Aanmelden" in response.get_data(as_text=True)
    coordinator = login_as("coordinator", language="en")
    sent = coordinator.form("/applications/new", {"title": ""})
    assert sent.status_code == 422
    assert "<title>Error: " in sent.get_data(as_text=True)
    fragment = coordinator.form("/applications/new", {"title": ""}, htmx=True)
    assert "Error: " not in fragment.get_data(as_text=True)


def _title(page: str) -> str:
    return re.search(r"<title>([^<]*)</title>", page).group(1)


def test_an_edit_page_and_a_notes_page_have_titles_of_their_own(login_as):
    """Issue 24 item 11: no two pages share a title (WCAG 2.4.2)."""
    from tests import factories

    place = factories.municipality("Izegem")
    rollout = factories.rollout(factories.theme(), place)
    application = factories.application(factories.call(), place)
    db.session.commit()
    client = login_as("coordinator", language="en")
    page = f"/themes/{rollout.theme_id}/rollout/{rollout.municipality_id}"
    shown = _title(client.get(page).get_data(as_text=True))
    edit = _title(client.get(f"{page}/edit").get_data(as_text=True))
    assert shown != edit and edit.startswith("Edit · ")
    page = f"/applications/{application.id}"
    shown = _title(client.get(page).get_data(as_text=True))
    notes = _title(client.get(f"{page}/notes").get_data(as_text=True))
    assert shown != notes and notes.startswith("Notes · ")


def test_a_search_field_says_how_to_reach_its_matches(login_as):
    """Issue 24 item 11: the matches share the current choice's radio group, so
    Tab skips them; the field says that Enter or the down arrow goes there."""
    client = login_as("coordinator", language="en")
    page = client.get("/applications/new").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="lead_municipality_id_search"[^>]*>', page)
    hint = re.search(r'aria-describedby="([^"]+)"', field.group(0)).group(1)
    assert re.search(rf'id="{hint}"[^>]*>Enter or the down arrow goes to the', page)
