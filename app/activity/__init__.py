"""Activity: who changed what, when."""

from flask import Blueprint

bp = Blueprint("activity", __name__)
