"""Forum meetings: agenda, the generated pack, decisions and action points."""

from flask import Blueprint

bp = Blueprint("meetings", __name__)
