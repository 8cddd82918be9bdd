"""Views of the subsidies domain."""

from app.subsidies import bp  # noqa: F401
