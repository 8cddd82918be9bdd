"""Subsidies: calls, applications, partners, payments, reporting."""

from flask import Blueprint

# cli_group=None: this domain's commands are top-level (flask --app app <command>).
bp = Blueprint("subsidies", __name__, cli_group=None)

# The summary rows' upkeep listens to every session (importing it registers it).
from app.subsidies import money  # noqa: E402, F401
