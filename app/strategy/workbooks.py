"""Score workbooks (spec §5): the template, the import and the export.

Format of sheet 1: row 1 is `Code`, `Thread` (in Dutch `Code`, `Rode draad`), then
one column per municipality (its name as shown in the app, case-insensitive). Each
next row: a thread code, its title (ignored) and a whole score 0–10 or empty (no
answer) per municipality.

The import reads and checks the whole file first and collects every error by cell
("D7: 11 is not a score from 0 to 10"); only a file without errors can be applied,
and applying is all-or-nothing. Between the preview and the apply, the web import
keeps the parsed changes (never the uploaded file) as JSON in the database
(PendingImport: any app host may take the apply), under a random token and bound
to the user who uploaded it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from openpyxl.utils import get_column_letter
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import selectinload

from app import pending_imports
from app.activity.log import record
from app.auth import permissions
from app.clock import now_utc
from app.exports.excel import Column, new_workbook, sheet
from app.extensions import db
from app.formatting import fmt_yes_no, mean_value
from app.municipalities.models import Municipality
from app.strategy import rounds as rounds_logic
from app.strategy.forms import parse_score
from app.strategy.models import Score, ScoringRound, Thread
from app.strategy.results import for_reader, round_results
from app.uploads import UploadError, open_xlsx, read_sheet

MAX_ROWS = 1000
MAX_COLUMNS = 502  # code, title and up to 500 municipalities
#: Columns beyond code, title and one per municipality that a sheet may have
#: (notes, a sum); a wider sheet is refused before it is read.
COLUMN_MARGIN = 20
HEADER = ("code", "thread")
#: The workbooks write the header in the reader's language: both are read.
HEADER_ALIASES = {"thread", "rode draad"}


# --- template ----------------------------------------------------------------------


def template_workbook(scoring_round: ScoringRound, municipalities: list[Municipality]):
    """The import format for a round, filled with the current scores shown."""
    workbook = new_workbook()
    scores_sheet(workbook, scoring_round, municipalities)
    return workbook


def scores_sheet(
    workbook, scoring_round: ScoringRound, municipalities: list[Municipality]
) -> None:
    """The import format: code, thread, then every score of each municipality
    given (its own complete query, never a page of the matrix). The header is in
    the reader's language; the import reads both languages."""
    threads = rounds_logic.round_threads(scoring_round)
    values = rounds_logic.round_scores(scoring_round, [m.id for m in municipalities])
    columns = [Column(_("Code"), 10), Column(_("Thread"), 50)] + [
        Column(m.name, max(12, len(m.name) + 2), "int") for m in municipalities
    ]
    rows = (
        [t.code, t.title] + [values.get((t.id, m.id)) for m in municipalities]
        for t in threads
    )
    sheet(workbook, _("Scores"), columns, rows)


# --- import: parse and check -------------------------------------------------------


@dataclass
class Change:
    thread_id: int
    municipality_id: int
    code: str
    municipality: str
    old: int | None
    new: int | None
    exists: bool


