"""`flask send-notifications`: the event mail, from the outbox."""

import click
from flask.cli import with_appcontext

from app.deadlines.cli import refuse_local_base_url
from app.notifications.inbox import obligation_events
from app.notifications.mailing import send_notifications


@click.command("send-notifications")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="say what would be sent, send nothing")
def send_notifications_command(dry_run: bool) -> None:
    """Record due and overdue reporting obligations as events, then e-mail each
    person their pending "mail" events in one message (at most one per person
    per 10 minutes; run it every few minutes, deploy/midwest-notifications.timer).

    Exits with status 1 when the mail server cannot be reached or a mail failed;
    the failed ones go out with the next run.
    """
    refuse_local_base_url(dry_run)
    if not dry_run:
        created = obligation_events()
        if created:
            click.echo(f"{created} reporting event(s) recorded.")
    outcome = send_notifications(dry_run, click.echo)
    if outcome.dropped:
        click.echo(f"{outcome.dropped} event(s) not mailed: no longer visible.")
    if dry_run:
        click.echo("Dry run: nothing sent.")
        return
    click.echo(f"{outcome.sent} mail(s) sent.")
    problems = []
    if outcome.error:
        problems.append(outcome.error)
    if outcome.failed:
        problems.append(f"{len(outcome.failed)} mail(s) failed; the next run retries")
    if problems:
        raise click.ClickException("; ".join(problems))
