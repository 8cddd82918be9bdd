"""The read-only JSON API for members, authenticated with personal API tokens."""

from flask import Blueprint

bp = Blueprint("api", __name__)