@dataclass
class ImportCheck:
    round_id: int
    filename: str = ""
    changes: list[Change] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unchanged: int = 0
    #: Remarks for the preview that are no errors (a formula's value used).
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _cell(column: int, row: int) -> str:
    return f"{get_column_letter(column)}{row}"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_columns(
    header: tuple, scoring_round: ScoringRound, user: Any, check: ImportCheck
) -> dict[int, Municipality]:
    """Municipality per column number (1-based) from row 1; errors into check."""
    by_name = {
        m.name.strip().lower(): m
        for m in db.session.scalars(
            select(Municipality).options(selectinload(Municipality.merged_into))
        )
    }
    columns: dict[int, Municipality] = {}
    seen: dict[int, str] = {}
    last = max(
        (i for i, value in enumerate(header, start=1) if not _is_empty(value)),
        default=0,
    )
    for column in range(3, last + 1):
        name = _text(header[column - 1])
        where = _cell(column, 1)
        if not name:
            check.errors.append(
                _("%(cell)s: the column has no municipality name.", cell=where)
            )
            continue
        municipality = by_name.get(name.lower())
        if municipality is None:
            check.errors.append(
                _("%(cell)s: unknown municipality '%(name)s'.", cell=where, name=name)
            )
            continue
        if municipality.id in seen:
            check.errors.append(
                _(
                    "%(cell)s: %(name)s has a column already (%(other)s).",
                    cell=where,
                    name=municipality.name,
                    other=seen[municipality.id],
                )
            )
            continue
        seen[municipality.id] = where
        if not municipality.is_active:
            check.errors.append(
                _(
                    "%(cell)s: %(name)s merged into %(other)s and cannot score.",
                    cell=where,
                    name=municipality.name,
                    other=municipality.merged_into.name,
                )
            )
            continue
        if not permissions.can_score(user, scoring_round, municipality):
            check.errors.append(
                _(
                    "%(cell)s: you may not enter scores of %(name)s in this round.",
                    cell=where,
                    name=municipality.name,
                )
            )
            continue
        columns[column] = municipality
    if not columns and not check.errors:
        check.errors.append(_("B1: the sheet has no municipality columns."))
    return columns


def check_rows(
    rows: list[tuple], scoring_round: ScoringRound, user: Any, filename: str = ""
) -> ImportCheck:
    """Every change the rows would make to the round's scores, and every error."""
    check = ImportCheck(round_id=scoring_round.id, filename=filename)
    if scoring_round.status != "open":
        check.errors.append(_("Scores can only be imported into an open round."))
        return check
    if not rows or all(all(_is_empty(v) for v in row) for row in rows):
        check.errors.append(_("The first sheet is empty."))
        return check
    header = tuple(rows[0]) + (None, None)
    if _text(header[0]).lower() != HEADER[0] or (
        _text(header[1]).lower() not in HEADER_ALIASES
    ):
        check.errors.append(
            _(
                "A1: the first row must be Code, Thread, then one column per"
                " municipality."
            )
        )
        return check
    columns = _header_columns(tuple(rows[0]), scoring_round, user, check)
    threads = {t.code.upper(): t for t in db.session.scalars(select(Thread))}
    asked = {t.id for t in rounds_logic.round_threads(scoring_round)}
    current = {
        (s.thread_id, s.municipality_id): s
        for s in db.session.scalars(
            select(Score).where(Score.round_id == scoring_round.id)
        )
    }
    seen_codes: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        row = tuple(row) + (None,) * (max(columns, default=2) - len(row))
        if all(_is_empty(v) for v in row):
            continue
        code = _text(row[0]).upper()
        if not code:
            check.errors.append(
                _("%(cell)s: the thread code is missing.", cell=_cell(1, number))
            )
            continue
        thread = threads.get(code)
        if thread is None:
            check.errors.append(
                _(
                    "%(cell)s: unknown thread code '%(code)s'.",
                    cell=_cell(1, number),
                    code=_text(row[0])[:20],
                )
            )
            continue
        if thread.id not in asked:
            check.errors.append(
                _(
                    "%(cell)s: thread %(code)s is not asked in this round.",
                    cell=_cell(1, number),
                    code=thread.code,
                )
            )
            continue
        if code in seen_codes:
            check.errors.append(
                _(
                    "%(cell)s: thread %(code)s appears twice (also row %(row)s).",
                    cell=_cell(1, number),
                    code=thread.code,
                    row=seen_codes[code],
                )
            )
            continue
        seen_codes[code] = number
        for column, municipality in columns.items():
            raw = row[column - 1]
            if _is_empty(raw):
                new = None
            else:
                new = parse_score(raw)
                if new is None:
                    check.errors.append(
                        _(
                            "%(cell)s: %(value)s is not a score from 0 to 10.",
                            cell=_cell(column, number),
                            value=_text(raw)[:20],
                        )
                    )
                    continue
            score = current.get((thread.id, municipality.id))
            old = score.value if score else None
            if old == new:
                check.unchanged += 1
                continue
            check.changes.append(
                Change(
                    thread.id,
                    municipality.id,
                    thread.code,
                    municipality.name,
                    old,
                    new,
                    score is not None,
                )
            )
    if columns and not seen_codes and not check.errors:
        check.errors.append(_("A2: the sheet has no thread rows."))
    return check


