"""`flask send-reminders`."""

import click

from app.deadlines import bp
from app.deadlines.reminders import send_reminders


@bp.cli.command("send-reminders")
@click.option("--days", default=7, show_default=True, help="look this many days ahead")
@click.option("--dry-run", is_flag=True, help="say what would be sent, send nothing")
def send_reminders_command(days: int, dry_run: bool) -> None:
    """E-mail each user one digest of their overdue and coming deadlines."""
    if days < 0:
        raise click.BadParameter("--days must be 0 or more")
    sent = send_reminders(days, dry_run, click.echo)
    click.echo(f"{sent} digest(s) sent." if not dry_run else "Dry run: nothing sent.")
