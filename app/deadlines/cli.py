"""`flask send-reminders`."""

from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import with_appcontext

from app.deadlines.reminders import send_reminders

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def refuse_local_base_url(dry_run: bool) -> None:
    """Outside debug, mail whose links would point at this machine is not sent."""
    config = current_app.config
    local = urlsplit(config["BASE_URL"]).hostname in LOCAL_HOSTS
    if local and not dry_run and not (config["DEBUG"] or config["TESTING"]):
        raise click.ClickException(
            "BASE_URL is not set: links and the sender address in the mail would"
            " point at this machine (set BASE_URL to the app's public address)"
        )


@click.command("send-reminders")
@with_appcontext
@click.option(
    "--days",
    type=int,
    default=None,
    help="look this many days ahead for everyone (default: each person's lead"
    " times, /profile/notifications)",
)
@click.option("--dry-run", is_flag=True, help="say what would be sent, send nothing")
def send_reminders_command(days: int | None, dry_run: bool) -> None:
    """E-mail each user one digest of their overdue and coming deadlines.

    Exits with status 1 when the mail server cannot be reached or any digest
    failed; the failed ones are sent by the next run, except to an address the
    server refused for good (5xx): that is recorded on the user and gets no
    digest until the address changes.
    """
    if days is not None and days < 0:
        raise click.BadParameter("--days must be 0 or more")
    refuse_local_base_url(dry_run)
    outcome = send_reminders(days, dry_run, click.echo)
    if dry_run:
        click.echo("Dry run: nothing sent.")
        return
    click.echo(f"{outcome.sent} digest(s) sent.")
    problems = []
    if outcome.error:
        problems.append(outcome.error)
    if outcome.failed:
        problems.append(
            f"{len(outcome.failed)} digest(s) failed; the next run sends them again"
        )
    if outcome.refused:
        problems.append(
            f"{len(outcome.refused)} address(es) refused for good; no digest goes"
            " to them until they change (see the users' page in the admin)"
        )
    if problems:
        raise click.ClickException("; ".join(problems))
