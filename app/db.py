"""Declarative base, naming convention and shared column types."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    DateTime,
    Integer,
    MetaData,
    Numeric,
    String,
    TypeDecorator,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    declared_attr,
    mapped_column,
    registry,
    relationship,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Euro amounts: never float.
Money = Numeric(12, 2, asdecimal=True)
#: Lengths of text columns, checked by the forms too.
SHORT = 200
LONG = 5000


def utcnow() -> datetime:
    """Now, timezone-aware in UTC (a callable default, never evaluated at import)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A moment in time stored as UTC and always returned timezone-aware.

    SQLite drops the offset, so values are normalised to UTC on the way in and get
    their UTC offset back on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime, str: String(SHORT)},
    )


class VersionedMixin:
    """An edit counter: forms carry it and saving over a newer one is a conflict."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        # SQLAlchemy adds "AND version = :seen" to every UPDATE and bumps it, so even
        # two writers that both passed the form check cannot overwrite each other.
        return {"version_id_col": cls.__table__.c.version}


class ArchivableMixin:
    """Archived rows leave lists, pickers, deadlines and figures but stay openable.

    The helpers that set, clear and filter these columns live in app.archive.
    """

    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The user who archived it. No foreign key: adding one on SQLite rebuilds the
    # table, and dropping the old copy would fire the ON DELETE CASCADE of every
    # row referring to it. Users are deactivated, never deleted.
    archived_by_id: Mapped[int | None] = mapped_column(Integer)

    @declared_attr
    def archived_by(cls):
        return relationship(
            "User",
            primaryjoin=f"foreign({cls.__name__}.archived_by_id) == User.id",
            viewonly=True,
        )

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


def enum_check(column: str, values: tuple[str, ...]) -> str:
    """SQL for a CHECK constraint limiting a text column to some values."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"
