"""Excel exports: `/exports/<name>.xlsx`, one registered exporter per name."""

from flask import Blueprint

bp = Blueprint("exports", __name__)
