"""The benchmark run: data, page timings, load, Excel; writes bench/results.md.

    python -m bench                     # SQLite, Midwest and Flanders scale
    python -m bench --postgres URL      # also PostgreSQL (URL of any database
                                        #   on the server: bench_* databases are
                                        #   created there and dropped again)
    python -m bench --postgres auto     # also PostgreSQL on a throwaway cluster
                                        #   (scripts/pg-throwaway, port 55439)
    python -m bench --quick             # smoke run: Midwest scale, few requests

The environment variable BENCH_POSTGRES_URL works like --postgres.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bench import load as load_mod
from bench import mixed
from bench.pages import LOAD_PAGES, measure_pages, resolve
from bench.report import write_report

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
PG_THROWAWAY_PORT = "55439"
SECRET_KEY = secrets.token_hex(32)


def bench_config(url: str) -> type:
    """Production settings on `url`, except cookies over plain HTTP."""
    os.environ.setdefault("SECRET_KEY", SECRET_KEY)
    from app.config import Config

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url
        SECRET_KEY = os.environ["SECRET_KEY"]
        SESSION_COOKIE_SECURE = False
        REMEMBER_COOKIE_SECURE = False
        DEBUG = False
        TESTING = False

    return BenchConfig


@dataclass
class Run:
    """Everything measured, as plain data (also written to results.json)."""

    started: str
    options: dict
    machine: dict = field(default_factory=dict)
    generation: list[dict] = field(default_factory=list)
    pages: dict[str, list[dict]] = field(default_factory=dict)  # "SQLite flanders"
    load: dict = field(default_factory=dict)  # SQLite's (as before issue 23)
    loads: dict[str, dict] = field(default_factory=dict)  # per backend
    excel: dict = field(default_factory=dict)
    seconds: float = 0.0


def log(message: str) -> None:
    print(message, flush=True)


def machine() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 2**20:.1f} GB"
    except OSError:
        pass
    commit = subprocess.run(  # noqa: S603 - read-only git query
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "system": f"{platform.system()} {platform.release()}",
        "commit": commit or "?",
        "load_average": " ".join(f"{n:.1f}" for n in os.getloadavg()),
    }


# --- databases -----------------------------------------------------------------------


class Backend:
    name = "?"

    def url(self, scale: str) -> str:
        raise NotImplementedError

    def fresh(self, scale: str) -> str:
        """An empty database for `scale`; returns its URL."""
        raise NotImplementedError

    def close(self) -> None:
        """Drop what was made."""


class SqliteBackend(Backend):
    name = "SQLite"

    def __init__(self, folder: Path):
        self.folder = folder

    def url(self, scale: str) -> str:
        return f"sqlite:///{self.folder / f'bench-{scale}.sqlite'}"

    def fresh(self, scale: str) -> str:
        for suffix in ("", "-wal", "-shm"):
            (self.folder / f"bench-{scale}.sqlite{suffix}").unlink(missing_ok=True)
        return self.url(scale)


class PostgresBackend(Backend):
    name = "PostgreSQL"

    def __init__(self, url: str, throwaway: bool = False):
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        self.base = make_url(url)
        self.throwaway = throwaway
        self.admin = create_engine(
            self.base.set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        self.made: list[str] = []

    def _execute(self, statement: str) -> None:
        from sqlalchemy import text

        with self.admin.connect() as connection:
            connection.execute(text(statement))

    def url(self, scale: str) -> str:
        return self.base.set(database=f"bench_{scale}").render_as_string(
            hide_password=False
        )

    def fresh(self, scale: str) -> str:
        name = f"bench_{scale}"
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._execute(f'CREATE DATABASE "{name}"')
        self.made.append(name)
        return self.url(scale)

    def close(self) -> None:
        for name in self.made:
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.dispose()
        if self.throwaway:
            subprocess.run(  # noqa: S603 - the repository's script
                [str(ROOT / "scripts" / "pg-throwaway"), "stop", PG_THROWAWAY_PORT],
                check=False,
            )


def start_throwaway_postgres() -> str:
    done = subprocess.run(  # noqa: S603 - the repository's script
        [str(ROOT / "scripts" / "pg-throwaway"), "start", PG_THROWAWAY_PORT],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(
            f"scripts/pg-throwaway start {PG_THROWAWAY_PORT} failed "
            f"(running already? stop it first): {done.stderr.strip()}"
        )
    return done.stdout.strip().splitlines()[-1]


def prepare(backend: Backend, scale: str, reuse: bool, workdir: Path) -> dict:
    """Migrate a new database and generate `scale` in it (timed)."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from bench.data import generate

    marker = workdir / f"{backend.name}-{scale}.json"
    if reuse and isinstance(backend, SqliteBackend) and marker.exists():
        info = json.loads(marker.read_text())
        log(f"  reusing the {scale} data on {backend.name} ({info['when']})")
        return info
    url = backend.fresh(scale)
    app = create_app(bench_config(url))
    with app.app_context():
        started = time.perf_counter()
        upgrade()
        migrated = time.perf_counter() - started
        started = time.perf_counter()
        counts = generate(scale, progress=lambda message: None)
        seconds = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    info = {
        "backend": backend.name,
        "scale": scale,
        "migrate_s": round(migrated, 1),
        "generate_s": round(seconds, 1),
        "rows": sum(counts.values()),
        "counts": counts,
        "when": datetime.now().isoformat(timespec="seconds"),
    }
    marker.write_text(json.dumps(info))
    log(f"  generated {info['rows']} rows in {seconds:.1f} s")
    return info


