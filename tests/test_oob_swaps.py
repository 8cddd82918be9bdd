"""After an htmx change, the figures that depend on it elsewhere on the page come
in the same response as out-of-band swaps (issue 17, item 7)."""

import re
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

from app.extensions import db
from tests import factories


class _Element(HTMLParser):
    """Collects the markup of the first element with a given id."""

    def __init__(self, element_id: str):
        super().__init__(convert_charrefs=False)
        self.element_id, self.depth, self.parts, self.attrs = element_id, 0, [], {}

    def handle_starttag(self, tag, attrs):
        if self.depth or dict(attrs).get("id") == self.element_id:
            if not self.depth:
                self.attrs = dict(attrs)
            self.depth += 1
            self.parts.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        if self.depth:
            self.parts.append(f"</{tag}>")
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def _oob(html: str, element_id: str) -> str:
    """The out-of-band element with this id in an htmx response (its markup)."""
    parser = _Element(element_id)
    parser.feed(html)
    assert parser.parts, f"no #{element_id} in the response"
    assert parser.attrs.get("hx-swap-oob") == "true", f"#{element_id} is not oob"
    return "".join(parser.parts)


def test_a_payment_updates_the_headline_amounts_and_the_partners_paid(login_as):
    lead, partner = factories.municipality("Lead"), factories.municipality("Pittem")
    application = factories.application(
        lead=lead,
        partners=[partner],  # 10% share
        status="granted",
        submitted_on=date(2024, 1, 10),
        decided_on=date(2024, 3, 1),
        granted_amount=Decimal("10000"),
    )
    db.session.commit()
    client = login_as("coordinator", language="en")

    response = client.form(
        f"/applications/{application.id}/payments",
        {
            "payment-paid_on": "2024-04-01",
            "payment-amount": "4000",
            "payment-kind": "advance",
        },
        htmx=True,
    )

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="dossier-payments"' in html
    amounts = _oob(html, "dossier-amounts")
    assert 'data-paid="4000.00"' in amounts
    assert 'data-open-balance="6000.00"' in amounts
    assert "<template>" in html  # table cells travel inside a template (htmx 2)
    assert "€400.00" in _oob(html, f"partner-paid-{partner.id}")
    assert "€3,600.00" in _oob(html, f"partner-paid-{lead.id}")

    payment_id = application.payments[0].id
    deleted = client.form(
        f"/applications/{application.id}/payments/{payment_id}/delete", htmx=True
    )
    html = deleted.get_data(as_text=True)
    assert 'data-open-balance="10000.00"' in _oob(html, "dossier-amounts")
    assert "€0.00" in _oob(html, f"partner-paid-{partner.id}")


def test_the_dossier_page_itself_has_no_out_of_band_markup(login_as):
    application = factories.application(status="granted", granted_amount=Decimal(1))
    db.session.commit()
    page = login_as("coordinator").get(f"/applications/{application.id}")
    html = page.get_data(as_text=True)
    assert 'id="dossier-amounts"' in html and "hx-swap-oob" not in html


def test_adding_a_task_updates_the_groups_tasks_done(login_as):
    group = factories.group()
    factories.task(group, status="done", progress=100)
    db.session.commit()
    client = login_as("coordinator", language="en")
    page = client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert re.search(r'data-figure="done">1 / 1<', page)

    response = client.form(
        f"/groups/{group.id}/tasks",
        {"title": "Fresh task", "status": "todo", "progress": "0", "due_on": ""},
        htmx=True,
    )

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Fresh task" in html
    assert re.search(r'data-figure="done">1 / 2<', _oob(html, "group-progress"))


def test_a_pipeline_move_updates_the_table_under_the_board(login_as):
    application = factories.application(title="Moving dossier", status="idea")
    db.session.commit()
    client = login_as("coordinator", language="en")

    response = client.form(
        f"/applications/{application.id}/status",
        {"move-status": "preparing", "move-version": "1", "from": "pipeline"},
        htmx=True,
    )

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="pipeline-board"' in html and "<html" not in html
    table = _oob(html, "applications-table-section")
    row = re.search(
        rf'<tr data-application-id="{application.id}">(.*?)</tr>', table, re.DOTALL
    )
    assert row and "Moving dossier" in row.group(1)
    assert "In preparation" in row.group(1) and "Idea" not in row.group(1)


def _on_group_page(client, group):
    return {"HX-Current-URL": f"http://localhost/groups/{group.id}"}


def test_editing_or_deleting_a_task_updates_the_groups_tasks_done(login_as):
    """Issue 24 item 15: "n / m tasks done" follows an edit and a delete too."""
    group = factories.group()
    task = factories.task(group, title="To finish", status="todo", progress=0)
    factories.task(group, status="done", progress=100)
    db.session.commit()
    client = login_as("coordinator", language="en")
    headers = _on_group_page(client, group)
    edited = client.form(
        f"/tasks/{task.id}",
        {
            "version": str(task.version),
            "title": "To finish",
            "status": "done",
            "progress": "100",
        },
        htmx=True,
        headers=headers,
    )
    assert edited.status_code == 200
    figure = _oob(edited.text, "group-progress")
    assert re.search(r'data-figure="done">2 / 2<', figure)
    deleted = client.form(f"/tasks/{task.id}/delete", htmx=True, headers=headers)
    assert deleted.status_code == 200
    assert re.search(r'data-figure="done">1 / 1<', _oob(deleted.text, "group-progress"))
    # Elsewhere (the task list) there is no such figure to update.
    other = factories.task(group, title="Elsewhere")
    db.session.commit()
    elsewhere = client.form(
        f"/tasks/{other.id}/delete",
        htmx=True,
        headers={"HX-Current-URL": "http://localhost/tasks"},
    )
    assert elsewhere.status_code == 200 and "group-progress" not in elsewhere.text
