"""Commands: create-user and backup."""

import sqlite3
import threading

from sqlalchemy import func, select

from app.auth.models import User
from app.auth.service import find_user
from app.extensions import db
from app.models import Score


def test_create_user(app):
    from tests import factories

    factories.municipality("Izegem", slug="izegem")
    db.session.commit()
    runner = app.test_cli_runner()
    args = ["create-user", "--email", "Nieuw@Example.org", "--name", "Nieuwe Collega"]
    result = runner.invoke(
        args=[
            *args,
            "--role",
            "municipality",
            "--municipality",
            "izegem",
            "--password",
            "een lang wachtwoord",
        ]
    )
    assert result.exit_code == 0, result.output
    user = find_user("nieuw@example.org")
    assert user.role == "municipality" and user.municipality.slug == "izegem"
    assert user.check_password("een lang wachtwoord")


def test_create_user_refuses_bad_input(app):
    runner = app.test_cli_runner()
    base = ["create-user", "--email", "x@example.org", "--name", "X"]
    cases = [
        (["--role", "viewer", "--password", "short"], "password refused"),
        (["--role", "viewer", "--password", "wachtwoord123"], "password refused"),
        (
            ["--role", "lead", "--password", "een lang wachtwoord"],
            "--municipality is needed",
        ),
        (
            [
                "--role",
                "lead",
                "--municipality",
                "nowhere",
                "--password",
                "een lang wachtwoord",
            ],
            "unknown municipality",
        ),
    ]
    for extra, message in cases:
        result = runner.invoke(args=base + extra)
        assert result.exit_code != 0 and message in result.output, result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_backup_copies_a_consistent_database_while_writes_go_on(demo_app, tmp_path):
    runner = demo_app.test_cli_runner()
    target = tmp_path / "copy.sqlite"
    if db.engine.dialect.name != "sqlite":
        result = runner.invoke(args=["backup", str(target)])
        assert result.exit_code != 0 and "pg_dump" in result.output
        return
    stop = threading.Event()
    path = db.engine.url.database

    def write_scores():
        # A second connection keeps committing while the backup runs.
        connection = sqlite3.connect(path, timeout=30)
        value = 0
        while not stop.is_set():
            value = (value + 1) % 11
            with connection:
                connection.execute("UPDATE score SET value = ? WHERE id = 1", (value,))
        connection.close()

    writer = threading.Thread(target=write_scores)
    writer.start()
    try:
        result = runner.invoke(args=["backup", str(target)])
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    copied = copy.execute("SELECT count(*) FROM score").fetchone()[0]
    copy.close()
    assert copied == db.session.scalar(select(func.count(Score.id)))
    again = runner.invoke(args=["backup", str(target)])
    assert again.exit_code != 0 and "exists already" in again.output


def test_backup_into_a_missing_folder_is_a_one_line_error(app, tmp_path):
    """No traceback: one line that says what is wrong, exit status 1 (item 18)."""
    runner = app.test_cli_runner()
    target = tmp_path / "missing" / "copy.sqlite"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.output.strip().splitlines() == [
        f"Error: the folder {target.parent} does not exist; create it first."
    ]
    assert "Traceback" not in result.output and not target.parent.exists()
