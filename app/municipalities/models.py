"""Municipalities (lokale besturen), including the ones that merged."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class Municipality(db.Model):
    __tablename__ = "municipality"
    __table_args__ = (
        CheckConstraint(
            "nis_code IS NULL OR length(nis_code) = 5", name="nis_code_five_digits"
        ),
        CheckConstraint(
            "kbo_number IS NULL OR length(kbo_number) = 10",
            name="kbo_number_ten_digits",
        ),
        CheckConstraint("population IS NULL OR population >= 0", name="population"),
        CheckConstraint(
            "(merged_into_id IS NULL) = (merged_on IS NULL)", name="merge_has_date"
        ),
        CheckConstraint("merged_into_id IS NULL OR merged_into_id <> id", name="merge"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    nis_code: Mapped[str | None] = mapped_column(String(5), unique=True)
    # The organisation's enterprise number (KBO, 10 digits): sign-in through an
    # OpenID Connect provider maps an organisation code to the municipality.
    kbo_number: Mapped[str | None] = mapped_column(String(10), unique=True)
    population: Mapped[int | None]
    is_central_city: Mapped[bool] = mapped_column(default=False)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipality.id", ondelete="RESTRICT"), index=True
    )
    merged_on: Mapped[date | None]

    merged_into: Mapped[Municipality | None] = relationship(
        remote_side=[id], back_populates="merged_from"
    )
    merged_from: Mapped[list[Municipality]] = relationship(
        back_populates="merged_into", order_by="Municipality.name"
    )

    @property
    def is_active(self) -> bool:
        """A merged municipality keeps its history but gets no new work."""
        return self.merged_into_id is None

    def __repr__(self) -> str:
        return f"<Municipality {self.slug}>"


def active_municipalities_clause():
    """SQL condition for municipalities that still exist (not merged)."""
    return Municipality.merged_into_id.is_(None)
