"""Time and peak memory of the task export and the score import.

Each runs in a fresh subprocess (`python -m bench.excel export|import URL`) so
that its peak memory is its own; it prints one JSON line. Each is done twice:
once timed (and the growth of the process's peak RSS, VmHWM, measured), once
under tracemalloc for the peak of Python allocations (tracemalloc slows things
down, so its run is not the timed one).

The import needs an open round: it creates one asking every thread, imports a
workbook of every thread × every active municipality through the functions
`flask import-scores` uses (`check_file`, `apply_import`), then deletes the
round, its scores and its activity entry again.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import random
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from bench.pages import COORDINATOR, signed_in_client


def _bench_app(url: str):
    from app import create_app
    from bench.run import bench_config

    return create_app(bench_config(url))


def _status_mb(key: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, from /proc/self/status."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak_rss() -> None:
    """Linux: make the peak RSS (VmHWM) start again from the current RSS."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _measure(action: Callable[[], dict]) -> dict:
    """Run `action` timed, then again under tracemalloc.

    The RSS growth is the process's peak RSS during the timed run (the peak is
    reset first) minus its RSS before it."""
    gc.collect()
    _reset_peak_rss()
    rss_before = _status_mb("VmRSS")
    started = time.perf_counter()
    info = action()
    seconds = time.perf_counter() - started
    rss_growth = max(0.0, _status_mb("VmHWM") - rss_before)
    tracemalloc.start()
    action()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        **info,
        "seconds": round(seconds, 2),
        "tracemalloc_peak_mb": round(peak / 2**20, 1),
        "rss_growth_mb": round(rss_growth, 1),
        "rss_before_mb": round(rss_before, 1),
    }


def measure_export(url: str) -> dict:
    from openpyxl import load_workbook

    app = _bench_app(url)
    client = signed_in_client(app)
    bodies = []

    def export() -> dict:
        response = client.get("/exports/tasks.xlsx")
        if response.status_code != 200:
            raise RuntimeError(f"/exports/tasks.xlsx answered {response.status_code}")
        bodies.append(response.data)
        return {"bytes": len(response.data)}

    client.get("/")  # warm up the app (templates, first connection)
    result = _measure(export)
    workbook = load_workbook(io.BytesIO(bodies[0]), read_only=True)
    rows = workbook.worksheets[0].iter_rows(values_only=True)
    result["rows"] = sum(1 for _row in rows) - 1  # without the header
    workbook.close()
    return result


def _score_workbook(threads, municipalities, seed: int = 1) -> bytes:
    """Spec §5 format: Code, Thread, one column per municipality; 0–10 or empty.

    Written in write-only mode so that making it does not raise the peak RSS."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["Code", "Thread", *[m.name for m in municipalities]])
    for thread in threads:
        values = [
            None if rng.random() < 0.03 else rng.randint(0, 10) for _ in municipalities
        ]
        sheet.append([thread.code, thread.title, *values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def measure_import(url: str) -> dict:
    from sqlalchemy import delete, select

    from app.activity.models import Activity
    from app.auth.service import find_user
    from app.clock import today
    from app.extensions import db
    from app.municipalities.models import Municipality
    from app.strategy.models import Score, ScoringRound, Thread

    try:
        from app.strategy.workbooks import apply_import, check_file
    except ImportError as error:
        return {"missing": f"score import functions not found ({error})"}

    app = _bench_app(url)
    with app.app_context():
        user = find_user(COORDINATOR)
        threads = list(db.session.scalars(select(Thread).order_by(Thread.code)))
        places = list(
            db.session.scalars(
                select(Municipality)
                .where(Municipality.merged_into_id.is_(None))
                .order_by(Municipality.name)
            )
        )
        data = _score_workbook(threads, places)
        scoring_round = ScoringRound(
            name="Benchmark import (temporary)",
            opens_on=today(),
            closes_on=today() + timedelta(days=7),
            status="open",
            threads=threads,
        )
        db.session.add(scoring_round)
        db.session.commit()
        round_id = scoring_round.id

        def clear() -> None:
            db.session.execute(delete(Score).where(Score.round_id == round_id))
            db.session.execute(
                delete(Activity).where(
                    Activity.entity_type == "scoring_round",
                    Activity.entity_id == round_id,
                )
            )
            db.session.commit()

        def run_import() -> dict:
            clear()
            current = db.session.get(ScoringRound, round_id)
            started = time.perf_counter()
            check = check_file(data, current, user, "bench-scores.xlsx")
            checked = time.perf_counter() - started
            if not check.ok:
                raise RuntimeError(f"import refused: {check.errors[:3]}")
            count = apply_import(check, user)
            db.session.commit()
            return {
                "scores": count,
                "check_seconds": round(checked, 2),
                "shape": f"{len(places)} municipalities × {len(threads)} threads",
                "bytes": len(data),
            }

        try:
            return _measure(run_import)
        finally:
            db.session.rollback()
            clear()
            db.session.delete(db.session.get(ScoringRound, round_id))
            db.session.commit()


def main(argv: list[str]) -> int:
    kind, url = argv
    try:
        result = measure_export(url) if kind == "export" else measure_import(url)
    except Exception as error:  # noqa: BLE001 - reported in the results table
        result = {"error": f"{type(error).__name__}: {error}"[:300]}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
