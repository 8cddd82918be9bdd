"""Administration by the coordinator: users, their roles and municipalities."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
