"""What deploy/ gives an admin stays true to the code (issue 25): the example
environment file names every variable the app reads, nginx forwards exactly the
headers the app trusts and accepts the app's upload size, gunicorn's settings
are real settings with a control socket per instance or none, and the systemd
units pass `systemd-analyze verify`."""

import ast
import os
import re
import runpy
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
from app.config import ROOT, TestConfig
from tests.conftest import require_tool

DEPLOY = ROOT / "deploy"
#: Read by the test suite only, never by an instance.
TEST_ONLY = {"TEST_DATABASE_URL"}


def _variables_read(path: Path) -> set[str]:
    """Names passed as a string to os.environ.get/[], os.getenv or config.py's
    _env_* helpers in `path`."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and node.args:
            func = ast.unparse(node.func)
            reads = func in ("os.environ.get", "os.getenv") or func.startswith("_env_")
            argument = node.args[0]
        elif isinstance(node, ast.Subscript):
            reads = ast.unparse(node.value) == "os.environ"
            argument = node.slice
        else:
            continue
        if reads and isinstance(argument, ast.Constant):
            names.add(argument.value)
    return names


def variables_read() -> set[str]:
    # app/config.py and app/gunicorn_conf.py among them.
    sources = sorted((ROOT / "app").rglob("*.py"))
    return set().union(*map(_variables_read, sources)) - TEST_ONLY


def test_the_example_environment_file_names_every_variable():
    example = (DEPLOY / "midwest.env.example").read_text(encoding="utf-8")
    named = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    read = variables_read()
    assert {"SECRET_KEY", "DATABASE_URL", "MAIL_TIMEOUT", "GUNICORN_BIND"} <= read
    assert read - named == set(), "missing from deploy/midwest.env.example"
    assert named - read == set(), "named in the example, read by nothing"


def test_the_example_environment_file_sets_no_usable_secret_key():
    example = (DEPLOY / "midwest.env.example").read_text(encoding="utf-8")
    assert re.search(r"^SECRET_KEY=$", example, re.MULTILINE)


def _nginx_site() -> str:
    return (DEPLOY / "nginx-midwest.conf").read_text(encoding="utf-8")


def test_nginx_forwards_exactly_the_headers_the_app_trusts():
    class Config(TestConfig):
        PROXY_FIX_X_FOR = 1

    proxy_fix = create_app(Config).wsgi_app
    trusted = {
        header
        for header, hops in [
            ("X-Forwarded-For", proxy_fix.x_for),
            ("X-Forwarded-Proto", proxy_fix.x_proto),
            ("X-Forwarded-Host", proxy_fix.x_host),
            ("X-Forwarded-Port", proxy_fix.x_port),
            ("X-Forwarded-Prefix", proxy_fix.x_prefix),
        ]
        if hops
    }
    headers = dict(re.findall(r"proxy_set_header\s+(\S+)\s+([^;]+);", _nginx_site()))
    forwarded = {name for name, value in headers.items() if "Forwarded" in name}
    passed = {name for name in forwarded if value_set(headers[name])}
    assert (
        passed
        == trusted
        == {
            "X-Forwarded-For",
            "X-Forwarded-Proto",
            "X-Forwarded-Host",
        }
    )
    # A client's own X-Forwarded-For is not passed on: only its address.
    assert headers["X-Forwarded-For"] == "$remote_addr"
    # gunicorn also reads these (secure_scheme_headers): cleared.
    assert {"X-Forwarded-Ssl", "X-Forwarded-Protocol", "Forwarded"} <= forwarded


def value_set(value: str) -> bool:
    return value.strip() != '""'


def test_nginx_accepts_uploads_up_to_the_apps_limit():
    size = re.search(r"client_max_body_size\s+(\d+)([km]?);", _nginx_site())
    number, unit = int(size.group(1)), size.group(2)
    limit = number * {"": 1, "k": 1024, "m": 1024 * 1024}[unit]
    assert limit == TestConfig.MAX_CONTENT_LENGTH


def test_nginx_redirects_http_and_serves_healthz_over_tls():
    site = _nginx_site()
    assert "return 301 https://$host$request_uri;" in site
    assert "listen 443 ssl" in site and "location = /healthz" in site


def _gunicorn_settings(monkeypatch, **environment) -> dict:
    monkeypatch.delenv("GUNICORN_CONTROL_SOCKET", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    namespace = runpy.run_module("app.gunicorn_conf")
    return {
        name: value
        for name, value in namespace.items()
        if name.islower()
        and not name.startswith("_")
        and not callable(value)
        and not isinstance(value, type(runpy))
    }


def test_gunicorn_settings_are_gunicorns_and_the_control_socket_is_off(monkeypatch):
    from gunicorn.config import Config as GunicornConfig

    settings = _gunicorn_settings(monkeypatch)
    assert set(settings) - set(GunicornConfig().settings) == set()
    assert settings["control_socket_disable"] is True
    assert "control_socket" not in settings


def test_each_instance_names_its_own_control_socket(monkeypatch):
    settings = _gunicorn_settings(
        monkeypatch, GUNICORN_CONTROL_SOCKET="/run/midwest/gunicorn.ctl"
    )
    assert settings["control_socket"] == "/run/midwest/gunicorn.ctl"
    assert "control_socket_disable" not in settings
    service = (DEPLOY / "midwest.service").read_text(encoding="utf-8")
    assert "Environment=GUNICORN_CONTROL_SOCKET=/run/midwest/gunicorn.ctl" in service
    assert "RuntimeDirectory=midwest" in service


@pytest.mark.parametrize(
    "option",
    [
        "User=midwest",
        "EnvironmentFile=/etc/midwest/midwest.env",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "PrivateTmp=yes",
        "ReadWritePaths=/var/lib/midwest",
        "UMask=0077",
    ],
)
def test_the_services_run_as_the_dedicated_user_hardened(option):
    for unit in (
        "midwest.service",
        "midwest-reminders.service",
        "midwest-notifications.service",
    ):
        lines = (DEPLOY / unit).read_text(encoding="utf-8").splitlines()
        assert option in lines, unit


def _installed_stand_in(tmp_path: Path) -> Path:
    """A virtualenv folder whose bin/midwest and bin/gunicorn run this checkout's
    app with the suite's interpreter (the units and midwest-admin name those of
    the installed wheel)."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    for name, module in (("midwest", "app"), ("gunicorn", "gunicorn")):
        script = venv / "bin" / name
        script.write_text(
            f'#!/bin/sh\nPYTHONPATH="{ROOT}" exec "{sys.executable}" -m {module} "$@"\n'
        )
        script.chmod(0o755)
    return venv


