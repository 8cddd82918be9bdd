"""Issue 28 item 5 (d): a reporting line of a call that comes back every year
for the project's duration."""

from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.subsidies.models import SubsidyCall
from tests.test_dossier_dates_and_closing import _due, _grant, _submitted

YEARLY = [
    {
        "title": "Jaarverslag",
        "kind": "financial",
        "from": "start",
        "days": 365,
        "repeat": "yearly",
    },
    {"title": "Eindrapport", "kind": "final", "from": "end", "days": 60},
]


def test_a_yearly_line_gives_one_obligation_per_project_year(login_as):
    application = _submitted(YEARLY)
    client = login_as("coordinator")
    granted = _grant(
        client, application, project_start="2031-01-06", project_end="2034-06-30"
    )
    assert granted.status_code == 303
    assert _due(application) == {
        "Jaarverslag 2032": date(2032, 1, 6),
        "Jaarverslag 2033": date(2033, 1, 6),
        "Jaarverslag 2034": date(2034, 1, 6),  # 2035 is after the project's end
        "Eindrapport": date(2034, 8, 29),  # end + 60 = Tuesday 29/8
    }


def test_a_yearly_line_is_typed_and_shown_in_the_readers_language(login_as):
    client = login_as("coordinator")
    data = {
        "title": "Slimme regio 2031",
        "funder": "Vlaamse overheid",
        "opens_at": "2030-03-01T09:00",
        "deadline_at": "2030-07-01T12:00",
        "budget": "1.000.000,00",
        "min_partners": "1",
        "preparation_template": "",
        "reporting_template": "start | 365 | financieel | Jaarverslag | jaarlijks\n"
        "einde | 60 | eindrapport | Eindrapport | met | streep",
    }
    assert client.form("/calls/new", data).status_code == 303
    call = db.session.scalar(select(SubsidyCall))
    assert call.reporting_template == [
        {
            "title": "Jaarverslag",
            "kind": "financial",
            "from": "start",
            "days": 365,
            "repeat": "yearly",
        },
        {
            "title": "Eindrapport | met | streep",
            "kind": "final",
            "from": "end",
            "days": 60,
        },
    ]
    edit = client.get(f"/calls/{call.id}/edit").get_data(as_text=True)
    assert "start | 365 | financieel | Jaarverslag | jaarlijks" in edit
