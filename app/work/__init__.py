"""Delivery: themes, working groups, tasks, rollout per municipality."""

from flask import Blueprint

# cli_group=None: this domain's commands are top-level (flask --app app <command>).
bp = Blueprint("work", __name__, cli_group=None)
