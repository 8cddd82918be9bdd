"""Routes of the strategy domain: trajectory, talks, threads, rounds, results,
score workbooks and the score import."""

from sqlalchemy import select

from app.extensions import db
from app.municipalities.models import Municipality
from app.strategy.models import Conversation, ScoringRound, Thread, TrajectoryStep
from tests.route_rows import action, page

COORDINATOR = {"coordinator": 303}
MUNICIPAL = {"lead": 200, "municipality": 200}


def _round(name: str) -> int:
    return db.session.scalar(select(ScoringRound.id).where(ScoringRound.name == name))


def _thread(code: str) -> int:
    return db.session.scalar(select(Thread.id).where(Thread.code == code))


def _municipality(slug: str) -> int:
    return db.session.scalar(select(Municipality.id).where(Municipality.slug == slug))


def _open_thread() -> int:
    """A thread asked in the open demo round (not one of the three themes)."""
    return _thread("RD01")


PLACEHOLDERS = {
    "step": lambda: db.session.scalar(
        select(TrajectoryStep.id).where(TrajectoryStep.position == 1)
    ),
    "thread": lambda: _thread("RD01"),
    "theme_thread": lambda: _thread("RD04"),
    "talk": lambda: db.session.scalar(select(Conversation.id).limit(1)),
    "closed_round": lambda: _round("Bevraging rode draden mei 2021"),
    "open_round": lambda: _round("Herijking rode draden"),
    "open_thread": _open_thread,
    "izegem": lambda: _municipality("izegem"),
    "roeselare": lambda: _municipality("roeselare"),
}

ROUTES = [
    # trajectory
    page("/trajectory"),
    action(
        "POST",
        "/trajectory/steps/{step}",
        {"coordinator": 422},
        data={"title": ""},  # fields carry the step id as prefix: invalid
    ),
    # threads
    page("/threads"),
    page("/threads?page=2", everyone=404),
    page("/threads/{thread}"),
    page("/threads/999999", everyone=404),
    action(
        "POST",
        "/threads",
        COORDINATOR,
        data={
            "new-code": "RD99",
            "new-title": "Nieuwe draad",
            "new-status": "candidate",
        },
    ),
    action(
        "POST",
        "/threads/{thread}",
        {"coordinator": 422},
        data={"edit-code": "", "edit-title": "", "edit-status": "candidate"},
    ),
    # talks
    page("/talks"),
    page("/talks/new", everyone=403, coordinator=200),
    action(
        "POST",
        "/talks/new",
        {"coordinator": 422},
        data={"municipality_id": "", "held_on": "not a date"},
    ),
    page("/talks/{talk}/edit", everyone=403, coordinator=200),
    action(
        "POST",
        "/talks/{talk}/edit",
        {"coordinator": 422},
        data={"municipality_id": "{izegem}", "held_on": ""},
    ),
    # rounds
    page("/rounds"),
    page("/rounds/new", everyone=403, coordinator=200),
    action(
        "POST",
        "/rounds/new",
        {"coordinator": 422},
        data={
            "name": "Nieuwe ronde",
            "opens_on": "2026-05-01",
            "closes_on": "2026-04-01",
        },
    ),
    page("/rounds/{closed_round}"),
    page("/rounds/{open_round}"),
    page("/rounds/999999", everyone=404),
    page("/rounds/{open_round}/edit", everyone=403, coordinator=200),
    page("/rounds/{closed_round}/edit", everyone=403, coordinator=409),
    action(
        "POST",
        "/rounds/{open_round}/edit",
        COORDINATOR,
        data={"name": "Herijking", "opens_on": "2026-01-01", "closes_on": "2026-12-31"},
    ),
    action(
        "POST", "/rounds/{open_round}/status", COORDINATOR, data={"status": "closed"}
    ),
    action(
        "POST",
        "/rounds/{closed_round}/status",
        {"coordinator": 409},
        data={"status": "open"},
    ),
    # a ballot line: own municipality (Izegem) while open; the lead is Roeselare
    action(
        "POST",
        "/rounds/{open_round}/scores/{open_thread}/{izegem}",
        {"coordinator": 200, "municipality": 200},
        data={"value": "7", "comment": ""},
        htmx=True,
        anonymous=401,
    ),
    action(
        "POST",
        "/rounds/{open_round}/scores/{open_thread}/{roeselare}",
        {"coordinator": 422, "lead": 422},
        data={"value": "11"},
        htmx=True,
        anonymous=401,
    ),
    action(
        "POST",
        "/rounds/{closed_round}/scores/{open_thread}/{izegem}",
        {},
        data={"value": "7"},
    ),
    # the score workbook: the import's format, for who imports (the coordinator)
    page("/rounds/{open_round}/template.xlsx", everyone=403, coordinator=200),
    page("/rounds/{closed_round}/template.xlsx", everyone=403, coordinator=200),
    # results: everyone once closed; during the round the coordinator only
    page("/rounds/{closed_round}/results"),
    page("/rounds/{open_round}/results", everyone=403, coordinator=200),
    action(
        "POST",
        "/rounds/{closed_round}/threads/{thread}/promote",
        COORDINATOR,
    ),
    action(
        "POST",
        "/rounds/{closed_round}/threads/{theme_thread}/promote",
        {"coordinator": 409},
    ),
    # exports
    page("/exports/scores-{closed_round}.xlsx"),
    page("/exports/scores-{open_round}.xlsx", everyone=403, coordinator=200),
    page("/exports/scores-999999.xlsx", everyone=404),
    # import
    page("/imports/scores", everyone=403, coordinator=200),
    action(
        "POST",
        "/imports/scores",
        {"coordinator": 422},
        data={"round_id": "{open_round}"},
    ),
    action(
        "POST",
        "/imports/scores/apply",
        {"coordinator": 422},
        data={"token": "nonsense"},
    ),
]
