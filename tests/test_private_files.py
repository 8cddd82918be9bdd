"""Private files stay private (issue 25): the instance folder, the SQLite
database and backup copies are made
0700 (folders) and 0600 (files) under the usual umask 022, which would give
0755 and 0644."""

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from app import create_app
from app.config import TestConfig
from app.extensions import db
from tests.conftest import require_tool


@pytest.fixture(autouse=True)
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_instance_folder_and_the_sqlite_database_are_private(tmp_path):
    folder = tmp_path / "instance"

    class Config(TestConfig):
        INSTANCE_PATH = str(folder)
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder / 'midwest.sqlite'}"

    app = create_app(Config)
    assert mode(folder) == 0o700
    with app.app_context():
        db.session.execute(text("CREATE TABLE t (x INTEGER)"))
        db.session.execute(text("INSERT INTO t VALUES (1)"))
        db.session.commit()
        files = sorted(p.name for p in folder.iterdir())
        assert "midwest.sqlite" in files and "midwest.sqlite-wal" in files
        assert {name: mode(folder / name) for name in files} == dict.fromkeys(
            files, 0o600
        )
        db.session.remove()
        db.engine.dispose()


def test_the_default_database_lives_in_the_instance_path():
    from app import config

    assert config.Config.INSTANCE_PATH == config.INSTANCE_PATH
    assert config.default_database_url().endswith(
        f"{config.INSTANCE_PATH}/midwest.sqlite"
    )


def test_a_backup_copy_is_private(app, tmp_path):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("backup copies SQLite; PostgreSQL backs up with pg_dump")
    target = tmp_path / "backups" / "copy.sqlite"
    target.parent.mkdir()
    result = app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert mode(target) == 0o600


@pytest.mark.parametrize("target", ["instance/secret_key", "instance/demo_password"])
def test_the_secrets_make_run_writes_are_private(tmp_path, target):
    import subprocess
    import sys

    from app.config import ROOT

    make = require_tool("make")
    result = subprocess.run(  # noqa: S603 - our own Makefile, one file target
        [
            make,
            "-f",
            str(ROOT / "Makefile"),
            f"BIN={Path(sys.executable).parent}",
            target,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert mode(tmp_path / "instance") == 0o700
    assert mode(tmp_path / target) == 0o600
    assert len((tmp_path / target).read_text().strip()) >= 16
