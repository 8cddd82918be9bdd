"""The app installs like a package (issue 25, item 1): one importable package
`app` (no top-level module), its templates, static files, catalogs and
migrations inside it once built, a `midwest` command that works from any
directory with an environment file, and a hashed production lock with the
runtime dependencies only. scripts/ci-production installs the real wheel."""

import importlib.metadata
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from app.config import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", re.MULTILINE)


def _pins(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text("utf-8")
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


def _names(requirements: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(line).name) for line in requirements}


def _runtime_closure() -> set[str]:
    """The runtime dependencies of pyproject.toml and theirs, as installed here."""
    seen: set[str] = set()
    todo = [Requirement(line) for line in PYPROJECT["project"]["dependencies"]]
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        extras = set(requirement.extras)
        if name in seen and not extras:
            continue
        seen.add(name)
        for line in importlib.metadata.requires(requirement.name) or []:
            child = Requirement(line)
            if child.marker is None or any(
                child.marker.evaluate({"extra": extra}) for extra in extras | {""}
            ):
                todo.append(child)
    return seen


def test_the_production_lock_holds_the_runtime_dependencies_only():
    pins = _pins("requirements-prod.lock")
    runtime = _names(PYPROJECT["project"]["dependencies"])
    dev_only = _names(PYPROJECT["project"]["optional-dependencies"]["dev"])
    assert runtime - set(pins) == set(), "runtime dependencies missing"
    assert dev_only & set(pins) == set(), "development tools in production"
    # Nothing a development tool alone pulls in (pytest's pluggy, say).
    assert set(pins) == _runtime_closure()


def test_the_production_lock_pins_hashes_and_the_versions_tested():
    text = (ROOT / "requirements-prod.lock").read_text("utf-8")
    blocks = [b for b in re.split(r"\n(?=[a-z0-9])", text) if PIN.match(b)]
    assert len(blocks) == len(PIN.findall(text)) > 0
    assert all("--hash=sha256:" in block for block in blocks)
    assert "--index-url" not in text and "--find-links" not in text
    tested = _pins("requirements.lock")
    assert {
        name: version
        for name, version in _pins("requirements-prod.lock").items()
        if tested.get(name) != version
    } == {}


def test_there_is_no_top_level_config_module():
    assert not (ROOT / "config.py").exists()
    assert PYPROJECT["project"]["scripts"] == {"midwest": "app.command:main"}
    assert "py-modules" not in PYPROJECT["tool"].get("setuptools", {})


def _clean_environment(**extra: str) -> dict[str, str]:
    settings = ("SECRET_KEY", "DATABASE_URL", "INSTANCE_PATH", "FLASK_DEBUG")
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in settings and not name.startswith(("MIDWEST_", "FLASK_"))
    }
    return environment | extra


def _midwest(
    args: list[str], cwd: Path, path: Path = ROOT, **environment: str
) -> subprocess.CompletedProcess:
    """`midwest ARGS` as the console script runs it, the package found on `path`."""
    return subprocess.run(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-c", "from app.command import main; main()", *args],
        cwd=cwd,
        env=_clean_environment(PYTHONPATH=str(path), **environment),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _env_file(folder: Path, instance: Path, **more: str) -> Path:
    env_file = folder / "midwest.env"
    lines = [f"SECRET_KEY={'k' * 40}", f"INSTANCE_PATH={instance}"]
    lines += [f"{name}={value}" for name, value in more.items()]
    env_file.write_text("\n".join(lines) + "\n")
    return env_file


def test_midwest_reads_an_environment_file_from_any_directory(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # A .env where it runs is not read: only the file it is given.
    (elsewhere / ".env").write_text(f"INSTANCE_PATH={tmp_path / 'wrong'}\n")
    instance = tmp_path / "instance"
    env_file = _env_file(tmp_path, instance)
    upgraded = _midwest(["--env-file", str(env_file), "db", "upgrade"], elsewhere)
    assert upgraded.returncode == 0, upgraded.stderr
    assert (instance / "midwest.sqlite").is_file()
    assert not (tmp_path / "wrong").exists()
    # MIDWEST_ENV_FILE names it too; a variable of the environment wins.
    printed = _midwest(
        ["routes"], elsewhere, MIDWEST_ENV_FILE=str(env_file), SECRET_KEY="short"
    )
    assert "SECRET_KEY must be set" in printed.stderr
    listed = _midwest(["routes"], elsewhere, MIDWEST_ENV_FILE=str(env_file))
    assert listed.returncode == 0, listed.stderr
    assert "/healthz" in listed.stdout


def test_midwest_refuses_a_missing_environment_file(tmp_path):
    result = _midwest(["--env-file", str(tmp_path / "none.env"), "routes"], tmp_path)
    assert result.returncode == 2
    assert "does not exist" in result.stderr


def test_midwest_lists_the_apps_commands(tmp_path):
    result = _midwest(["--help"], tmp_path, SECRET_KEY="k" * 40)
    assert result.returncode == 0, result.stderr
    for command in ("db", "seed-demo", "create-user", "backup", "send-reminders"):
        assert re.search(rf"^  {command}\s", result.stdout, re.MULTILINE), command


def test_a_built_copy_finds_its_resources_in_the_package(tmp_path):
    """setup.py's build step puts templates, static files, compiled catalogs and
    migrations into the package; run from elsewhere, that copy serves Dutch
    pages and migrates with them (no checkout on its path)."""
    pytest.importorskip("setuptools")
    build = tmp_path / "lib"
    built = subprocess.run(  # noqa: S603 - our own setup.py
        [sys.executable, "setup.py", "-q", "build_py", "-d", str(build)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    package = build / "app"
    for resource in (
        "templates/base.html",
        "static/app.css",
        "translations/nl/LC_MESSAGES/messages.mo",
        "migrations/env.py",
        "migrations/alembic.ini",
        "auth/common_passwords.txt",
        "auth/guessable_words.txt",
    ):
        assert (package / resource).is_file(), resource
    assert not list(package.glob("translations/*/LC_MESSAGES/*.po"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env_file = _env_file(tmp_path, tmp_path / "instance", SESSION_COOKIE_SECURE="0")
    upgraded = _midwest(
        ["--env-file", str(env_file), "db", "upgrade"], elsewhere, path=build
    )
    assert upgraded.returncode == 0, upgraded.stderr
    script = (
        "import app.config as c\n"
        "from app import create_app\n"
        "page = create_app().test_client().get('/login')\n"
        "print(c.RESOURCES, page.status_code, 'Wachtwoord' in page.text)\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", script],
        cwd=elsewhere,
        env=_clean_environment(PYTHONPATH=str(build), **_read(env_file)),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(package), "200", "True"]


def _read(env_file: Path) -> dict[str, str]:
    return dict(
        line.split("=", 1) for line in env_file.read_text().splitlines() if line
    )


def test_the_readmes_production_steps_install_the_wheel_with_the_hashed_lock():
    readme = (ROOT / "README.md").read_text("utf-8")
    production = readme[readme.index("## Production") : readme.index("## Security")]
    assert "pip install --require-hashes -r requirements-prod.lock" in production
    assert re.search(r"pip install --no-deps [^\n]*midwest_tracker-\*\.whl", production)
    assert "requirements.lock" not in production.replace("requirements-prod.lock", "")
