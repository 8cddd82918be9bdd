"""Views of the work domain."""

from app.work import bp  # noqa: F401
