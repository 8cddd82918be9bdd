"""Municipalities: the participation of each municipality, and the forum report."""

from flask import Blueprint

bp = Blueprint("municipalities", __name__)
