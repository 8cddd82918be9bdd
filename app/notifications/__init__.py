"""Notifications: events stored per person, an inbox, following, preferences,
and the mail that goes out afterwards (`flask send-notifications`)."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)
