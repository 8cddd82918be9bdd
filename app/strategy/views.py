"""Views of the strategy domain."""

from app.strategy import bp  # noqa: F401
