"""The read-only JSON API for members, authenticated with personal API tokens."""

from flask import Blueprint

bp = Blueprint("api", __name__)
#: The token section of /profile: pages of a signed-in session, not the API.
tokens_bp = Blueprint("api_tokens", __name__)
