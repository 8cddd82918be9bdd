"""Synthetic benchmark data (`flask generate-data --scale midwest|flanders`).

Fills an EMPTY, freshly migrated database with made-up municipalities, people,
threads, scores, themes, groups, tasks, calls, applications and activity, at the
size of the Midwest region or of all of Flanders (300 municipalities). Nothing is
real: names are built from syllables, NIS codes are left empty (never invented).

- Deterministic: the same seed and the same "today" give the same rows (tokens come
  from the seeded generator too; only the password hash has Werkzeug's random
  salt). Dates are spread around "today" so that there are overdue, current and
  future deadlines.
- Fast: rows are built as plain dicts and written with bulk Core inserts in chunks
  (explicit ids, so foreign keys need no round trips), in one transaction.
- Every generated user has the password `BENCH_PASSWORD`; the hash is computed
  once and shared. Logins: coordinator@bench.example, lead@bench.example,
  viewer@bench.example, <municipality-slug>@bench.example, ….
  Benchmark data only: never load it into a database that real people use.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

import click
from sqlalchemy import Table, func, insert, inspect, select, text
from werkzeug.security import generate_password_hash

from app.activity.models import Activity
from app.auth.models import Role, User
from app.clock import BRUSSELS, today
from app.demo import MERGER_DATE, PREPARATION_TEMPLATE, REPORTING_TEMPLATE, STEPS
from app.extensions import db
from app.municipalities.models import Municipality
from app.strategy.models import (
    Conversation,
    Score,
    ScoringRound,
    Thread,
    ThreadMention,
    TrajectoryStep,
    round_thread,
)
from app.subsidies.dossiers import GRANTED
from app.subsidies.models import (
    Application,
    ApplicationPartner,
    Payment,
    ReportingObligation,
    SubsidyCall,
    call_theme,
)
from app.work.models import (
    ROLLOUT_STAGES,
    TASK_STATUSES,
    THEME_STATUSES,
    Rollout,
    Task,
    Theme,
    WorkingGroup,
    group_lead,
    group_member,
    group_municipality,
)

BENCH_PASSWORD = "midwest-benchmark"  # noqa: S105 - documented, benchmark data only
EMAIL_DOMAIN = "bench.example"
DEFAULT_SEED = 2021
CHUNK = 5000


@dataclass(frozen=True)
class Scale:
    """How many rows of each kind to generate."""

    name: str
    municipalities: int
    merged: int
    central_cities: int
    threads: int
    themes: int
    groups_per_theme: int
    tasks: int
    calls: int
    applications: int
    partners: int
    users: int
    coordinators: int
    viewers: int
    leads: int
    activity: int


SCALES = {
    # Tests only: a handful of rows of every kind.
    "tiny": Scale(
        "tiny", municipalities=8, merged=1, central_cities=1, threads=6, themes=2,
        groups_per_theme=2, tasks=40, calls=3, applications=10, partners=15,
        users=14, coordinators=1, viewers=1, leads=3, activity=60,
    ),
    # The size of the demo region (shared/context/domain.md), synthetic.
    "midwest": Scale(
        "midwest", municipalities=16, merged=2, central_cities=1, threads=21,
        themes=3, groups_per_theme=1, tasks=30, calls=6, applications=15,
        partners=30, users=20, coordinators=1, viewers=1, leads=3, activity=400,
    ),
    # All Flemish municipalities sharing one deployment (issue 8).
    "flanders": Scale(
        "flanders", municipalities=300, merged=8, central_cities=13, threads=100,
        themes=40, groups_per_theme=4, tasks=20_000, calls=150, applications=5_000,
        partners=15_000, users=3_000, coordinators=5, viewers=25, leads=200,
        activity=100_000,
    ),
}  # fmt: skip

# --- words to build names from -------------------------------------------------------

ROOTS = [
    "Aal", "Aart", "Beer", "Berk", "Bier", "Bree", "Dies", "Dil", "Eek", "Evel",
    "Gal", "Geer", "Haal", "Ham", "Her", "Hoog", "Hul", "Kort", "Laar", "Lede",
    "Lier", "Lo", "Maar", "Meer", "Mol", "Nie", "Oud", "Over", "Pee", "Put",
    "Ros", "Scher", "Stee", "Ter", "Tie", "Vel", "Vos", "Wer", "Wil", "Zel",
    "Zwe", "Dend", "Kalm", "Lum", "Ruis", "Mech", "Brak", "Hees", "Kes", "Ran",
]  # fmt: skip
SUFFIXES = [
    "gem", "ene", "kerke", "hout", "beke", "dorp", "hove", "zele", "laar", "meer",
    "broek", "rode", "akker", "mont", "hem", "donk", "veld", "berg", "lo", "dijk",
]  # fmt: skip
PREFIXES = ["", "", "", "", "Sint-", "Oost", "West", "Groot-"]
FIRST_NAMES = [
    "An", "Bart", "Ciska", "Dirk", "Els", "Filip", "Greet", "Hans", "Ilse", "Jan",
    "Katrien", "Lieven", "Marleen", "Nico", "Olga", "Pieter", "Quinten", "Rita",
    "Stijn", "Tine", "Urbain", "Veerle", "Wim", "Xavier", "Yasmine", "Zeno",
]  # fmt: skip
LAST_NAMES = [
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes",
    "Goossens", "Wouters", "De Smet", "Dubois", "Lambert", "Dupont", "Vermeulen",
    "Hermans", "Aerts", "Pauwels", "Van den Bossche", "Desmet", "Verstraete",
]  # fmt: skip
TOPICS = [
    "informatieveiligheid", "hardware-aankoop", "digitaal loket", "datagedreven beleid",
    "digitale vaardigheden", "cloudsoftware", "slimme sensoren", "digitaal archief",
    "telefonie", "glasvezel", "open data", "GIS", "cyberweerbaarheid",
    "e-facturatie", "ICT-servicedesk", "toegankelijke websites", "klantvolgsysteem",
    "digitale besluitvorming", "vendormanagement", "digitale inclusie",
    "e-formulieren", "mobiliteitsdata", "slimme verlichting", "energiemonitoring",
    "identiteitsbeheer",
]  # fmt: skip
QUALIFIERS = [
    "gedeelde", "regionale", "gezamenlijke", "veilige", "toegankelijke",
    "betaalbare", "duurzame", "slimme", "open", "eenvoudige",
]  # fmt: skip
VERBS = [
    "Inventariseren", "Voorbereiden", "Afstemmen", "Opvolgen", "Evalueren",
    "Opstellen", "Aanbesteden", "Testen", "Uitrollen", "Documenteren",
    "Plannen", "Bespreken",
]  # fmt: skip
OBJECTS = [
    "contracten", "visienota", "begroting", "planning", "opleiding", "pilootproject",
    "communicatie", "nulmeting", "werkafspraken", "lastenboek", "rapportering",
    "gebruikersbevraging", "architectuur", "privacyanalyse", "subsidieaanvraag",
]  # fmt: skip
FUNDERS = [
    "Agentschap Binnenlands Bestuur", "Vlaamse overheid", "Digitaal Vlaanderen",
    "Departement Werk en Sociale Economie", "Provincie West-Vlaanderen",
    "Europees Fonds voor Regionale Ontwikkeling",
]  # fmt: skip
#: How often each value of the model's enums is drawn (strict: one per value).
ROLLOUT_WEIGHTS = dict(zip(ROLLOUT_STAGES, [1, 3, 3, 3, 2, 2], strict=True))
TASK_WEIGHTS = dict(zip(TASK_STATUSES, [35, 30, 5, 30], strict=True))
THEME_WEIGHTS = dict(zip(THEME_STATUSES, [8, 1, 1], strict=True))

#: Tables filled here, in insert order (parents before children).
TABLES: list[Table] = [
    Municipality.__table__,
    User.__table__,
    TrajectoryStep.__table__,
    Thread.__table__,
    Conversation.__table__,
    ThreadMention.__table__,
    ScoringRound.__table__,
    round_thread,
    Score.__table__,
    Theme.__table__,
    Rollout.__table__,
    WorkingGroup.__table__,
    group_lead,
    group_member,
    group_municipality,
    SubsidyCall.__table__,
    call_theme,
    Application.__table__,
    ApplicationPartner.__table__,
    Payment.__table__,
    ReportingObligation.__table__,
    Task.__table__,
    Activity.__table__,
]


class GenerationError(Exception):
    """The database is not in a state benchmark data can be added to."""


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _money(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def _draw(rng: random.Random, weights: dict[str, int]) -> str:
    """One key of `weights`, drawn with its weight."""
    return rng.choices(list(weights), list(weights.values()))[0]


def _email(base: str, number: int, separator: str = "") -> str:
    """coordinator@…, coordinator2@…; izegem@…, izegem.2@…"""
    suffix = f"{separator}{number}" if number > 1 else ""
    return f"{base}{suffix}@{EMAIL_DOMAIN}"


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BRUSSELS)


# --- the generator ---------------------------------------------------------------


class Generator:
    """Builds every row in memory (plain dicts), then writes them table by table."""

    def __init__(self, scale: Scale, seed: int, anchor: date):
        self.scale = scale
        self.rng = random.Random(f"{seed}-{scale.name}")  # noqa: S311 - not security
        self.today = anchor
        self.rows: dict[str, list[dict[str, Any]]] = {t.name: [] for t in TABLES}

    def add(self, table: Table, **values: Any) -> dict[str, Any]:
        rows = self.rows[table.name]
        if "id" in table.c and "id" not in values:
            values["id"] = len(rows) + 1
        rows.append(values)
        return values

    def token(self) -> str:
        return f"{self.rng.getrandbits(256):064x}"

    def moment(self, days_back: int, days_forward: int = 0) -> datetime:
        day = self.today + timedelta(days=self.rng.randint(-days_back, days_forward))
        return _at(day, self.rng.randint(7, 19), self.rng.randint(0, 59))

    # --- places and people ----------------------------------------------------------

    def municipalities(self) -> None:
        s, rng = self.scale, self.rng
        names: set[str] = set()
        while len(names) < s.municipalities:
            prefix, root = rng.choice(PREFIXES), rng.choice(ROOTS)
            if prefix and not prefix.endswith("-"):
                root = root.lower()
            names.add(prefix + root + rng.choice(SUFFIXES))
        ordered = sorted(names)
        rng.shuffle(ordered)
        for name in ordered:
            self.add(
                Municipality.__table__,
                name=name,
                slug=slugify(name),
                nis_code=None,
                population=rng.randint(2_000, 90_000),
                is_central_city=False,
                merged_into_id=None,
                merged_on=None,
            )
        rows = self.rows["municipality"]
        for row in rows[: s.central_cities]:
            row["is_central_city"] = True
            row["population"] = rng.randint(60_000, 260_000)
        # The last few merged into a neighbour that stays.
        staying = rows[: len(rows) - s.merged]
        for row in rows[len(rows) - s.merged :]:
            row["merged_into_id"] = rng.choice(staying)["id"]
            row["merged_on"] = MERGER_DATE
        self.all_ids = [m["id"] for m in rows]
        self.active_ids = [m["id"] for m in rows if m["merged_into_id"] is None]
        self.slug = {m["id"]: m["slug"] for m in rows}
        self.name = {m["id"]: m["name"] for m in rows}

    def user(
        self, email: str, role: str, municipality_id: int | None, named: bool = False
    ) -> int:
        """A user; `named` ones (the documented logins) are always active."""
        rng = self.rng
        row = self.add(
            User.__table__,
            email=email,
            full_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            password_hash=self.hash,
            role=role,
            municipality_id=municipality_id,
            language="en" if rng.random() < 0.15 else "nl",
            active=rng.random() > 0.02 or named,
            calendar_token=self.token(),
            session_nonce=self.token(),
            created_at=self.moment(1500, -400),
            last_login_at=None,
        )
        return row["id"]

    def users(self) -> None:
        s, rng = self.scale, self.rng
        # One hash for every user: hashing is slow on purpose.
        self.hash = generate_password_hash(BENCH_PASSWORD)
        self.coordinators = [
            self.user(_email("coordinator", n), Role.COORDINATOR, None, n == 1)
            for n in range(1, s.coordinators + 1)
        ]
        for n in range(1, s.viewers + 1):
            self.user(_email("viewer", n), Role.VIEWER, None, n == 1)
        central = self.active_ids[0]
        self.leads = [
            self.user(
                _email("lead", n),
                Role.LEAD,
                central if n == 1 else rng.choice(self.active_ids),
                n == 1,
            )
            for n in range(1, s.leads + 1)
        ]
        rest = s.users - s.coordinators - s.viewers - s.leads
        if rest < len(self.active_ids):
            raise GenerationError("too few users for one per active municipality")
        self.local: dict[int, list[int]] = {m: [] for m in self.active_ids}
        counts: dict[int, int] = {}
        for index in range(rest):
            place = (
                self.active_ids[index]
                if index < len(self.active_ids)
                else rng.choice(self.active_ids)
            )
            counts[place] = counts.get(place, 0) + 1
            email = _email(self.slug[place], counts[place], ".")
            self.local[place].append(
                self.user(email, Role.MUNICIPALITY, place, counts[place] == 1)
            )
        for lead in self.leads:
            place = self.rows["user_account"][lead - 1]["municipality_id"]
            self.local[place].append(lead)

    # --- strategy -------------------------------------------------------------------

    def strategy(self) -> None:
        s, rng = self.scale, self.rng
        for position, (title, period, _description, status) in enumerate(STEPS, 1):
            self.add(
                TrajectoryStep.__table__,
                position=position,
                title=title,
                period=period,
                description=f"{title} (benchmarkgegevens).",
                status=status,
            )
        width = max(2, len(str(s.threads)))
        combos = [f"{q.capitalize()} {t}" for t in TOPICS for q in QUALIFIERS]
        rng.shuffle(combos)
        for number in range(1, s.threads + 1):
            self.add(
                Thread.__table__,
                code=f"RD{number:0{width}d}",
                title=combos[(number - 1) % len(combos)]
                + (f" ({number})" if number > len(combos) else ""),
                description=f"Rode draad {number} (benchmarkgegevens).",
                status="parked" if rng.random() < 0.1 else "candidate",
            )
        thread_ids = [t["id"] for t in self.rows["thread"]]
        self.thread_ids = thread_ids
        coordinator = self.coordinators[0]
        for index, place in enumerate(self.all_ids):
            talk = self.add(
                Conversation.__table__,
                municipality_id=place,
                held_on=date(2021, 2, 1) + timedelta(days=index % 90),
                delegation="Burgemeester, algemeen directeur, ICT-verantwoordelijke",
                notes=f"Gesprek {index + 1} (benchmarkgegevens).",
                created_by_id=coordinator,
            )
            k = min(len(thread_ids), rng.randint(3, 12))
            for thread_id in sorted(rng.sample(thread_ids, k)):
                self.add(
                    ThreadMention.__table__,
                    conversation_id=talk["id"],
                    thread_id=thread_id,
                )
        rounds = [
            ("Bevraging rode draden 2021", date(2021, 5, 3), date(2021, 5, 31)),
            ("Herijking rode draden 2024", date(2024, 3, 4), date(2024, 3, 29)),
        ]
        for name, opens_on, closes_on in rounds:
            scoring_round = self.add(
                ScoringRound.__table__,
                name=name,
                opens_on=opens_on,
                closes_on=closes_on,
                status="closed",
            )
            for thread_id in thread_ids:
                self.add(
                    round_thread, round_id=scoring_round["id"], thread_id=thread_id
                )
            liking = {t: rng.uniform(2, 9) for t in thread_ids}
            span = (closes_on - opens_on).days
            for place in self.active_ids:
                who = self.local[place][0]
                for thread_id in thread_ids:
                    value = (
                        None
                        if rng.random() < 0.03
                        else max(0, min(10, round(rng.gauss(liking[thread_id], 2))))
                    )
                    self.add(
                        Score.__table__,
                        round_id=scoring_round["id"],
                        thread_id=thread_id,
                        municipality_id=place,
                        value=value,
                        comment="",
                        entered_by_id=who,
                        entered_at=_at(opens_on + timedelta(days=rng.randint(0, span))),
                    )

    # --- delivery -------------------------------------------------------------------

    def delivery(self) -> None:
        s, rng = self.scale, self.rng
        coordinator = self.coordinators[0]
        threads = self.rows["thread"]
        origins = rng.sample(range(len(threads)), s.themes)
        for index, origin in enumerate(origins):
            threads[origin]["status"] = "selected"
            self.add(
                Theme.__table__,
                title=f"Thema {index + 1}: {threads[origin]['title']}",
                description=f"Uit {threads[origin]['code']} (benchmarkgegevens).",
                origin_thread_id=threads[origin]["id"],
                status=_draw(rng, THEME_WEIGHTS),
                created_at=_at(date(2021, 10, 1) + timedelta(days=index)),
            )
        self.theme_ids = [t["id"] for t in self.rows["theme"]]
        for theme_id in self.theme_ids:
            for place in self.all_ids:
                merged = place not in self.local
                self.add(
                    Rollout.__table__,
                    theme_id=theme_id,
                    municipality_id=place,
                    stage=_draw(rng, ROLLOUT_WEIGHTS),
                    note="Historiek vóór de fusie." if merged else "",
                    updated_by_id=coordinator,
                    updated_at=self.moment(900),
                    version=1,
                )
        self.group_people: dict[int, list[int]] = {}
        self.group_places: dict[int, list[int]] = {}
        low = min(4, len(self.active_ids))
        high = min(25, len(self.active_ids))
        lead_cycle = 0
        for theme_id in self.theme_ids:
            for number in range(1, s.groups_per_theme + 1):
                group = self.add(
                    WorkingGroup.__table__,
                    theme_id=theme_id,
                    name=f"Werkgroep {theme_id}.{number}",
                    purpose="Een werkgroep (benchmarkgegevens).",
                )
                leads = [self.leads[lead_cycle % len(self.leads)]]
                lead_cycle += 1
                if rng.random() < 0.25:
                    leads.append(rng.choice(self.leads))
                leads = sorted(set(leads))
                places = set(rng.sample(self.active_ids, rng.randint(low, high)))
                places |= {
                    self.rows["user_account"][u - 1]["municipality_id"] for u in leads
                }
                members: set[int] = set()
                for place in sorted(places):
                    if rng.random() < 0.5 or len(members) < 4:
                        members.add(rng.choice(self.local[place]))
                members -= set(leads)
                for user_id in leads:
                    self.add(group_lead, group_id=group["id"], user_id=user_id)
                for user_id in sorted(members):
                    self.add(group_member, group_id=group["id"], user_id=user_id)
                for place in sorted(places):
                    self.add(
                        group_municipality, group_id=group["id"], municipality_id=place
                    )
                self.group_people[group["id"]] = leads + sorted(members)
                self.group_places[group["id"]] = sorted(places)

    def tasks(self) -> None:
        s, rng = self.scale, self.rng
        group_ids = list(self.group_people)
        # Some groups are much busier than others.
        weights = [rng.choice([1, 1, 2, 3, 6]) for _ in group_ids]
        applications = self.rows["application"]
        for index in range(s.tasks):
            application = None
            if applications and rng.random() < 0.04:
                application = rng.choice(applications)
                group_id = None
                assignee = application["owner_id"]
                place = application["lead_municipality_id"]
            else:
                group_id = rng.choices(group_ids, weights)[0]
                people = self.group_people[group_id]
                assignee = rng.choice(people) if rng.random() < 0.9 else None
                place = (
                    rng.choice(self.group_places[group_id])
                    if rng.random() < 0.5
                    else None
                )
            status = _draw(rng, TASK_WEIGHTS)
            progress = {
                "todo": 0,
                "done": 100,
            }.get(status) or rng.choice([10, 20, 25, 40, 50, 60, 75, 90])
            due = (
                None
                if rng.random() < 0.05
                else self.today + timedelta(days=rng.randint(-400, 400))
            )
            created = self.moment(1200, -30)
            self.add(
                Task.__table__,
                group_id=group_id,
                title=f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} {index + 1}",
                description="Taak (benchmarkgegevens).",
                status=status,
                progress=progress,
                due_on=due,
                assignee_id=assignee,
                municipality_id=place,
                application_id=application["id"] if application else None,
                created_at=created,
                updated_at=created,
                updated_by_id=self.coordinators[0],
                version=1,
            )

    # --- subsidies -------------------------------------------------------------------

    def calls(self) -> None:
        s, rng = self.scale, self.rng
        for index in range(s.calls):
            deadline = self.today + timedelta(days=rng.randint(-1500, 300))
            opens = deadline - timedelta(days=rng.randint(45, 160))
            maximum = rng.choice([None, 150_000, 200_000, 500_000, 2_000_000])
            call = self.add(
                SubsidyCall.__table__,
                title=f"Oproep {index + 1}: {rng.choice(TOPICS)} {deadline.year}",
                funder=rng.choice(FUNDERS),
                description="Subsidieoproep (benchmarkgegevens).",
                url="",
                opens_at=_at(opens, 9),
                deadline_at=_at(deadline, rng.choice([12, 23]), 0),
                budget=None
                if rng.random() < 0.3
                else _money(rng.randint(1, 50) * 10**6),
                max_per_application=None if maximum is None else _money(maximum),
                cofinancing_pct=rng.choice([None, Decimal("20.00"), Decimal("50.00")]),
                min_partners=rng.choice([0, 0, 1, 2]),
                preparation_template=PREPARATION_TEMPLATE,
                reporting_template=REPORTING_TEMPLATE,
            )
            k = min(len(self.theme_ids), rng.randint(1, 3))
            themes = sorted(rng.sample(self.theme_ids, k))
            for theme_id in themes:
                self.add(call_theme, call_id=call["id"], theme_id=theme_id)
            call["_themes"] = themes

    def applications(self) -> None:
        s, rng = self.scale, self.rng
        calls = self.rows["subsidy_call"]
        extra = s.partners - (s.partners // s.applications) * s.applications
        bonus = set(rng.sample(range(s.applications), extra))
        for index in range(s.applications):
            call = rng.choice(calls)
            lead = rng.choice(self.active_ids)
            deadline = call["deadline_at"].date()
            maximum = call["max_per_application"] or Decimal(500_000)
            requested = _money(rng.randint(10, max(10, int(maximum) // 1000)) * 1000)
            values: dict[str, Any] = {
                "submitted_on": None,
                "decided_on": None,
                "granted_amount": None,
                "project_start": None,
                "project_end": None,
            }
            if deadline > self.today:
                status = rng.choices(["idea", "preparing", "withdrawn"], [4, 5, 1])[0]
            else:
                values["submitted_on"] = deadline - timedelta(days=rng.randint(0, 10))
                decided = deadline + timedelta(days=rng.randint(30, 120))
                if decided > self.today:
                    status = rng.choices(["submitted", "withdrawn"], [9, 1])[0]
                else:
                    values["decided_on"] = decided
                    start = decided + timedelta(days=30)
                    end = start + timedelta(days=rng.randint(365, 1095))
                    finished = end + timedelta(days=180) <= self.today
                    choices = (
                        ["rejected", "granted", "reporting", "closed", "withdrawn"]
                        if finished
                        else ["rejected", "granted", "reporting"]
                    )
                    weights = [25, 5, 25, 40, 5] if finished else [25, 30, 45]
                    status = rng.choices(choices, weights)[0]
                    if status == "withdrawn":
                        values["decided_on"] = None
                    if status in GRANTED:
                        values["granted_amount"] = _money(
                            requested * Decimal(rng.randint(80, 100)) / 100
                        )
                        values["project_start"] = start
                        values["project_end"] = end
            owners = self.local[lead]
            owner = rng.choice(owners) if rng.random() < 0.8 else self.coordinators[0]
            created = _at(call["opens_at"].date() + timedelta(days=rng.randint(0, 30)))
            application = self.add(
                Application.__table__,
                call_id=call["id"],
                title=f"{rng.choice(TOPICS).capitalize()} {self.name[lead]}",
                reference=f"BM-{deadline.year}-{index + 1:05d}",
                lead_municipality_id=lead,
                theme_id=rng.choice(call["_themes"]),
                owner_id=owner,
                status=status,
                requested_amount=requested,
                notes="Dossier (benchmarkgegevens).",
                created_at=created,
                updated_at=created,
                updated_by_id=owner,
                version=1,
                **values,
            )
            count = s.partners // s.applications + (index in bonus)
            partners = rng.sample([m for m in self.active_ids if m != lead], count)
            if partners:
                share = _money(Decimal(rng.randint(40, 80)) / len(partners))
                for place in sorted(partners):
                    self.add(
                        ApplicationPartner.__table__,
                        application_id=application["id"],
                        municipality_id=place,
                        share_pct=share,
                    )
            if values["granted_amount"] is not None:
                self.follow_up(application, status)
        for call in calls:
            del call["_themes"]

    def follow_up(self, application: dict[str, Any], status: str) -> None:
        """Payments and obligations of a granted application."""
        granted = application["granted_amount"]
        moments = {
            "decision": application["decided_on"],
            "start": application["project_start"],
            "end": application["project_end"],
        }
        for item in REPORTING_TEMPLATE:
            due = moments[item["from"]] + timedelta(days=item["days"])
            done = due <= self.today and (status == "closed" or self.rng.random() < 0.8)
            self.add(
                ReportingObligation.__table__,
                application_id=application["id"],
                title=item["title"],
                kind=item["kind"],
                due_on=due,
                status="done" if done else "open",
                done_on=due if done else None,
                owner_id=application["owner_id"],
            )
            if item["kind"] in ("advance", "balance") and done:
                share = Decimal("0.8") if item["kind"] == "advance" else Decimal("0.2")
                self.add(
                    Payment.__table__,
                    application_id=application["id"],
                    paid_on=due,
                    amount=_money(granted * share),
                    kind=item["kind"],
                    note="",
                )

    # --- activity --------------------------------------------------------------------

    def activity(self) -> None:
        s, rng = self.scale, self.rng
        tasks = self.rows["task"]
        applications = self.rows["application"]
        rollouts = self.rows["rollout"]
        users = [u["id"] for u in self.rows["user_account"]]
        start = _at(self.today - timedelta(days=730), 0)
        seconds = sorted(rng.randrange(730 * 86400) for _ in range(s.activity))
        for offset in seconds:
            kind = rng.random()
            actor = (
                rng.choice(self.coordinators)
                if rng.random() < 0.3
                else rng.choice(users)
            )
            if kind < 0.55:
                task = rng.choice(tasks)
                entity, entity_id, place = "task", task["id"], task["municipality_id"]
                old, new = rng.sample(TASK_STATUSES, 2)
                action = "update" if rng.random() < 0.85 else "create"
                changes = {"status": [old, new]} if action == "update" else {}
                label, audience, dossier = task["title"], "regional", None
            elif kind < 0.8:
                row = rng.choice(applications)
                entity, entity_id = "application", row["id"]
                place = row["lead_municipality_id"]
                action = "update"
                changes = {"notes": ["", "…"]}
                label, audience, dossier = row["title"], "dossier", row["id"]
            else:
                row = rng.choice(rollouts)
                entity, entity_id = "rollout", row["id"]
                place = row["municipality_id"]
                old, new = rng.sample(ROLLOUT_STAGES, 2)
                action = "update"
                changes = {"stage": [old, new]}
                label, audience, dossier = f"theme {row['theme_id']}", "regional", None
            self.add(
                Activity.__table__,
                actor_id=actor,
                action=action,
                entity_type=entity,
                entity_id=entity_id,
                municipality_id=place,
                application_id=dossier,
                audience=audience,
                label=label,
                summary="",
                changes=changes,
                details={},
                created_at=start + timedelta(seconds=offset),
            )

    # --- running ---------------------------------------------------------------------

    def build(self, progress: Callable[[str], None]) -> None:
        steps = [
            ("municipalities", self.municipalities),
            ("users", self.users),
            ("threads, talks and scores", self.strategy),
            ("themes, rollout and groups", self.delivery),
            ("calls", self.calls),
            ("applications", self.applications),
            ("tasks", self.tasks),
            ("activity", self.activity),
        ]
        for label, step in steps:
            started = time.perf_counter()
            step()
            progress(f"  built {label} ({time.perf_counter() - started:.1f} s)")

    def write(self, progress: Callable[[str], None]) -> dict[str, int]:
        counts = {}
        for table in TABLES:
            rows = self.rows[table.name]
            started = time.perf_counter()
            for chunk in _chunks(rows, CHUNK):
                db.session.execute(insert(table), chunk)
            counts[table.name] = len(rows)
            if rows:
                progress(
                    f"  wrote {len(rows):>7} {table.name} "
                    f"({time.perf_counter() - started:.1f} s)"
                )
        return counts


def _chunks(rows: list, size: int) -> Iterable[list]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def check_empty() -> None:
    """Refuse anything but an empty database with the current schema."""
    existing = set(inspect(db.engine).get_table_names())
    missing = [t.name for t in TABLES if t.name not in existing]
    if missing:
        raise GenerationError(
            "the database has no schema yet (run `flask db upgrade` on a new database)"
        )
    for table in (Municipality, User, Thread, Theme, SubsidyCall, Task, Activity):
        if db.session.scalar(select(func.count()).select_from(table)):
            raise GenerationError(
                "the database is not empty: benchmark data goes into a new database "
                "(create one, run `flask db upgrade`, then `flask generate-data`)"
            )


def _reset_sequences() -> None:
    """PostgreSQL: explicit ids do not move the id sequences; move them."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in TABLES:
        if "id" not in table.c:
            continue
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608 - our table names
                f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table.name}"
            )
        )