def check_file(
    data: bytes, scoring_round: ScoringRound, user: Any, filename: str = ""
) -> ImportCheck:
    """Open an uploaded workbook safely and check it against the round."""
    try:
        width = max_columns()
        with open_xlsx(data, MAX_ROWS, width) as (workbook, scans):
            rows, scan = read_sheet(workbook, scans, MAX_ROWS, width)
    except UploadError as error:
        return ImportCheck(
            round_id=scoring_round.id, filename=filename, errors=[str(error)]
        )
    check = check_rows(rows, scoring_round, user, filename)
    check_formulas(check, rows, scan.formulas)
    return check


def max_columns() -> int:
    """Code, title, one column per municipality and a margin (at most MAX_COLUMNS)."""
    municipalities = db.session.scalar(select(func.count(Municipality.id))) or 0
    return min(MAX_COLUMNS, 2 + municipalities + COLUMN_MARGIN)


def check_formulas(
    check: Any, rows: list[tuple], formulas: dict[tuple[int, int], bool]
) -> None:
    """A formula cell counts with the value the file stores for it (noted in the
    preview); one without a stored value is an error, never "no answer". `check`:
    any import check with `errors` and `notes` (scores, tasks)."""
    missing = []
    for (row, column), cached in sorted(formulas.items()):
        where = _cell(column, row)
        if not cached:
            missing.append(
                _(
                    "%(cell)s: a formula without a computed value. Open and save the"
                    " workbook in Excel, or type the value.",
                    cell=where,
                )
            )
            continue
        cells = rows[row - 1] if row <= len(rows) else ()
        value = cells[column - 1] if column <= len(cells) else None
        check.notes.append(
            _(
                "%(cell)s holds a formula: its computed value %(value)s is used.",
                cell=where,
                value=_text(value)[:20] or "—",
            )
        )
    check.errors[:0] = missing


# --- import: apply -----------------------------------------------------------------


class StaleImport(Exception):
    """Scores changed since the preview: the user must check the file again."""


def apply_import(check: ImportCheck, user: Any) -> int:
    """Write every change of a checked file, or none. Returns the number written.

    Scores that changed since the preview make it stale (nothing is written).
    Thousands of scores at once: checked against plain rows, written with one
    bulk INSERT and one bulk UPDATE (no ORM object per score)."""
    if not check.ok:
        raise ValueError("a file with errors cannot be applied")
    if not check.changes:
        return 0  # nothing happened: nothing to record either
    scoring_round = db.session.get(ScoringRound, check.round_id)
    if scoring_round is None or scoring_round.status != "open":
        raise StaleImport()
    current = {
        (thread_id, municipality_id): (score_id, value)
        for score_id, thread_id, municipality_id, value in db.session.execute(
            select(Score.id, Score.thread_id, Score.municipality_id, Score.value).where(
                Score.round_id == scoring_round.id
            )
        )
    }
    municipalities = {
        m.id: m
        for m in db.session.scalars(
            select(Municipality).where(
                Municipality.id.in_({c.municipality_id for c in check.changes})
            )
        )
    }
    allowed = {
        municipality_id
        for municipality_id, municipality in municipalities.items()
        if permissions.can_score(user, scoring_round, municipality)
    }
    now = now_utc()
    actor_id = getattr(user, "id", None)
    inserts, updates = [], []
    for change in check.changes:
        if change.municipality_id not in allowed:
            raise StaleImport()
        score_id, old = current.get(
            (change.thread_id, change.municipality_id), (None, None)
        )
        if old != change.old:
            raise StaleImport()
        written = {"value": change.new, "entered_by_id": actor_id, "entered_at": now}
        if score_id is None:
            inserts.append(
                {
                    "round_id": scoring_round.id,
                    "thread_id": change.thread_id,
                    "municipality_id": change.municipality_id,
                    **written,
                }
            )
        else:
            updates.append({"id": score_id, **written})
    if inserts:
        db.session.execute(insert(Score), inserts)
    if updates:
        db.session.execute(update(Score), updates)
    _record_import(scoring_round, check, municipalities, user)
    return len(check.changes)


