"""Public progress pages and open data: only what the coordinator published."""

from flask import Blueprint

bp = Blueprint("public", __name__)