def test_the_systemd_units_verify(tmp_path):
    analyze = require_tool("systemd-analyze")
    # The units name the virtualenv /opt/midwest; a stand-in here.
    venv = _installed_stand_in(tmp_path)
    units = []
    for unit in sorted(DEPLOY.glob("midwest*.service")) + sorted(
        DEPLOY.glob("*.timer")
    ):
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text().replace("/opt/midwest/", f"{venv}/"))
        units.append(str(copy))
    assert len(units) == 5
    result = subprocess.run(  # noqa: S603 - our own files
        [analyze, "verify", *units], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""


def test_the_units_run_the_installed_commands():
    service = (DEPLOY / "midwest.service").read_text(encoding="utf-8")
    reminders = (DEPLOY / "midwest-reminders.service").read_text(encoding="utf-8")
    mail = (DEPLOY / "midwest-notifications.service").read_text(encoding="utf-8")
    assert "ExecStart=/opt/midwest/bin/gunicorn -c python:app.gunicorn_conf" in service
    # Each person's lead times decide what the digest holds: no --days for all.
    assert "ExecStart=/opt/midwest/bin/midwest send-reminders\n" in reminders
    assert "ExecStart=/opt/midwest/bin/midwest send-notifications\n" in mail
    for unit in (reminders, mail):
        assert "WorkingDirectory=/var/lib/midwest\n" in unit


def test_midwest_admin_runs_a_command_with_the_environment_file_from_anywhere(
    tmp_path,
):
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.skip("deploy/midwest-admin switches user with runuser, as root")
    instance = tmp_path / "instance"
    env_file = tmp_path / "midwest.env"
    env_file.write_text(
        "SECRET_KEY=" + "k" * 40 + "\n"
        f"INSTANCE_PATH={instance}\n"
        'MAIL_SENDER="Midwest digitale regio <noreply@example.org>"\n'
        "# a comment\n"
    )
    env_file.chmod(0o600)
    environment = {
        "PATH": os.environ["PATH"],
        "MIDWEST_VENV": str(_installed_stand_in(tmp_path)),
        "MIDWEST_ENV_FILE": str(env_file),
        "MIDWEST_USER": "root",
    }
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(  # noqa: S603 - our own script
        [str(DEPLOY / "midwest-admin"), "db", "upgrade"],
        cwd=elsewhere,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    database = instance / "midwest.sqlite"
    with sqlite3.connect(database) as connection:
        tables = {
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
            )
        }
    assert {"user_account", "alembic_version"} <= tables
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