# --- the measurements ----------------------------------------------------------------


def pages_on(url: str, requests: int, budget_s: float) -> list[dict]:
    from app import create_app
    from app.extensions import db

    app = create_app(bench_config(url))
    results = measure_pages(app, requests, budget_s, log)
    with app.app_context():
        db.engine.dispose()
    return [result.summary() for result in results]


#: wrk runs this long on each URL before the measured run (not counted).
WARMUP_SECONDS = 5


def load_on(
    url: str, seconds: int, connections: int, mixed_connections: int, workdir: Path
) -> dict:
    """hello floor, then each load page for one reader, then each under the mixed
    scenario (24 readers and a writer), one after the other."""
    from app import create_app
    from app.extensions import db
    from bench.data import BENCH_PASSWORD
    from bench.pages import COORDINATOR

    if not load_mod.wrk_available():
        return {"error": "wrk is not installed (apt-get install wrk)"}
    app = create_app(bench_config(url))
    urls = resolve(app, LOAD_PAGES)
    found = mixed.cast(app)
    with app.app_context():
        db.engine.dispose()
    warmup = min(WARMUP_SECONDS, seconds)
    env = {
        "DATABASE_URL": url,
        "SECRET_KEY": os.environ["SECRET_KEY"],
        "SESSION_COOKIE_SECURE": "0",
        "GUNICORN_ACCESS_LOG": os.devnull,
        "PYTHONPATH": str(ROOT),
    }
    results: dict = {
        "connections": connections,
        "seconds": seconds,
        "warmup_seconds": warmup,
        "mixed_connections": mixed_connections,
    }
    hello = load_mod.Server("bench.hello:app", 8771, env, workdir / "hello.log")
    try:
        hello.wait_ready("/")
        load_mod.run_wrk(8771, "/", warmup, connections, None)
        results["hello"] = load_mod.run_wrk(
            8771, "/", seconds, connections, None
        ).summary()
    finally:
        hello.stop()
    log(f"    hello floor: {results['hello']['requests_per_s']} req/s")
    server = load_mod.Server("app:create_app()", 8772, env, workdir / "app.log")
    try:
        server.wait_ready("/healthz")
        cookie = load_mod.sign_in(server, COORDINATOR, BENCH_PASSWORD)
        results["workers"] = _worker_count(server)
        results["pages"] = []
        for path in LOAD_PAGES:
            url_path = urls[path]
            if url_path is None:
                results["pages"].append({"url": path, "error": "no object"})
                continue
            response, _body = server.request(
                "GET", url_path, headers={"Cookie": f"session={cookie}"}
            )
            if response.status != 200:
                results["pages"].append(
                    {"url": url_path, "error": f"answers {response.status}"}
                )
                log(f"    {url_path}: answers {response.status}")
                continue
            # Every worker serves the page before the count starts (templates
            # compiled, the page's shared part kept), as for the hello floor.
            load_mod.run_wrk(8772, url_path, warmup, connections, cookie)
            result = load_mod.run_wrk(8772, url_path, seconds, connections, cookie)
            results["pages"].append(result.summary())
            log(
                f"    {url_path}: {result.requests_per_s} req/s, {result.errors} errors"
            )
        results["mixed"] = _mixed(server, found, seconds, warmup, mixed_connections)
        results["mixed_readers"] = len(found.readers)
    except RuntimeError as error:
        results["error"] = str(error)
    finally:
        server.stop()
    return results