def _tally_closed_rounds() -> None:
    """The summary the closing of a round writes (its scores were inserted as
    closed)."""
    from app.strategy.results import tally_round

    closed = select(ScoringRound).where(ScoringRound.status == "closed")
    for scoring_round in db.session.scalars(closed).all():
        tally_round(scoring_round)


def generate(
    scale: str | Scale = "midwest",
    *,
    seed: int = DEFAULT_SEED,
    anchor: date | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> dict[str, int]:
    """Fill the empty database with benchmark data; returns rows per table."""
    scale = SCALES[scale] if isinstance(scale, str) else scale
    check_empty()
    generator = Generator(scale, seed, anchor or today())
    progress(
        f"Generating the {scale.name} scale (seed {seed}, today {generator.today})"
    )
    generator.build(progress)
    try:
        counts = generator.write(progress)
        _tally_closed_rounds()
        _reset_sequences()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if db.engine.dialect.name == "postgresql":
        # What autovacuum would do shortly after a bulk load; keeps plans stable.
        with db.engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
    return counts


@click.command("generate-data")
@click.option(
    "--scale",
    type=click.Choice(["midwest", "flanders"]),
    default="midwest",
    show_default=True,
    help="midwest: the demo region's size; flanders: 300 municipalities.",
)
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True)
@click.option(
    "--today",
    "anchor",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Date the data is spread around (default: today in Brussels).",
)
def generate_data_command(scale: str, seed: int, anchor: datetime | None) -> None:
    """Fill an EMPTY, freshly migrated database with synthetic benchmark data."""
    started = time.perf_counter()
    try:
        counts = generate(
            scale,
            seed=seed,
            anchor=anchor.date() if anchor else None,
            progress=click.echo,
        )
    except GenerationError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Done: {sum(counts.values())} rows in {time.perf_counter() - started:.1f} s."
    )
    click.echo(
        f"Every generated user has the password '{BENCH_PASSWORD}' "
        f"(coordinator@{EMAIL_DOMAIN}, lead@{EMAIL_DOMAIN}, viewer@{EMAIL_DOMAIN}, "
        f"<municipality-slug>@{EMAIL_DOMAIN}). Benchmark data only."
    )
