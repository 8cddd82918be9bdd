"""bench/results.md: the measurements as Markdown tables, checked against the
targets of issues 8, 15 and 23 (2-core machine, SQLite, Flanders scale). Time
verdicts judge what a reader gets with nothing kept (the uncached render) and
under the mixed scenario, never a warm cache alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.pages import MAX_HTML_KB, PAGES

MAX_SQL = 12
EXPORT_SECONDS, EXPORT_MB, IMPORT_SECONDS = 5.0, 300.0, 5.0
GENERATE_SECONDS = 120.0
LOAD_SHARE = 0.10
MIXED_P99_MS = 250.0


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _page_cells(data: dict | None) -> list[str]:
    if data is None:
        return ["", "", "", "", "", "", ""]
    if "median_ms" not in data:
        return ["missing", "", "", "", f"({data.get('status') or '–'})", "", ""]
    sql = str(data["sql_max"])
    if data["sql_min"] != data["sql_max"]:
        sql = f"{data['sql_min']}–{data['sql_max']}"
    load = data.get("load_average")
    return [
        _ms(data["median_ms"]),
        _ms(data["p95_ms"]),
        _ms(data.get("rendered_median_ms")),
        _ms(data.get("fresh_median_ms")),
        sql,
        _ms(data.get("html_kb")),
        "–" if load is None else f"{load:.1f}",
    ]


def _page_verdict(page, by_scale: dict[str, dict], largest: str, timed: bool):
    """Problems of one page: [] when it meets every target."""
    found = [d for d in by_scale.values() if d is not None]
    if not found or any("median_ms" not in d for d in found):
        return ["missing"]
    problems = []
    worst = max(d["sql_max"] for d in found)
    if worst > MAX_SQL:
        problems.append(f"{worst} SQL > {MAX_SQL}")
    counts = {d["sql_max"] for d in found} | {d["sql_min"] for d in found}
    if len(counts) > 1:
        problems.append("SQL count depends on the data")
    top = by_scale.get(largest)
    if top is not None and (top.get("html_kb") or 0) > MAX_HTML_KB:
        problems.append(f"{top['html_kb']:.0f} KB HTML > {MAX_HTML_KB} KB")
    if timed and top is not None:
        uncached = _uncached_ms(top)
        if uncached is None:
            problems.append("uncached render not measured")
        elif uncached > page.target_ms:
            problems.append(f"uncached {uncached:.0f} ms > {page.target_ms} ms")
    return problems


def _uncached_ms(data: dict | None) -> float | None:
    """The page's median with nothing kept (right after a write to every table)."""
    if data is None:
        return None
    return data.get("fresh_median_ms")


def _pages_table(run, backend: str, scales: list[str], misses: list[str]) -> list:
    lines = [f"### {backend}", ""]
    header = ["page", "target"]
    for scale in scales:
        header += [
            f"{scale} median ms",
            "p95 ms",
            "rendered ms",
            "uncached ms",
            "SQL",
            "HTML KB",
            "load avg",
        ]
    header.append("verdict")
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    results = {
        scale: {d["path"]: d for d in run.pages.get(f"{backend} {scale}", [])}
        for scale in scales
    }
    requests = {
        d.get("requests")
        for scale in scales
        for d in results[scale].values()
        if d.get("requests")
    }
    timed = backend == "SQLite"
    for page in PAGES:
        by_scale = {scale: results[scale].get(page.path) for scale in scales}
        cells = [f"`{page.path}`", f"≤ {page.target_ms} ms"]
        for scale in scales:
            cells += _page_cells(by_scale[scale])
        problems = _page_verdict(page, by_scale, scales[-1], timed)
        cells.append("ok" if not problems else "**" + "; ".join(problems) + "**")
        if problems:
            misses.append(f"{backend}: `{page.path}`: {'; '.join(problems)}")
        lines.append("| " + " | ".join(cells) + " |")
    shown = ", ".join(str(n) for n in sorted(requests)) or "–"
    lines += [
        "",
        f"Timed requests per page: {shown} (after one warm-up request): the "
        "median and p95 of what a reader gets (every page is rendered for its "
        "reader; the read model's figures kept while what they read is "
        "unchanged). Then half as many of two kinds: *rendered*, again with "
        "the read model's figures kept (SQL counts these statements: the "
        "page's own), and *uncached*, each right after a write to every table "
        "(nothing kept is used: the cost of the first reader after a change). "
        "The time verdict judges the uncached median. "
        + (
            "Time targets apply to SQLite at the largest scale; "
            "the SQL targets to every scale."
            if timed
            else "Times on PostgreSQL are for comparison (the targets are on "
            "SQLite); the SQL targets apply here too."
        ),
        "",
    ]
    return lines


