"""The `midwest` command: the app's flask commands from any directory.

    midwest --env-file /etc/midwest/midwest.env db upgrade
    MIDWEST_ENV_FILE=/etc/midwest/midwest.env midwest send-reminders --days 7

Every command of `flask --app app` (db, seed-demo, create-user, backup,
import-scores, send-reminders, run, shell, routes) with the settings of the
environment and, optionally, of an environment file (NAME=value lines, as in
deploy/midwest.env.example). A variable set in the environment wins over the
file. No `.env` or `.flaskenv` of the current directory is read: where the
command runs changes nothing. In a checkout, `python -m app` is the same command.
"""

from __future__ import annotations

import copy

import click
from flask.cli import FlaskGroup

ENV_FILE_VARIABLE = "MIDWEST_ENV_FILE"


def _create_app():
    # Imported when a command needs the app: after the environment file is read
    # (app.config reads the environment when it is imported).
    from app import create_app

    return create_app()


def _with_env_file_variable(option: click.Parameter) -> click.Parameter:
    """Flask's --env-file option, also given by MIDWEST_ENV_FILE (a copy: the
    `flask` command's own option stays as it is)."""
    option = copy.copy(option)
    option.envvar = ENV_FILE_VARIABLE
    option.help = (
        "Read settings from this environment file (NAME=value lines); variables "
        f"set in the environment win. Default: ${ENV_FILE_VARIABLE}, if set."
    )
    return option


class MidwestGroup(FlaskGroup):
    """Flask's command group for this app, without .env files of the directory."""

    def __init__(self) -> None:
        super().__init__(
            name="midwest",
            help=__doc__.split("\n\n")[2].replace("\n", " "),
            create_app=_create_app,
            load_dotenv=False,
        )
        self.params = [
            _with_env_file_variable(param) if param.name == "env_file" else param
            for param in self.params
            if param.name != "app"  # the app is this package, always
        ]


cli = MidwestGroup()


def main() -> None:
    """Entry point of the `midwest` console script."""
    cli.main(prog_name="midwest")
