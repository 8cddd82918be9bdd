"""Demo data for the Midwest region (`flask seed-demo`).

Real facts come from shared/context/domain.md: the 16 besturen and the 2025
mergers, the three chosen themes, the Flemish calls with their amounts and dates,
and Midwest's e-inclusie and digibank dossiers. Everything else (the other 18
thread titles, individual scores, tasks, people, partner splits, statuses of
later years) is a placeholder and says so where it is shown as text.

Idempotent: every row is looked up by its natural key first and only created
when missing, so a second run adds nothing and changes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from app.auth.models import Role, User
from app.auth.service import create_user
from app.clock import brussels, today
from app.extensions import db
from app.meetings.models import AgendaItem, Forum, Meeting, MeetingNote
from app.municipalities.models import Municipality
from app.strategy.models import (
    Conversation,
    Score,
    ScoringRound,
    Thread,
    ThreadMention,
    TrajectoryStep,
)
from app.strategy.results import tally_round
from app.subsidies.models import (
    Application,
    ApplicationPartner,
    BudgetLine,
    OwnContribution,
    Payment,
    ReportingObligation,
    Spending,
    SubsidyCall,
)
from app.work.models import Rollout, Task, Theme, WorkingGroup

MUNICIPALITIES = [
    "Ardooie", "Hooglede", "Ingelmunster", "Izegem", "Ledegem", "Lichtervelde",
    "Meulebeke", "Moorslede", "Oostrozebeke", "Pittem", "Roeselare", "Ruiselede",
    "Staden", "Tielt", "Wielsbeke", "Wingene",
]  # fmt: skip
#: Their NIS codes (Statbel REFNIS; the codes of before the 2025 mergers, which
#: data.vlaanderen.be's gemeente URIs use): arrondissements Roeselare (36) and Tielt
#: (37). Checked against two published REFNIS lists; Ardooie is 37020.
NIS_CODES = {
    "ardooie": "37020", "hooglede": "36006", "ingelmunster": "36007",
    "izegem": "36008", "ledegem": "36010", "lichtervelde": "36011",
    "meulebeke": "37007", "moorslede": "36012", "oostrozebeke": "37010",
    "pittem": "37011", "roeselare": "36015", "ruiselede": "37012",
    "staden": "36019", "tielt": "37015", "wielsbeke": "37017", "wingene": "37018",
}  # fmt: skip
MERGERS = {"ruiselede": "wingene", "meulebeke": "tielt"}  # on 2025-01-01
MERGER_DATE = date(2025, 1, 1)
CENTRAL_CITY = "roeselare"

# The three real themes, then 18 placeholder titles.
THEME_THREADS = {
    "RD04": "ICT klankbord en strategie",
    "RD09": "Vendormanagement",
    "RD15": "Verhogen digitale geletterdheid",
}
PLACEHOLDER_THREADS = [
    "Gedeelde informatieveiligheidsconsulent",
    "Gezamenlijke aankoop van hardware",
    "Digitaal loket en e-formulieren",
    "Datagedreven beleid",
    "Opleiding digitale vaardigheden voor medewerkers",
    "Cloud en samenwerkingssoftware",
    "Slimme sensoren in de openbare ruimte",
    "Digitaal archief",
    "Telefonie en VoIP",
    "Netwerk en glasvezel",
    "Open data",
    "Samenwerking rond GIS",
    "Oefeningen cyberweerbaarheid",
    "E-facturatie en financiële software",
    "Gedeelde ICT-servicedesk",
    "Toegankelijke websites",
    "Klantvolgsysteem",
    "Digitale besluitvorming en vergaderen",
]

STEPS = [
    ("Discussienota", "najaar 2020", "Uitgangspunten, knelpunten en vormen van "
     "samenwerking, besproken op de Midwest-fora.", "done"),
    ("Eén-op-één gesprekken", "voorjaar 2021", "Gesprekken met een delegatie van "
     "elk lokaal bestuur over noden, verwachtingen, engagement en visie.", "done"),
    ("Rode draden en scores", "mei 2021", "Rode draden (minstens 5 besturen) "
     "gescoord van 0 tot 10 door elk bestuur.", "done"),
    ("Voorstellen", "najaar 2021", "Start met 3 thema's die bij de overgrote "
     "meerderheid hoog scoorden en lokale impact hebben.", "done"),
    ("Realisatie", "vanaf 2022", "Een werkgroep per thema, met Vlaamse "
     "subsidieoproepen waar mogelijk.", "in_progress"),
]  # fmt: skip

PREPARATION_TEMPLATE = [
    {"title": "Conceptnota", "days_before": 42},
    {"title": "Goedkeuring deelname door elk college", "days_before": 28},
    {"title": "Begroting", "days_before": 14},
    {"title": "Finale nalezing", "days_before": 7},
    {"title": "Aanvraag indienen", "days_before": 1},
]
REPORTING_TEMPLATE = [
    {"title": "Voorschot 80%", "kind": "advance", "from": "decision", "days": 60},
    {"title": "Tussentijds rapport", "kind": "interim", "from": "start", "days": 365},
    {"title": "Functioneel eindrapport", "kind": "final", "from": "end", "days": 90},
    {"title": "Financieel eindrapport", "kind": "financial", "from": "end", "days": 90},
    {"title": "Saldo", "kind": "balance", "from": "end", "days": 180},
]

PLACEHOLDER = "(voorbeeld)"
#: Own contributions (issue 28 item 2): ("amount", euro) or ("percent", share of
#: the municipality's project cost), as people enter them.
DIGIBANK_OWN = {
    "izegem": {
        "izegem": ("amount", "40000"),
        "ingelmunster": ("percent", "10"),
        "oostrozebeke": ("amount", "12000"),
        "wielsbeke": ("percent", "10"),
    }
}
#: Budget lines of the Izegem digibank: (bearer, kind, title, planned, spending
#: as (date, amount, description)), so its financial report fills itself.
DIGIBANK_BUDGET = {
    "izegem": [
        (
            "izegem",
            "personnel",
            "Digicoach (1 VTE, 2 jaar)",
            "300000",
            [
                (date(2023, 6, 30), "75000", "Loonkost eerste semester 2023"),
                (date(2023, 12, 31), "75000", "Loonkost tweede semester 2023"),
                (date(2024, 6, 30), "76000", "Loonkost eerste semester 2024"),
            ],
        ),
        (
            "izegem",
            "equipment",
            "Laptops en tablets voor de digibank",
            "60000",
            [(date(2023, 3, 15), "48250", "Aankoop 40 laptops en 20 tablets")],
        ),
        (
            "ingelmunster",
            "external_services",
            "Opleidingen door een externe partner",
            "80000",
            [(date(2024, 2, 1), "30000", "Reeks workshops voorjaar 2024")],
        ),
        ("oostrozebeke", "other", "Communicatie en drukwerk", "20000", []),
    ]
}
#: The demo call asks 20%: Izegem's 15% shows the warning on DEMO-LEDEGEM.
DEMO_OWN = {
    "DEMO-LEDEGEM": {
        "ledegem": ("amount", "9000"),
        "roeselare": ("percent", "20"),
        "izegem": ("percent", "15"),
    }
}


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    logins: list[str] = field(default_factory=list)
    new_users: int = 0

    def count(self, kind: str) -> None:
        self.created[kind] = self.created.get(kind, 0) + 1

    def summary(self) -> str:
        if not self.created:
            return "Demo data present already: nothing added."
        parts = ", ".join(f"{n} {kind}" for kind, n in sorted(self.created.items()))
        return f"Added: {parts}."


class Seeder:
    def __init__(self, password: str):
        self.password = password
        self.report = SeedReport()
        self.rng = random.Random(2021)  # noqa: S311 - demo data, not security
        self.today = today()
        self.m: dict[str, Municipality] = {}
        self.users: dict[str, User] = {}
        self.threads: dict[str, Thread] = {}
        self.themes: dict[str, Theme] = {}
        self.calls: dict[str, SubsidyCall] = {}

    def get_or_create(
        self, model, lookup: dict[str, Any], **values
    ) -> tuple[Any, bool]:
        obj = db.session.scalar(select(model).filter_by(**lookup))
        if obj is not None:
            return obj, False
        obj = model(**lookup, **values)
        db.session.add(obj)
        db.session.flush()
        self.report.count(model.__tablename__)
        return obj, True

    # --- people and places -------------------------------------------------------

    def municipalities(self) -> None:
        for name in MUNICIPALITIES:
            slug = name.lower()
            self.m[slug], _ = self.get_or_create(
                Municipality,
                {"slug": slug},
                name=name,
                is_central_city=slug == CENTRAL_CITY,
                nis_code=NIS_CODES[slug],
            )
            if self.m[slug].nis_code is None:  # seeded before the codes were known
                self.m[slug].nis_code = NIS_CODES[slug]
        for old, new in MERGERS.items():
            if self.m[old].merged_into_id is None:
                self.m[old].merged_into = self.m[new]
                self.m[old].merged_on = MERGER_DATE

    def user(self, email: str, name: str, role: str, municipality=None) -> User:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = create_user(
                email, name, self.password, role, getattr(municipality, "id", None)
            )
            db.session.flush()
            self.report.count("user_account")
            self.report.new_users += 1
        self.report.logins.append(f"{email} ({role})")
        return user

    def people(self) -> None:
        self.users["coordinator"] = self.user(
            "coordinator@midwest.example", "Coördinator Midwest", Role.COORDINATOR
        )
        self.users["lead"] = self.user(
            "lead@midwest.example",
            "Trekker ICT klankbord",
            Role.LEAD,
            self.m[CENTRAL_CITY],
        )
        for slug, municipality in self.m.items():
            self.users[slug] = self.user(
                f"{slug}@midwest.example",
                f"Contactpersoon {municipality.name}",
                Role.MUNICIPALITY,
                municipality,
            )
        self.users["viewer"] = self.user(
            "viewer@midwest.example", "Lid Midwestoverleg", Role.VIEWER
        )

    # --- strategy ----------------------------------------------------------------

    def trajectory(self) -> None:
        for position, (title, period, description, status) in enumerate(STEPS, 1):
            self.get_or_create(
                TrajectoryStep,
                {"position": position},
                title=title,
                period=period,
                description=description,
                status=status,
            )

    def thread_list(self) -> None:
        placeholders = iter(PLACEHOLDER_THREADS)
        for number in range(1, 22):
            code = f"RD{number:02d}"
            real = code in THEME_THREADS
            title = THEME_THREADS[code] if real else next(placeholders)
            self.threads[code], _ = self.get_or_create(
                Thread,
                {"code": code},
                title=title,
                description="" if real else f"Rode draad {PLACEHOLDER}.",
                status="selected"
                if real
                else ("parked" if number in (7, 19) else "candidate"),
            )

    def conversations(self) -> None:
        slugs = list(self.m)
        mentioned: dict[str, set[str]] = {slug: set() for slug in slugs}
        for code in self.threads:
            size = (
                self.rng.randint(12, 16)
                if code in THEME_THREADS
                else self.rng.randint(5, 11)
            )
            for slug in self.rng.sample(slugs, size):
                mentioned[slug].add(code)
        for index, slug in enumerate(slugs):
            held_on = date(2021, 3, 1) + timedelta(days=3 * index)
            talk, created = self.get_or_create(
                Conversation,
                {"municipality_id": self.m[slug].id, "held_on": held_on},
                delegation=f"Burgemeester, ICT-schepen, algemeen directeur, ICT {PLACEHOLDER}",
                notes=f"Gesprek over noden en ambities rond ICT {PLACEHOLDER}.",
                created_by_id=self.users["coordinator"].id,
            )
            if created:
                for code in sorted(mentioned[slug]):
                    db.session.add(
                        ThreadMention(
                            conversation_id=talk.id, thread_id=self.threads[code].id
                        )
                    )

    def score_value(self, code: str) -> int | None:
        if code in THEME_THREADS:
            return self.rng.choice([7, 8, 8, 9, 9, 10, 10])
        if self.rng.random() < 0.04:
            return None
        return self.rng.randint(1, 9)

    def rounds(self) -> None:
        may, created = self.get_or_create(
            ScoringRound,
            {"name": "Bevraging rode draden mei 2021"},
            opens_on=date(2021, 5, 3),
            closes_on=date(2021, 5, 31),
            status="closed",
        )
        if created:
            may.threads = list(self.threads.values())
            for slug, municipality in self.m.items():
                for code, thread in self.threads.items():
                    db.session.add(
                        Score(
                            round_id=may.id,
                            thread_id=thread.id,
                            municipality_id=municipality.id,
                            value=self.score_value(code),
                            entered_by_id=self.users[slug].id,
                            entered_at=brussels(
                                date(2021, 5, 10)
                                + timedelta(days=self.rng.randint(0, 20)),
                                10,
                            ),
                        )
                    )
            tally_round(may)
        review, created = self.get_or_create(
            ScoringRound,
            {"name": "Herijking rode draden"},
            opens_on=self.today - timedelta(days=14),
            closes_on=self.today + timedelta(days=21),
            status="open",
        )
        if created:
            asked = [t for c, t in self.threads.items() if c not in THEME_THREADS]
            review.threads = asked
            for slug in ("izegem", "staden", "pittem"):
                for thread in asked[: self.rng.randint(4, len(asked))]:
                    db.session.add(
                        Score(
                            round_id=review.id,
                            thread_id=thread.id,
                            municipality_id=self.m[slug].id,
                            value=self.rng.randint(0, 10),
                            entered_by_id=self.users[slug].id,
                        )
                    )

    # --- delivery ----------------------------------------------------------------

    def delivery(self) -> None:
        groups = {
            "RD04": ("Werkgroep ICT klankbord", "Een regionaal klankbord voor ICT-beleid en strategie."),
            "RD09": ("Werkgroep vendormanagement", "Gezamenlijk opvolgen en onderhandelen met leveranciers."),
            "RD15": ("Werkgroep digitale geletterdheid", "Burgers en medewerkers digitaal sterker maken."),
        }  # fmt: skip
        stages = ["not_started", "exploring", "preparing", "implementing", "live"]
        for position, (code, title) in enumerate(THEME_THREADS.items()):
            theme, created = self.get_or_create(
                Theme,
                {"title": title},
                origin_thread_id=self.threads[code].id,
                description=f"Gekozen thema na de bevraging van mei 2021: {title}.",
                status="active",
            )
            self.themes[code] = theme
            if created:
                for slug, municipality in self.m.items():
                    weights = [1, 2, 3, 3, 2] if position else [0, 1, 2, 3, 4]
                    stage = self.rng.choices(stages, weights=weights)[0]
                    if slug in ("wielsbeke",) and position == 2:
                        stage = "not_participating"
                    db.session.add(
                        Rollout(
                            theme_id=theme.id,
                            municipality_id=municipality.id,
                            stage=stage,
                            note=""
                            if municipality.is_active
                            else "Historiek vóór de fusie.",
                            updated_by_id=self.users["coordinator"].id,
                        )
                    )
            name, purpose = groups[code]
            group, created = self.get_or_create(
                WorkingGroup, {"theme_id": theme.id, "name": name}, purpose=purpose
            )
            if created:
                self.fill_group(group, position)

    def fill_group(self, group: WorkingGroup, position: int) -> None:
        active = [s for s, m in self.m.items() if m.is_active]
        chosen = sorted(self.rng.sample(active, 6 + 2 * position))
        if position == 0:
            group.leads = [self.users["lead"]]
            chosen = sorted(set(chosen) | {CENTRAL_CITY})
        group.municipalities = [self.m[s] for s in chosen]
        group.members = [self.users[s] for s in chosen[:5]]
        titles = TASK_TITLES[position]
        statuses = [
            "done",
            "done",
            "in_progress",
            "in_progress",
            "todo",
            "blocked",
            "todo",
            "todo",
        ]
        for index, title in enumerate(titles):
            status = statuses[index % len(statuses)]
            due = self.today + timedelta(
                days=-75 + index * 22 + self.rng.randint(-5, 5)
            )
            assignee = (
                group.leads[0]
                if group.leads and index % 3 == 0
                else self.users[chosen[index % len(chosen)]]
            )
            progress = (
                100 if status == "done" else self.rng.choice([0, 10, 25, 40, 60, 80])
            )
            if status == "todo":
                progress = 0
            db.session.add(
                Task(
                    group_id=group.id,
                    title=title,
                    description=f"{title} {PLACEHOLDER}.",
                    status=status,
                    progress=progress,
                    due_on=due,
                    assignee_id=assignee.id,
                    municipality_id=self.m[chosen[index % len(chosen)]].id
                    if index % 2
                    else None,
                    updated_by_id=self.users["coordinator"].id,
                )
            )
            self.report.count("task")

    # --- subsidies ---------------------------------------------------------------

    def call(self, key: str, title: str, **values) -> SubsidyCall:
        themes = values.pop("themes", [])
        call, created = self.get_or_create(SubsidyCall, {"title": title}, **values)
        if created:
            call.themes = [self.themes[c] for c in themes]
        self.calls[key] = call
        return call

    def subsidy_calls(self) -> None:
        common = {
            "preparation_template": PREPARATION_TEMPLATE,
            "reporting_template": REPORTING_TEMPLATE,
        }
        self.call(
            "gzg6",
            "Gemeente zonder gemeentehuis – oproep 6",
            funder="Agentschap Binnenlands Bestuur (Vlaamse Veerkracht)",
            description=(
                "Relanceproject (budget € 35 miljoen in totaal). Conceptstudie tot "
                "€ 150.000, thematisch project tot € 500.000, transformatieproject tot "
                "€ 2.000.000 (af tegen 31/12/2025). Oproep 6 vroeg een formele "
                "samenwerking met minstens 1 ander bestuur."
            ),
            url="",
            opens_at=brussels(date(2022, 6, 20)),
            deadline_at=brussels(date(2022, 9, 9), 23, 59),
            budget=Decimal("35000000"),
            max_per_application=Decimal("2000000"),
            min_partners=1,
            themes=["RD04"],
            **common,
        )
        self.call(
            "einclusie2021",
            "E-inclusie 2021 (Iedereen Digitaal)",
            funder="Vlaamse overheid",
            description="Tot € 200.000 per gemeente of samenwerkingsverband, tot 3 jaar.",
            opens_at=brussels(date(2021, 7, 1)),
            deadline_at=brussels(date(2021, 10, 29), 12, 0),
            max_per_application=Decimal("200000"),
            themes=["RD15"],
            **common,
        )
        self.call(
            "einclusie2022",
            "E-inclusie 2022 (Iedereen Digitaal)",
            funder="Vlaamse overheid",
            description=(
                "Envelop € 25 miljoen; indienen via het Loket voor Lokale Besturen; "
                "projecten 01/11/2022 – 31/12/2024; eerste schijf 80%; functionele en "
                "financiële rapportering."
            ),
            opens_at=brussels(date(2022, 6, 1)),
            deadline_at=brussels(date(2022, 9, 26), 12, 0),
            budget=Decimal("25000000"),
            themes=["RD15"],
            **common,
        )
        self.call(
            "digibanken",
            "Digibanken – uitvoeringstraject",
            funder="Departement Werk en Sociale Economie",
            description=(
                "Budget € 50 miljoen. Voortraject tot 4 maanden en € 15.000; "
                "uitvoeringstraject van minstens 2 jaar tot 31/12/2024, tot € 500.000."
            ),
            opens_at=brussels(date(2022, 6, 1)),
            deadline_at=brussels(date(2022, 9, 30), 12, 0),
            budget=Decimal("50000000"),
            max_per_application=Decimal("500000"),
            themes=["RD15"],
            **common,
        )
        self.call(
            "digibanken2025",
            "Digibanken – verlengingsoproep 2025-2026",
            funder="Departement Werk en Sociale Economie",
            description="Tot € 500.000, uitbetaald in resultaatsschijven.",
            opens_at=brussels(date(2025, 1, 1)),
            deadline_at=brussels(date(2026, 7, 31), 23, 59),
            max_per_application=Decimal("500000"),
            themes=["RD15"],
            **common,
        )
        self.call(
            "demo",
            "Digitale dienstverlening 2027 (fictieve demo-oproep)",
            funder="Vlaamse overheid (fictief)",
            description=f"Een verzonnen open oproep om de werking te tonen {PLACEHOLDER}.",
            opens_at=brussels(self.today - timedelta(days=20)),
            deadline_at=brussels(self.today + timedelta(days=40), 12, 0),
            budget=Decimal("5000000"),
            max_per_application=Decimal("150000"),
            cofinancing_pct=Decimal("20"),
            min_partners=2,
            themes=["RD04", "RD09"],
            **common,
        )

    def application(self, reference: str, call: str, lead: str, **values) -> None:
        partners = values.pop("partners", {})
        payments = values.pop("payments", [])
        obligations = values.pop("obligations", [])
        own = values.pop("own", {})
        budget = values.pop("budget", [])
        app, created = self.get_or_create(
            Application,
            {"reference": reference},
            call_id=self.calls[call].id,
            lead_municipality_id=self.m[lead].id,
            owner_id=self.users["coordinator"].id,
            **values,
        )
        if not created:
            return
        for slug, share in partners.items():
            app.partners.append(
                ApplicationPartner(
                    municipality_id=self.m[slug].id, share_pct=Decimal(share)
                )
            )
        for slug, (entered_as, value) in own.items():
            app.own_contributions.append(
                OwnContribution(
                    municipality_id=self.m[slug].id,
                    entered_as=entered_as,
                    amount=Decimal(value) if entered_as == "amount" else None,
                    share_pct=Decimal(value) if entered_as == "percent" else None,
                )
            )
        for slug, kind, title, planned, spent in budget:
            line = BudgetLine(
                municipality_id=self.m[slug].id,
                kind=kind,
                title=title,
                planned_amount=Decimal(planned),
            )
            app.budget_lines.append(line)
            for spent_on, amount, description in spent:
                line.spending.append(
                    Spending(
                        application_id=app.id,
                        spent_on=spent_on,
                        amount=Decimal(amount),
                        description=description,
                    )
                )
        for paid_on, amount, kind in payments:
            app.payments.append(
                Payment(paid_on=paid_on, amount=Decimal(amount), kind=kind)
            )
        for title, kind, due_on, status in obligations:
            app.obligations.append(
                ReportingObligation(
                    title=title,
                    kind=kind,
                    due_on=due_on,
                    status=status,
                    done_on=due_on if status == "done" else None,
                    owner_id=self.users[lead].id,
                )
            )

    def applications(self) -> None:
        theme_literacy = self.themes["RD15"].id
        done_2024 = [
            ("Voorschot 80%", "advance", date(2022, 3, 1), "done"),
            ("Functioneel eindrapport", "final", date(2025, 3, 31), "done"),
            ("Financieel eindrapport", "financial", date(2025, 3, 31), "done"),
        ]
        for lead in ("oostrozebeke", "izegem"):
            self.application(
                f"EINCL-2021-{lead.upper()}",
                "einclusie2021",
                lead,
                title=f"E-inclusie {lead.capitalize()} (Midwest faciliterende partner)",
                theme_id=theme_literacy,
                status="closed" if lead == "oostrozebeke" else "reporting",
                requested_amount=Decimal("200000"),
                granted_amount=Decimal("200000"),
                submitted_on=date(2021, 10, 28),
                decided_on=date(2021, 12, 17),
                project_start=date(2022, 1, 1),
                project_end=date(2024, 12, 31),
                payments=[(date(2022, 2, 15), "160000", "advance")]
                + (
                    [(date(2025, 9, 30), "40000", "balance")]
                    if lead == "oostrozebeke"
                    else []
                ),
                obligations=done_2024
                + [
                    (
                        "Saldo",
                        "balance",
                        date(2025, 9, 30),
                        "done" if lead == "oostrozebeke" else "open",
                    )
                ],
            )
        self.application(
            "DIGI-VT-2022",
            "digibanken",
            "roeselare",
            title="Digibank Midwest – voortraject",
            theme_id=theme_literacy,
            status="closed",
            requested_amount=Decimal("15000"),
            granted_amount=Decimal("15000"),
            submitted_on=date(2021, 12, 10),
            decided_on=date(2021, 12, 20),
            project_start=date(2022, 1, 1),
            project_end=date(2022, 5, 31),
            payments=[(date(2022, 2, 1), "15000", "advance")],
        )
        subregions = {
            "izegem": {"ingelmunster": "25", "oostrozebeke": "20", "wielsbeke": "20"},
            "roeselare": {"hooglede": "15", "staden": "15", "moorslede": "15", "ledegem": "15", "lichtervelde": "10"},
            "tielt": {"ardooie": "15", "meulebeke": "15", "pittem": "15", "ruiselede": "10", "wingene": "15"},
        }  # fmt: skip
        for lead, partners in subregions.items():
            self.application(
                f"DIGI-UT-2022-{lead.upper()}",
                "digibanken",
                lead,
                title=f"Digibank subregio {lead.capitalize()}",
                theme_id=theme_literacy,
                status="reporting",
                requested_amount=Decimal("500000"),
                granted_amount=Decimal("500000"),
                submitted_on=date(2022, 9, 28),
                decided_on=date(2022, 12, 15),
                project_start=date(2023, 1, 1),
                project_end=date(2024, 12, 31),
                partners=partners,
                own=DIGIBANK_OWN.get(lead, {}),
                budget=DIGIBANK_BUDGET.get(lead, []),
                payments=[(date(2023, 2, 15), "400000", "advance")],
                obligations=[
                    ("Voorschot 80%", "advance", date(2023, 2, 15), "done"),
                    ("Functioneel eindrapport", "final", date(2025, 3, 31), "done"),
                    ("Financieel eindrapport", "financial", date(2025, 3, 31), "done"),
                    ("Saldo", "balance", self.today + timedelta(days=25), "open"),
                ],
            )
        placeholders = [
            ("GZG6-TIELT", "gzg6", "tielt", "rejected", "Gedeeld digitaal loket", {"pittem": "30", "ardooie": "30"}, "480000"),
            ("EINCL-2022-WINGENE", "einclusie2022", "wingene", "withdrawn", "Digitale buddy's", {}, "120000"),
            ("DIGI-2025-ROESELARE", "digibanken2025", "roeselare", "granted", "Digibank Midwest 2025-2026", {"izegem": "30", "tielt": "30"}, "450000"),
            ("DEMO-STADEN", "demo", "staden", "idea", "Slimme afsprakenplanner", {}, "60000"),
            ("DEMO-HOOGLEDE", "demo", "hooglede", "preparing", "Regionaal e-loket", {"moorslede": "30", "lichtervelde": "30"}, "150000"),
            ("DEMO-LEDEGEM", "demo", "ledegem", "submitted", "Digitale vergadertool", {"roeselare": "40", "izegem": "20"}, "90000"),
        ]  # fmt: skip
        for reference, call, lead, status, title, partners, requested in placeholders:
            extra: dict[str, Any] = {}
            if status in ("submitted", "granted", "rejected"):
                extra["submitted_on"] = self.calls[call].deadline_at.date() - timedelta(
                    days=2
                )
            if status in ("granted", "rejected"):
                extra["decided_on"] = extra["submitted_on"] + timedelta(days=60)
            if status == "granted":
                extra.update(
                    granted_amount=Decimal(requested) * Decimal("0.9"),
                    project_start=extra["decided_on"] + timedelta(days=30),
                    project_end=date(2026, 12, 31),
                    payments=[
                        (
                            extra["decided_on"] + timedelta(days=45),
                            str(Decimal(requested) * Decimal("0.72")),
                            "advance",
                        )
                    ],
                    obligations=[
                        (
                            "Voorschot 80%",
                            "advance",
                            extra["decided_on"] + timedelta(days=45),
                            "done",
                        ),
                        (
                            "Tussentijds rapport",
                            "interim",
                            self.today + timedelta(days=10),
                            "open",
                        ),
                        ("Functioneel eindrapport", "final", date(2027, 3, 31), "open"),
                        (
                            "Financieel eindrapport",
                            "financial",
                            date(2027, 3, 31),
                            "open",
                        ),
                    ],
                )
            self.application(
                reference,
                call,
                lead,
                title=f"{title} {PLACEHOLDER}",
                theme_id=self.themes["RD04"].id,
                status=status,
                requested_amount=Decimal(requested),
                partners=partners,
                own=DEMO_OWN.get(reference, {}),
                notes=f"Dossier {PLACEHOLDER}.",
                **extra,
            )

    def run(self) -> SeedReport:
        self.municipalities()
        self.people()
        self.trajectory()
        self.thread_list()
        self.conversations()
        self.rounds()
        self.delivery()
        self.subsidy_calls()
        self.applications()
        self.publications()
        self.forum_meetings()
        self.documents()
        db.session.commit()
        return self.report

    def documents(self) -> None:
        """A call's regulations and the minutes of the past Midwest-overleg (small
        generated PDFs), so the documents sections are not empty at first."""
        from app.documents import storage
        from app.documents.models import Document

        minutes = db.session.scalar(
            select(Meeting).where(
                Meeting.title == f"Opvolging digitale regio {PLACEHOLDER}"
            )
        )
        wanted = [
            ("call_id", self.calls.get("demo"), "regulations",
             "Reglement Digitale dienstverlening 2027 (voorbeeld).pdf",
             "Reglement Digitale dienstverlening 2027 (voorbeeld)"),
            ("meeting_id", minutes, "minutes",
             "Verslag Midwest-overleg (voorbeeld).pdf",
             "Verslag Midwest-overleg: opvolging digitale regio (voorbeeld)"),
        ]  # fmt: skip
        for column, owner, kind, filename, line in wanted:
            if owner is None or db.session.scalar(
                select(Document.id).where(getattr(Document, column) == owner.id)
            ):
                continue
            data = demo_pdf(line)
            db.session.add(
                Document(
                    kind=kind,
                    filename=filename,
                    content_type=storage.PDF.mimetype,
                    size=len(data),
                    storage_key=storage.store(data),
                    uploaded_by_id=self.users["coordinator"].id,
                    **{column: owner.id},
                )
            )
            self.report.count("document")

    def forum_meetings(self) -> None:
        """The Midwest-overleg: two past meetings (the latest with decisions and
        action points, one of them already a task) and the next one with its
        agenda, so that a newcomer opens a pack at once. Dates and texts are
        placeholders."""
        forum, created = self.get_or_create(
            Forum,
            {"name": "Midwest-overleg"},
            description="Overleg van de burgemeesters en algemeen directeurs van "
            "de Midwest-besturen; volgt de digitale regio op.",
        )
        if created:
            forum.members = [
                self.users["coordinator"],
                self.users["lead"],
                self.users["viewer"],
                *[self.users[slug] for slug, m in self.m.items() if m.is_active],
            ]
        group = db.session.scalar(
            select(WorkingGroup).where(WorkingGroup.name == "Werkgroep ICT klankbord")
        )
        themes = self.themes
        dossier = db.session.scalar(
            select(Application).where(Application.reference == "DIGI-2025-ROESELARE")
        )
        meetings = [
            (f"Overleg voorjaar {PLACEHOLDER}", -100, [], []),
            (
                f"Opvolging digitale regio {PLACEHOLDER}",
                -35,
                [
                    ("Stand van zaken ICT klankbord", {"theme_id": themes["RD04"].id}),
                    (
                        "Digibank Midwest 2025-2026",
                        {"application_id": dossier.id if dossier else None},
                    ),
                    (
                        "Leveranciersoverleg",
                        {"theme_id": themes["RD09"].id},
                    ),
                ],
                [
                    ("decision", "De regionale ICT-visienota wordt goedgekeurd "
                     f"{PLACEHOLDER}.", "RD04", False),
                    ("action", "Visienota voorleggen aan elk college "
                     f"{PLACEHOLDER}", "RD04", True),
                    ("action", "Overzicht van licenties die in 2027 vervallen "
                     f"{PLACEHOLDER}", "RD09", False),
                ],
            ),
            (
                f"Volgend Midwest-overleg {PLACEHOLDER}",
                21,
                [
                    ("Goedkeuring verslag vorige vergadering", {}),
                    ("Bespreking ICT-roadmap 2027", {"theme_id": themes["RD04"].id}),
                    ("Digitale geletterdheid: jaarrapport", {"theme_id": themes["RD15"].id}),
                    ("Opvolging actiepunten", {}),
                ],
                [],
            ),
        ]  # fmt: skip
        for title, offset, agenda, notes in meetings:
            meeting, created = self.get_or_create(
                Meeting,
                {"forum_id": forum.id, "title": title},
                held_on=self.today + timedelta(days=offset),
                location=f"Roeselare {PLACEHOLDER}",
            )
            if not created:
                continue
            for position, (item, links) in enumerate(agenda, 1):
                db.session.add(
                    AgendaItem(
                        meeting_id=meeting.id, position=position, title=item, **links
                    )
                )
            for kind, text, code, as_task in notes:
                note = MeetingNote(
                    meeting_id=meeting.id,
                    kind=kind,
                    text=text,
                    theme_id=themes[code].id,
                    created_by_id=self.users["coordinator"].id,
                )
                if as_task and group is not None:
                    note.task = Task(
                        group_id=group.id,
                        title=text,
                        description=f"Actiepunt van het Midwest-overleg {PLACEHOLDER}.",
                        assignee_id=self.users["lead"].id,
                        due_on=self.today + timedelta(days=14),
                        status="in_progress",
                        progress=30,
                    )
                db.session.add(note)

    def publications(self) -> None:
        """On the first seed: the coordinator published the first two themes, the
        granted dossiers and the closed round (the third theme stays unpublished)."""
        from app.public.publishing import is_publishable, publish

        if not self.report.created.get("theme"):
            return
        db.session.flush()
        themes = sorted(self.themes.values(), key=lambda t: t.id)[:2]
        dossiers = db.session.scalars(select(Application).order_by(Application.id))
        rounds = db.session.scalars(select(ScoringRound).order_by(ScoringRound.id))
        for obj in [*themes, *dossiers, *rounds]:
            if is_publishable(obj):
                publish(obj, self.users["coordinator"])


TASK_TITLES = [
    [
        "Startvergadering ICT-klankbord plannen",
        "Inventaris ICT-beleidsplannen per bestuur",
        "Gezamenlijke ICT-visienota opstellen",
        "Visienota voorleggen op het Midwestoverleg",
        "Regionale ICT-roadmap 2027 uitwerken",
        "Informatieveiligheidsbeleid afstemmen",
        "Evaluatie klankbord na één jaar",
        "Voorstel gedeelde ICT-functies uitwerken",
    ],
    [
        "Overzicht van leverancierscontracten maken",
        "Gemeenschappelijke contractvoorwaarden opstellen",
        "Overleg met softwareleveranciers plannen",
        "Raamcontract hardware voorbereiden",
        "Vervaldata van licenties in kaart brengen",
        "Onderhandelingsstrategie afspreken",
        "Juridisch advies over aankoopcentrale vragen",
    ],
    [
        "Digitale buddy's rekruteren",
        "Vormingsaanbod digitale vaardigheden bundelen",
        "Digipunten in elke deelgemeente inrichten",
        "Communicatiecampagne Iedereen Digitaal",
        "Opleiding voor baliemedewerkers",
        "Meting digitale kloof per bestuur",
        "Samenwerking met bibliotheken afspreken",
        "Jaarrapport digitale inclusie",
    ],
]


def demo_pdf(line: str) -> bytes:
    """A one-page PDF that shows `line` (ASCII): a placeholder document."""
    escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 14 Tf 72 760 Td ({escaped}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def seed(password: str) -> SeedReport:
    """Load the demo data; returns what was added and the demo logins."""
    return Seeder(password).run()
