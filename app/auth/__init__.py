"""Sign-in, sign-out, the user's own profile, and every authorization rule."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
