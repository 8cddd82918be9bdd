"""`flask --app app import-scores FILE --round ID`: the web import, in a shell."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from app.auth.models import Role
from app.extensions import db
from app.strategy.models import ScoringRound
from app.strategy.workbooks import StaleImport, apply_import, check_file


class _CommandLine:
    """The operator at the shell acts as a coordinator without an account."""

    id = None
    is_authenticated = True
    role = Role.COORDINATOR
    municipality_id = None


@click.command("import-scores")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--round", "round_id", type=int, required=True, help="Round id.")
@click.option("--dry-run", is_flag=True, help="Only show what would change.")
@click.option("--user", "email", default=None, help="Record the import as this user.")
def import_scores(file: Path, round_id: int, dry_run: bool, email: str | None) -> None:
    """Import a filled score workbook into an open round (all or nothing)."""
    with force_locale("en"):  # no request here: messages in English
        _import(file, round_id, dry_run, email)


def _import(file: Path, round_id: int, dry_run: bool, email: str | None) -> None:
    from app.auth.service import find_user

    scoring_round = db.session.get(ScoringRound, round_id)
    if scoring_round is None:
        raise click.BadParameter(f"no round {round_id}", param_hint="--round")
    actor = _CommandLine()
    if email:
        actor = find_user(email)
        if actor is None:
            raise click.BadParameter(f"unknown user {email}", param_hint="--user")
    check = check_file(file.read_bytes(), scoring_round, actor, file.name)
    for error in check.errors:
        click.echo(f"error: {error}", err=True)
    if not check.ok:
        raise click.ClickException(f"{len(check.errors)} errors: nothing imported")
    for change in check.changes:
        old = "-" if change.old is None else change.old
        new = "-" if change.new is None else change.new
        click.echo(f"{change.code} {change.municipality}: {old} -> {new}")
    if not check.changes:
        click.echo("nothing to import: the file holds the round's scores already")
        return
    if dry_run:
        click.echo(f"{len(check.changes)} changes (dry run: nothing imported)")
        return
    try:
        count = apply_import(check, actor)
    except StaleImport as error:
        db.session.rollback()
        raise click.ClickException(
            "scores changed meanwhile: nothing imported"
        ) from error
    db.session.commit()
    click.echo(f"{count} scores imported into '{scoring_round.name}'")