def _load_section(
    load: dict, misses: list[str], backend: str = "SQLite", pages: list | None = None
) -> list[str]:
    lines = [f"## Under load (gunicorn + wrk), {backend}", ""]
    if not load:
        return lines + ["Not measured (--skip-load).", ""]
    if "hello" not in load:
        misses.append(f"{backend} load test: {load.get('error', 'not measured')}")
        return lines + [f"Not measured: {load.get('error', '?')}", ""]
    judged = backend == "SQLite"
    floor = load["hello"].get("requests_per_s") or 0
    lines += _mixed_table(load, floor, pages or [], misses, judged)
    lines += [
        "### One reader, no writes (for comparison: no verdict)",
        "",
        "| URL | requests/s | errors | mean latency ms | share of the hello floor "
        "| load avg |",
        "|---|---|---|---|---|---|",
        f"| hello floor (`bench/hello.py`) | {floor:.0f} | "
        f"{load['hello'].get('errors', 0)} | "
        f"{_ms(load['hello'].get('latency_ms'))} | 100% | "
        f"{_ms(load['hello'].get('load_average'))} |",
    ]
    for page in load.get("pages", []):
        rate = page.get("requests_per_s")
        if rate is None:
            lines.append(f"| `{page['url']}` | – | – | – | – | **{page['error']}** |")
            continue
        share = rate / floor if floor else 0
        lines.append(
            f"| `{page['url']}` | {rate:.0f} | {page.get('errors', 0)} | "
            f"{_ms(page.get('latency_ms'))} | {share:.1%} | "
            f"{_ms(page.get('load_average'))} |"
        )
    if load.get("error"):
        lines.append(f"\nError: {load['error']}")
        misses.append(f"{backend} load test: {load['error']}")
    lines += [
        "",
        f"{backend}, {load.get('scale')} scale; gunicorn with the repository's "
        f"`gunicorn.conf.py` ({load.get('workers') or '?'} sync workers, access log "
        f"to /dev/null) for both apps, one after the other; wrk with 1 thread, "
        f"{load.get('connections')} connections, {load.get('seconds')} s per URL "
        f"(after a {load.get('warmup_seconds', 0)} s warm-up run that is not "
        "counted), "
        "signed in as the coordinator with a cookie from the real /login form.",
        "",
    ]
    return lines


