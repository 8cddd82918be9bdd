"""Deadlines: /deadlines, calendar feeds and e-mail reminders."""

from flask import Blueprint

bp = Blueprint("deadlines", __name__, cli_group=None)
