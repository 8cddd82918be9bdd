"""Search over everything a user may see, with the databases' full-text search."""

from flask import Blueprint

bp = Blueprint("search", __name__)