def _mixed_table(
    load: dict, floor: float, pages: list, misses: list[str], judged: bool
) -> list[str]:
    """24 readers of every role in rotation + one task save a second."""
    title = "### Mixed: 24 readers of every role + one task save a second"
    lines = [title + ("" if judged else " (for comparison)"), ""]
    mixed = load.get("mixed")
    if not mixed:
        if judged:
            misses.append("mixed scenario: not measured")
        return lines + ["Not measured.", ""]
    by_path = {d["path"]: d for d in pages}
    lines += [
        "| page | readers × URLs | requests/s | share of the hello floor | p50 ms "
        "| p99 ms | errors | task saves (failed) | uncached render ms | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for page in mixed:
        problems = []
        rate = page.get("requests_per_s")
        share = (rate or 0) / floor if floor else 0
        target = next((p for p in PAGES if p.path == page["url"]), None)
        uncached = _uncached_ms(by_path.get(page["url"]))
        if rate is None or not page.get("requests", 1):
            problems.append(page.get("error") or "not measured")
        else:
            if share < LOAD_SHARE:
                problems.append(f"{share:.1%} < {LOAD_SHARE:.0%} of the floor")
            if page.get("p99_ms") is None or page["p99_ms"] > MIXED_P99_MS:
                problems.append(
                    f"p99 {_ms(page.get('p99_ms'))} > {MIXED_P99_MS:.0f} ms"
                )
            if page.get("errors"):
                problems.append(f"{page['errors']} errors")
            if page.get("write_errors") or not page.get("writes"):
                problems.append(f"writer: {page.get('error') or 'no save'}")
        if target is not None and (uncached is None or uncached > target.target_ms):
            problems.append(
                "uncached not measured"
                if uncached is None
                else f"uncached {uncached:.0f} ms > {target.target_ms} ms"
            )
        if problems and judged:
            misses.append(f"mixed `{page['url']}`: {'; '.join(problems)}")
        verdict = "ok" if not problems else "**" + "; ".join(problems) + "**"
        if not judged:
            verdict = "–" if not problems else "; ".join(problems)
        lines.append(
            f"| `{page['url']}` | {page.get('readers', 0)} | "
            f"{'–' if rate is None else f'{rate:.0f}'} | {share:.1%} | "
            f"{_ms(page.get('p50_ms'))} | {_ms(page.get('p99_ms'))} | "
            f"{page.get('errors', 0)} | {page.get('writes', 0)} "
            f"({page.get('write_errors', 0)}) | {_ms(uncached)} | {verdict} |"
        )
    lines += [
        "",
        f"{load.get('mixed_readers', '?')} readers (coordinators, viewers, leads and "
        "municipality users of as many municipalities), each signed in through the "
        "real /login form; the pages with an object rotate over many (municipalities, "
        "closed rounds); a reader asks only for the URLs that answer it 200. wrk "
        f"with 2 threads, {load.get('mixed_connections')} connections, "
        f"{load.get('seconds')} s per page (after a {load.get('warmup_seconds', 0)} s "
        "warm-up run), a Lua script sending each request as the next (reader, URL) "
        "pair; meanwhile one task is saved a second through the real edit form "
        "(GET, then POST with its CSRF token). The hello floor is measured in the "
        f"same run. Targets (SQLite): ≥ {LOAD_SHARE:.0%} of the floor, p99 ≤ "
        f"{MIXED_P99_MS:.0f} ms, no errors, and the page's uncached render within "
        "its target.",
        "",
    ]
    return lines


def _excel_section(excel: dict, misses: list[str]) -> list[str]:
    lines = ["## Excel", ""]
    if not excel:
        return lines + ["Not measured (--skip-excel).", ""]
    lines += [
        "| backend | what | size | seconds | peak Python memory MB "
        "| process RSS growth MB | verdict |",
        "|---|---|---|---|---|---|---|",
    ]
    for backend, results in excel.items():
        for kind in ("export", "import"):
            data: dict[str, Any] = results.get(kind, {})
            what = (
                "export `/exports/tasks.xlsx`"
                if kind == "export"
                else "import score workbook (`check_file` + `apply_import`)"
            )
            if "seconds" not in data:
                reason = data.get("missing") or data.get("error") or "?"
                lines.append(f"| {backend} | {what} | – | – | – | – | **{reason}** |")
                misses.append(f"{backend} {kind}: {reason}")
                continue
            if kind == "export":
                size = f"{data.get('rows')} rows, {data['bytes'] / 2**20:.1f} MB"
                limit, memory_limit = EXPORT_SECONDS, EXPORT_MB
            else:
                size = f"{data.get('shape')} ({data.get('scores')} scores)"
                limit, memory_limit = IMPORT_SECONDS, None
            problems = []
            if backend == "SQLite" and data["seconds"] > limit:
                problems.append(f"{data['seconds']} s > {limit:.0f} s")
            peak = max(data["tracemalloc_peak_mb"], data["rss_growth_mb"])
            if memory_limit and peak > memory_limit:
                problems.append(f"{peak} MB > {memory_limit:.0f} MB")
            if problems:
                misses.append(f"{backend} {kind}: {'; '.join(problems)}")
            verdict = "ok" if not problems else "**" + "; ".join(problems) + "**"
            lines.append(
                f"| {backend} | {what} | {size} | {data['seconds']} | "
                f"{data['tracemalloc_peak_mb']} | {data['rss_growth_mb']} | {verdict} |"
            )
    lines += [
        "",
        "Each in a fresh process: once timed (growth of the peak RSS, VmHWM), "
        "once under tracemalloc (peak of Python allocations). Targets: export "
        f"≤ {EXPORT_SECONDS:.0f} s and ≤ {EXPORT_MB:.0f} MB, import "
        f"≤ {IMPORT_SECONDS:.0f} s (SQLite). The import goes into a temporary open "
        "round asking every thread (only active municipalities may score, so "
        "merged ones have no column); the check alone is included in the time.",
        "",
    ]
    return lines


def write_report(run, path: Path) -> None:
    machine = run.machine
    scales = run.options["scales"]
    misses: list[str] = []
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python -m bench` on {run.started} in {run.seconds} s"
        + (" (**--quick smoke run**, not a real measurement)" if run.options["quick"]
           else "")
        + f"; commit {machine.get('commit')}.",
        "",
        f"Machine: {machine.get('nproc')} CPUs ({machine.get('cpu')}), "
        f"{machine.get('memory')} RAM, {machine.get('system')}; Python "
        f"{machine.get('python')}, SQLite {machine.get('sqlite')}. Load average "
        f"when the run started: {machine.get('load_average')} (other work on the "
        "machine slows every figure down; compare runs made on a quiet machine).",
        "",
        "## Benchmark data (`flask generate-data`)",
        "",
        "| backend | scale | rows | migrate s | generate s | verdict |",
        "|---|---|---|---|---|---|",
    ]  # fmt: skip
    for item in run.generation:
        ok = item["scale"] != "flanders" or item["generate_s"] <= GENERATE_SECONDS
        if not ok:
            misses.append(f"generate {item['scale']} on {item['backend']}")
        lines.append(
            f"| {item['backend']} | {item['scale']} | {item['rows']} | "
            f"{item['migrate_s']} | {item['generate_s']} | "
            f"{'ok' if ok else '**> 2 minutes**'} |"
        )
    lines += ["", "## Pages, signed in as the coordinator", ""]
    backends = []
    for key in run.pages:
        backend = key.rsplit(" ", 1)[0]
        if backend not in backends:
            backends.append(backend)
    for backend in backends:
        lines += _pages_table(run, backend, scales, misses)
    loads = getattr(run, "loads", None) or {"SQLite": run.load}
    largest = scales[-1]
    for backend, load in loads.items():
        pages = run.pages.get(f"{backend} {largest}", [])
        lines += _load_section(load, misses, backend, pages)
    lines += _excel_section(run.excel, misses)
    lines += ["## Targets missed", ""]
    lines += [f"- {miss}" for miss in misses] or ["None."]
    lines.append("")
    path.write_text("\n".join(lines))