def _record_import(
    scoring_round: ScoringRound,
    check: ImportCheck,
    municipalities: dict[int, Municipality],
    user: Any,
) -> None:
    """The regional entry says how many scores were imported, nothing more; each
    municipality's old and new scores go into an entry only it (and coordinators)
    may read: nobody reads another municipality's individual scores."""
    record(
        "import",
        scoring_round,
        details={"count": len(check.changes), "filename": check.filename},
        audience=permissions.AUDIENCE_REGIONAL,
        actor=user,
    )
    by_municipality: dict[int, list[Change]] = {}
    for change in check.changes:
        by_municipality.setdefault(change.municipality_id, []).append(change)
    for municipality_id, changes in sorted(by_municipality.items()):
        record(
            "import",
            scoring_round,
            {change.code: [change.old, change.new] for change in changes},
            details={
                "count": len(changes),
                "municipality": municipalities[municipality_id].name,
                "filename": check.filename,
            },
            municipality_id=municipality_id,
            audience=permissions.AUDIENCE_MUNICIPALITY,
            actor=user,
        )


def keep_pending(check: ImportCheck, user: Any) -> str:
    """Store a checked import for `user` to apply; returns its random token."""
    return pending_imports.keep("scores", asdict(check), user)


def take_pending(token: str, user: Any) -> ImportCheck | None:
    """The stored import for this token if it is `user`'s and recent (used up)."""
    data = pending_imports.take("scores", token, user)
    if data is None:
        return None
    changes = [Change(**c) for c in data.pop("changes")]
    return ImportCheck(changes=changes, **data)


# --- export ------------------------------------------------------------------------


def results_rows(results) -> list[list]:
    """A row per thread; a withheld one says "fewer than 3" answers, no figures."""
    fewer = _("fewer than %(n)s", n=permissions.MIN_RESPONSES_IN_RESULT)
    return [
        [
            r.rank,
            r.thread.code,
            r.thread.title,
            fewer if r.withheld else r.responses,
            mean_value(r.mean),
            r.median,
            r.minimum,
            r.maximum,
            round(r.stdev, 2) if r.stdev is not None else None,
            r.share_high,
            None if r.withheld else fmt_yes_no(r.broadly_supported),
        ]
        for r in results.threads
    ]


def results_sheet(workbook, results, title: str) -> None:
    """The round-results sheet (one layout for every workbook that has one);
    `results` None gives the empty sheet."""
    high = current_app.config["SCORE_HIGH"] if results is None else results.score_high
    sheet(
        workbook,
        title,
        [
            Column(_("Rank"), 8, "int"),
            Column(_("Code"), 10),
            Column(_("Thread"), 50),
            Column(_("Responses"), 12, "int"),
            Column(_("Mean"), 10, "mean"),
            Column(_("Median"), 10, "number"),
            Column(_("Lowest"), 10, "int"),
            Column(_("Highest"), 10, "int"),
            Column(_("Standard deviation"), 12, "number"),
            Column(
                _("Share scoring %(high)s or more", high=high),
                14,
                "percent",
            ),
            Column(_("Broadly supported"), 14),
        ],
        results_rows(results) if results is not None else [],
    )


def export_workbook(scoring_round: ScoringRound, user: Any):
    """Matrix (coordinators: everyone; a municipality: its own column) + results."""
    workbook = new_workbook()
    if permissions.can_view_score_matrix(user):
        shown = rounds_logic.ballot_municipalities(scoring_round)
    elif permissions.is_municipal(user) and user.municipality_id is not None:
        own = db.session.get(Municipality, user.municipality_id)
        shown = [own] if rounds_logic.has_ballot(scoring_round, own) else []
    else:
        shown = []
    if shown:
        scores_sheet(workbook, scoring_round, shown)
    results_sheet(
        workbook, for_reader(round_results(scoring_round), user), _("Results")
    )
    return workbook