def _mixed(server, found, seconds: int, warmup: int, connections: int) -> list:
    """Each load page under 24 readers in rotation and one task save a second."""
    from bench.data import BENCH_PASSWORD

    workdir = Path(tempfile.mkdtemp(prefix="midwest-mixed-"))
    cookies = [
        load_mod.sign_in(server, email, BENCH_PASSWORD) for email in found.readers
    ]
    writer = load_mod.sign_in(server, found.writer, BENCH_PASSWORD)
    results = []
    for path in LOAD_PAGES:
        pairs = mixed.reader_pairs(server, cookies, mixed.urls_for(path, found))
        result = mixed.run_mixed(
            server,
            pairs,
            path,
            writer,
            found.tasks,
            seconds,
            warmup,
            connections,
            workdir,
        )
        results.append(result.summary())
        log(
            f"    mixed {path}: {result.requests_per_s} req/s, p99 "
            f"{result.p99_ms} ms, {result.readers} readers, {result.writes} saves"
            + (f" ({result.error})" if result.error else "")
        )
    return results


def _worker_count(server) -> int | None:
    try:
        import glob

        children = glob.glob(f"/proc/{server.process.pid}/task/*/children")
        pids = " ".join(Path(path).read_text() for path in children).split()
        return len(pids)
    except OSError:
        return None


def excel_on(url: str) -> dict:
    results = {}
    for kind in ("export", "import"):
        done = subprocess.run(  # noqa: S603 - our own module
            [str(PYTHON), "-m", "bench.excel", kind, url],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=False,
        )
        lines = done.stdout.strip().splitlines()
        try:
            results[kind] = json.loads(lines[-1])
        except (IndexError, json.JSONDecodeError):
            results[kind] = {"error": (done.stderr or "no output").strip()[-300:]}
        log(f"    {kind}: {results[kind]}")
    return results


# --- main -----------------------------------------------------------------------------


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke run")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL"),
        help="PostgreSQL URL, or 'auto' for a throwaway cluster",
    )
    parser.add_argument("--scales", help="comma-separated: midwest,flanders")
    parser.add_argument("--requests", type=int, help="timed requests per page")
    parser.add_argument("--load-seconds", type=int, help="wrk duration per URL")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--mixed-connections",
        type=int,
        default=16,
        help="wrk connections of the mixed scenario (2 threads)",
    )
    parser.add_argument("--page-budget", type=float, default=15.0)
    parser.add_argument("--reuse", action="store_true", help="keep generated data")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--skip-excel", action="store_true")
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "midwest-bench"
    )
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results.md")
    args = parser.parse_args(argv)
    default_scales = "midwest" if args.quick else "midwest,flanders"
    args.scales = (args.scales or default_scales).split(",")
    args.requests = args.requests or (3 if args.quick else 20)
    args.load_seconds = args.load_seconds or (2 if args.quick else 10)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    os.environ.setdefault("SECRET_KEY", SECRET_KEY)
    os.environ.pop("FLASK_DEBUG", None)
    args.workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    run = Run(
        started=datetime.now().isoformat(timespec="seconds"),
        options={
            "quick": args.quick,
            "scales": args.scales,
            "requests": args.requests,
            "load_seconds": args.load_seconds,
            "connections": args.connections,
            "mixed_connections": args.mixed_connections,
        },
        machine=machine(),
    )
    backends: list[Backend] = [SqliteBackend(args.workdir)]
    if args.postgres:
        url = args.postgres
        if url == "auto":
            url = start_throwaway_postgres()
        backends.append(PostgresBackend(url, throwaway=args.postgres == "auto"))
    largest = args.scales[-1]
    try:
        for backend in backends:
            for scale in args.scales:
                log(f"{backend.name}, {scale} scale:")
                run.generation.append(prepare(backend, scale, args.reuse, args.workdir))
                run.pages[f"{backend.name} {scale}"] = pages_on(
                    backend.url(scale), args.requests, args.page_budget
                )
            if not args.skip_excel:
                log(f"{backend.name}, {largest} scale: export and import")
                run.excel[backend.name] = excel_on(backend.url(largest))
        if not args.skip_load:
            for backend in backends:
                log(f"{backend.name}, {largest} scale: under load (gunicorn + wrk)")
                load = load_on(
                    backend.url(largest),
                    args.load_seconds,
                    args.connections,
                    args.mixed_connections,
                    args.workdir,
                )
                load["scale"] = largest
                run.loads[backend.name] = load
            run.load = run.loads.get("SQLite", {})
    finally:
        for backend in backends:
            backend.close()
    run.seconds = round(time.perf_counter() - started, 1)
    write_report(run, args.output)
    args.output.with_suffix(".json").write_text(
        json.dumps(run.__dict__, indent=1, default=str)
    )
    log(f"Wrote {args.output} ({run.seconds} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
