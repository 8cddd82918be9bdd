"""The app's commands: `midwest <command>`, or `flask --app app <command>`."""

from __future__ import annotations

import os
import secrets
import sqlite3
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from app.auth.models import Role
from app.extensions import db
from app.private_files import open_private


def register_cli(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_user)
    app.cli.add_command(backup)
    from app.deadlines.cli import send_reminders_command
    from app.strategy.cli import import_scores

    app.cli.add_command(import_scores)
    app.cli.add_command(send_reminders_command)
    from app.notifications.cli import send_notifications_command

    app.cli.add_command(send_notifications_command)
    try:
        from bench.data import generate_data_command
    except ImportError:  # installed without the bench/ folder: no benchmark data
        return
    app.cli.add_command(generate_data_command)


@click.command("seed-demo")
def seed_demo() -> None:
    """Load the Midwest demo data (idempotent) and print the demo logins."""
    from app.demo import seed

    password = os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(12)
    report = seed(password)
    click.echo(report.summary())
    click.echo("")
    click.echo("Demo logins:")
    for email in report.logins:
        click.echo(f"  {email}")
    if report.new_users:
        click.echo(f"Password of the {report.new_users} new demo users: {password}")
    else:
        click.echo("Demo users existed already; their passwords are unchanged.")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--municipality", "municipality_slug", default=None)
@click.option("--language", type=click.Choice(["nl", "en"]), default="nl")
@click.password_option()
def create_user(email, full_name, role, municipality_slug, language, password) -> None:
    """Create a user (the password is asked twice unless given)."""
    from app.auth.passwords import local_words, password_problem
    from app.auth.service import create_user as make_user
    from app.auth.service import find_user
    from app.municipalities.models import Municipality

    problem = password_problem(password, email, full_name, local_words())
    if problem:
        raise click.BadParameter(f"password refused ({problem.replace('_', ' ')})")
    if find_user(email):
        raise click.BadParameter(f"a user with email {email} exists already")
    municipality_id = None
    if role in ("lead", "municipality"):
        if not municipality_slug:
            raise click.BadParameter("--municipality is needed for this role")
        municipality = db.session.scalar(
            select(Municipality).where(Municipality.slug == municipality_slug)
        )
        if municipality is None:
            raise click.BadParameter(f"unknown municipality {municipality_slug}")
        municipality_id = municipality.id
    user = make_user(email, full_name, password, role, municipality_id, language)
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role}).")


@click.command("backup")
@click.argument("dest", type=click.Path(dir_okay=False, writable=True))
def backup(dest: str) -> None:
    """Consistent copy of the SQLite database while the app keeps running."""
    target = Path(dest)
    if not target.parent.is_dir():
        raise click.ClickException(
            f"the folder {target.parent} does not exist; create it first."
        )
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database:
        raise click.UsageError(
            "backup copies a SQLite database; for PostgreSQL use pg_dump "
            "(see the README, Production)."
        )
    if target.exists():
        raise click.UsageError(f"{dest} exists already; choose a new file name.")
    os.close(open_private(target))  # 0600 before SQLite writes a byte into it
    # SQLite's online backup API copies page by page under a read transaction,
    # so concurrent writers neither block for long nor leave a torn copy.
    source = sqlite3.connect(url.database, timeout=30)
    try:
        copy = sqlite3.connect(target)
    except sqlite3.Error as error:  # a folder we may not write in, say
        source.close()
        raise click.ClickException(f"cannot write {target}: {error}") from None
    try:
        with copy:
            source.backup(copy, pages=256)
        check = copy.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        copy.close()
        source.close()
    if check != "ok":
        raise click.ClickException(f"the copy failed its integrity check: {check}")
    # Documents live in the database (document_file): the copy has them.
    click.echo(f"Backed up {url.database} to {target} (integrity ok).")
