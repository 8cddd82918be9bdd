"""Requests per second under gunicorn, measured with wrk against a hello floor.

The bare Flask app of bench/hello.py and the tracker run one after the other
with the same gunicorn settings (the repository's gunicorn.conf.py when it
exists, so workers = 2 × cores + 1), on 127.0.0.1 ports away from 5000. wrk
signs in with a session cookie obtained through the real /login form.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.parse
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
CONFIG = ROOT / "gunicorn.conf.py"
CSRF_RE = re.compile(r'name="csrf_token" [^>]*value="([^"]+)"')


@dataclass
class LoadResult:
    url: str
    requests_per_s: float | None = None
    errors: int = 0
    requests: int = 0
    latency_ms: float | None = None
    load_average: float | None = None  # 1-minute load average right after
    error: str = ""

    def summary(self) -> dict:
        return dict(self.__dict__)


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def parse_wrk(output: str) -> tuple[float, int, int, float | None]:
    """(requests/s, errors, requests, mean latency ms) from wrk's report."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    errors = 0
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket:
        errors += sum(int(n) for n in socket.groups())
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if bad:
        errors += int(bad.group(1))
    latency = re.search(r"Latency\s+([\d.]+)(us|ms|s)", output)
    mean_ms = None
    if latency:
        factor = {"us": 0.001, "ms": 1.0, "s": 1000.0}[latency.group(2)]
        mean_ms = float(latency.group(1)) * factor
    return (
        float(rate.group(1)) if rate else 0.0,
        errors,
        int(total.group(1)) if total else 0,
        mean_ms,
    )


class Server:
    """A gunicorn process serving `app_spec` on a local port."""

    def __init__(self, app_spec: str, port: int, env: dict, log: Path):
        self.port = port
        command = [str(GUNICORN)]
        if CONFIG.exists():
            command += ["-c", str(CONFIG)]
        else:
            command += ["--workers", str(2 * (os.cpu_count() or 1) + 1)]
        command += ["--bind", f"127.0.0.1:{port}", app_spec]
        self.log = log.open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def request(self, method: str, path: str, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response, data

    def wait_ready(self, path: str, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log.name}")
            try:
                response, _ = self.request("GET", path)
                if response.status < 500:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within {timeout_s} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def _cookie(response, name: str = "session") -> str | None:
    for header in response.headers.get_all("Set-Cookie") or []:
        jar = SimpleCookie()
        jar.load(header)
        if name in jar:
            return jar[name].value
    return None


def sign_in(server: Server, email: str, password: str) -> str:
    """A session cookie value for `email`, through GET and POST /login."""
    response, page = server.request("GET", "/login")
    token = CSRF_RE.search(page.decode())
    cookie = _cookie(response)
    if not token or not cookie:
        raise RuntimeError("no CSRF token or session cookie on /login")
    body = urllib.parse.urlencode(
        {"email": email, "password": password, "csrf_token": token.group(1)}
    )
    response, _ = server.request(
        "POST",
        "/login",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"session={cookie}",
        },
    )
    signed_in = _cookie(response)
    if response.status != 302 or not signed_in:
        raise RuntimeError(f"sign-in failed: {response.status}")
    response, _ = server.request("GET", "/", headers={"Cookie": f"session={signed_in}"})
    if response.status != 200:
        raise RuntimeError(f"signed-in dashboard answered {response.status}")
    # The first page puts the CSRF secret in the session: keep that cookie, as a
    # browser would (else every page sets a new one).
    return _cookie(response) or signed_in


def run_wrk(
    port: int, path: str, seconds: int, connections: int, cookie: str | None
) -> LoadResult:
    command = [
        "wrk",
        "--threads",
        "1",
        "--connections",
        str(connections),
        "--duration",
        f"{seconds}s",
        "--timeout",
        "10s",
    ]
    if cookie:
        command += ["--header", f"Cookie: session={cookie}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    done = subprocess.run(  # noqa: S603 - our own command line
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    result = LoadResult(url=path)
    if done.returncode != 0:
        result.error = (done.stderr or done.stdout).strip()[:200]
        return result
    rate, errors, total, latency = parse_wrk(done.stdout)
    result.requests_per_s, result.errors, result.requests = rate, errors, total
    result.latency_ms = latency
    result.load_average = round(os.getloadavg()[0], 1)
    return result
