"""Routes of the subsidies domain: calls, applications and their parts, export.

The demo user izegem@ (municipality role) is lead of the Izegem dossiers; lead@
works for Roeselare, which takes no part in them, so they are 404 for that user
(their existence is private); viewers get 403 on everything about applications.
"""

from sqlalchemy import func, select

from app.extensions import db
from app.municipalities.models import Municipality
from app.subsidies.models import (
    Application,
    BudgetLine,
    Payment,
    ReportingObligation,
    Spending,
    SubsidyCall,
)
from tests.route_rows import Route, action, page

COORDINATOR_ONLY = {"coordinator": 200}
#: A dossier of Izegem: the coordinator and izegem@ see it, lead@ does not.
IZEGEM = {"coordinator": 200, "lead": 404, "municipality": 200, "viewer": 403}
#: Changes only the coordinator makes, on an Izegem dossier.
MANAGE = {"lead": 404, "municipality": 403, "viewer": 403}


def _application(reference: str) -> int:
    return db.session.scalar(
        select(Application.id).where(Application.reference == reference)
    )


def _manage(method, path, coordinator_status, data=None, htmx=False) -> Route:
    anonymous = 401 if htmx else 302  # htmx: 401 with HX-Redirect to the login
    expected = {"anonymous": anonymous, "coordinator": coordinator_status} | MANAGE
    return Route(method, path, expected, data or {}, htmx)


PLACEHOLDERS = {
    "open_call": lambda: db.session.scalar(
        select(SubsidyCall.id).where(
            SubsidyCall.title.like("Digitale dienstverlening%")
        )
    ),
    "izegem_app": lambda: _application("EINCL-2021-IZEGEM"),
    "izegem_partnered_app": lambda: _application("DIGI-UT-2022-IZEGEM"),
    "staden_app": lambda: _application("DEMO-STADEN"),
    "izegem_partner": lambda: db.session.scalar(
        select(Municipality.id).where(Municipality.slug == "ingelmunster")
    ),
    "izegem_payment": lambda: db.session.scalar(
        select(Payment.id).where(
            Payment.application_id == _application("DIGI-UT-2022-IZEGEM")
        )
    ),
    "izegem_line": lambda: db.session.scalar(
        select(func.min(BudgetLine.id)).where(
            BudgetLine.application_id == _application("DIGI-UT-2022-IZEGEM")
        )
    ),
    "izegem_spending": lambda: db.session.scalar(
        select(func.min(Spending.id)).where(
            Spending.application_id == _application("DIGI-UT-2022-IZEGEM")
        )
    ),
    "izegem_obligation": lambda: db.session.scalar(
        select(ReportingObligation.id).where(
            ReportingObligation.application_id == _application("DIGI-UT-2022-IZEGEM")
        )
    ),
}

ROUTES = [
    page("/calls"),
    page("/calls?page=2"),
    page("/calls/{open_call}"),
    page("/calls/999999", everyone=404),
    page("/calls/new", everyone=403, **COORDINATOR_ONLY),
    action("POST", "/calls/new", {"coordinator": 422}, data={"title": ""}),
    page("/calls/{open_call}/edit", everyone=403, **COORDINATOR_ONLY),
    action("POST", "/calls/{open_call}/edit", {"coordinator": 422}, data={"title": ""}),
    page("/applications", viewer=403),
    page("/applications?status=granted&call=1&theme=1&municipality=1", viewer=403),
    Route(
        "GET",
        "/applications?status=idea",
        {"anonymous": 401, "coordinator": 200, "lead": 200}
        | {"municipality": 200, "viewer": 403},
        htmx=True,
    ),
    page("/applications/new", everyone=403, **COORDINATOR_ONLY),
    action("POST", "/applications/new", {"coordinator": 422}, data={"title": ""}),
    Route("GET", "/applications/{izegem_app}", {"anonymous": 302} | IZEGEM),
    page("/applications/{staden_app}", lead=404, municipality=404, viewer=403),
    page("/applications/999999", everyone=404, viewer=403),
    Route(
        "GET",
        "/applications/{izegem_app}/edit",
        {"anonymous": 302, "coordinator": 200} | MANAGE,
    ),
    _manage("POST", "/applications/{izegem_app}/edit", 422, {"title": ""}),
    _manage("POST", "/applications/{izegem_app}/status", 422, {"move-status": "bogus"}),
    _manage(
        "POST",
        "/applications/{izegem_app}/status",
        422,
        {"move-status": "bogus", "from": "pipeline"},
        htmx=True,
    ),
    Route("GET", "/applications/{izegem_app}/notes", {"anonymous": 302} | IZEGEM),
    Route(
        "GET",
        "/applications/{staden_app}/notes",
        {"anonymous": 401, "coordinator": 200, "lead": 404}
        | {"municipality": 404, "viewer": 403},
        htmx=True,
    ),
    # Too long: the coordinator and Izegem (the lead municipality) get 422.
    Route(
        "POST",
        "/applications/{izegem_app}/notes",
        {"anonymous": 302, "coordinator": 422, "lead": 404}
        | {"municipality": 422, "viewer": 403},
        data={"notes": "x" * 5001},
    ),
    Route(
        "POST",
        "/applications/{izegem_partnered_app}/notes",
        {"anonymous": 302, "coordinator": 422, "lead": 404}
        | {"municipality": 422, "viewer": 403},
        data={"notes": "x" * 5001},
    ),
    _manage("POST", "/applications/{izegem_partnered_app}/partners", 422),
    _manage(
        "POST", "/applications/{izegem_partnered_app}/partners/{izegem_partner}", 422
    ),
    _manage(
        "POST",
        "/applications/{izegem_partnered_app}/partners/{izegem_partner}/delete",
        303,
    ),
    # Empty: no unit chosen, 422 for the coordinator.
    _manage(
        "POST",
        "/applications/{izegem_partnered_app}/contributions/{izegem_partner}",
        422,
    ),
    # Finances (issue 28 item 2): the page and workbook for who may open the
    # dossier; changes for who manages it. The line has spending: not deleted.
    Route(
        "GET",
        "/applications/{izegem_partnered_app}/finances",
        {"anonymous": 302} | IZEGEM,
    ),
    page("/exports/finances-{izegem_partnered_app}.xlsx", lead=404, viewer=403),
    page("/exports/finances-999999.xlsx", everyone=404, viewer=403),
    _manage("POST", "/applications/{izegem_partnered_app}/budget-lines", 422),
    _manage(
        "POST", "/applications/{izegem_partnered_app}/budget-lines/{izegem_line}", 422
    ),
    _manage(
        "POST",
        "/applications/{izegem_partnered_app}/budget-lines/{izegem_line}/delete",
        422,
    ),
    _manage("POST", "/applications/{izegem_partnered_app}/spending", 422),
    _manage(
        "POST",
        "/applications/{izegem_partnered_app}/spending/{izegem_spending}/delete",
        303,
    ),
    _manage("POST", "/applications/{izegem_partnered_app}/payments", 422),
    _manage(
        "POST",
        "/applications/{izegem_partnered_app}/payments/{izegem_payment}/delete",
        303,
    ),
    _manage("POST", "/applications/{izegem_partnered_app}/obligations", 422),
    _manage(
        "POST",
        "/applications/{izegem_partnered_app}/obligations/{izegem_obligation}",
        422,
    ),
    page("/exports/applications.xlsx", viewer=403),
    page("/exports/applications.xlsx?status=granted", viewer=403),
]
