"""Strategy: trajectory, talks, threads, scoring rounds, results, score workbooks."""

from flask import Blueprint

# cli_group=None: this domain's commands are top-level (flask --app app <command>).
bp = Blueprint("strategy", __name__, cli_group=None)
