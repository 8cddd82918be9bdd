"""Subsidies: Flemish calls, applications (dossiers), partners, payments, reporting."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Numeric,
    String,
    Table,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import LONG, ArchivableMixin, Money, VersionedMixin, enum_check, utcnow
from app.extensions import db
from app.municipalities.models import Municipality
from app.work.models import Task, Theme

if TYPE_CHECKING:
    from app.public.models import Publication

APPLICATION_STATUSES = (
    "idea",
    "preparing",
    "submitted",
    "granted",
    "rejected",
    "withdrawn",
    "reporting",
    "closed",
)
PAYMENT_KINDS = ("advance", "balance")
# Obligations after a grant: reports, and the payments the funder still owes.
OBLIGATION_KINDS = ("advance", "interim", "final", "financial", "balance")
# waived: no longer owed (a closed dossier waives what was still open)
OBLIGATION_STATUSES = ("open", "done", "waived")
#: How an own contribution was entered: euro, or percent of the project cost.
CONTRIBUTION_UNITS = ("amount", "percent")
#: The kinds of cost a budget line plans (as funders' financial reports ask).
BUDGET_KINDS = ("personnel", "external_services", "equipment", "other")

call_theme = Table(
    "call_theme",
    db.metadata,
    Column(
        "call_id", ForeignKey("subsidy_call.id", ondelete="CASCADE"), primary_key=True
    ),
    Column(
        "theme_id",
        ForeignKey("theme.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class SubsidyCall(ArchivableMixin, db.Model):
    """A Flemish subsidy call (subsidieoproep)."""

    __tablename__ = "subsidy_call"
    __table_args__ = (
        CheckConstraint("deadline_at > opens_at", name="deadline_after_opening"),
        CheckConstraint("budget IS NULL OR budget >= 0", name="budget"),
        CheckConstraint(
            "max_per_application IS NULL OR max_per_application >= 0", name="max_amount"
        ),
        CheckConstraint(
            "cofinancing_pct IS NULL "
            "OR (cofinancing_pct >= 0 AND cofinancing_pct <= 100)",
            name="cofinancing_pct",
        ),
        CheckConstraint("min_partners >= 0", name="min_partners"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(unique=True)
    funder: Mapped[str]
    description: Mapped[str] = mapped_column(String(LONG), default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    opens_at: Mapped[datetime]
    deadline_at: Mapped[datetime] = mapped_column(index=True)
    budget: Mapped[Decimal | None] = mapped_column(Money)
    max_per_application: Mapped[Decimal | None] = mapped_column(Money)
    cofinancing_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    min_partners: Mapped[int] = mapped_column(default=0)
    # [{"title": "...", "days_before": 42}, ...] relative to the deadline
    preparation_template: Mapped[list] = mapped_column(JSON, default=list)
    # [{"title": "...", "kind": "interim", "days_after": 365, "share_pct": 80}, ...]
    # relative to the decision (payments) or the project start (reports)
    reporting_template: Mapped[list] = mapped_column(JSON, default=list)

    themes: Mapped[list[Theme]] = relationship(
        secondary=call_theme, order_by=Theme.title
    )
    applications: Mapped[list[Application]] = relationship(
        back_populates="call", order_by="Application.title"
    )


class Application(ArchivableMixin, VersionedMixin, db.Model):
    """An application (dossier) of a lead municipality, often with partners."""

    __tablename__ = "application"
    __table_args__ = (
        CheckConstraint(enum_check("status", APPLICATION_STATUSES), name="status"),
        # The pipeline board: the newest dossiers of each status.
        Index("ix_application_status_updated", "status", "updated_at", "id"),
        # The dashboard: totals per status of the dossiers in use (from the
        # index alone), and the few archived dossiers, whose tasks leave its
        # counts (partial: `archived_at IS NULL` never reads it).
        Index(
            "ix_application_status_amounts",
            "status",
            "archived_at",
            "requested_amount",
            "granted_amount",
        ),
        # The dossiers in use by call and by theme, with what the roll-ups per
        # call and per theme add up (archived_at too: SQLite then reads them
        # from the index alone, not each dossier's whole row): /calls,
        # /applications' roll-up per theme and its list in the default order
        # (the newest call deadline first).
        *(
            Index(
                f"ix_application_in_use_by_{key}",
                f"{key}_id",
                "status",
                "requested_amount",
                "granted_amount",
                "archived_at",
                sqlite_where=text("archived_at IS NULL"),
                postgresql_where=text("archived_at IS NULL"),
            )
            for key in ("call", "theme")
        ),
        Index(
            "ix_application_archived",
            "id",
            sqlite_where=text("archived_at IS NOT NULL"),
            postgresql_where=text("archived_at IS NOT NULL"),
        ),
        CheckConstraint("requested_amount >= 0", name="requested_amount"),
        CheckConstraint(
            "granted_amount IS NULL OR granted_amount >= 0", name="granted_amount"
        ),
        CheckConstraint(
            "project_end IS NULL OR project_start IS NULL "
            "OR project_end >= project_start",
            name="project_period",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(
        ForeignKey("subsidy_call.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str]
    reference: Mapped[str | None] = mapped_column(String(100), unique=True)
    lead_municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="RESTRICT"), index=True
    )
    theme_id: Mapped[int | None] = mapped_column(
        ForeignKey("theme.id", ondelete="SET NULL"), index=True
    )
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default="idea", index=True)
    requested_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    granted_amount: Mapped[Decimal | None] = mapped_column(Money)
    submitted_on: Mapped[date | None]
    decided_on: Mapped[date | None]
    project_start: Mapped[date | None]
    project_end: Mapped[date | None]
    notes: Mapped[str] = mapped_column(String(LONG), default="")
    # why the submission date lies in the future or after the call's deadline
    submission_reason: Mapped[str | None] = mapped_column(String(500))
    # explicit confirmations, stored so that they are not asked again
    over_grant_confirmed: Mapped[bool] = mapped_column(
        default=False, server_default=false()
    )
    over_maximum_confirmed: Mapped[bool] = mapped_column(
        default=False, server_default=false()
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    call: Mapped[SubsidyCall] = relationship(back_populates="applications")
    lead_municipality: Mapped[Municipality] = relationship()
    theme: Mapped[Theme | None] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    partners: Mapped[list[ApplicationPartner]] = relationship(
        back_populates="application", cascade="all, delete-orphan"
    )
    payments: Mapped[list[Payment]] = relationship(
        back_populates="application",
        cascade="all, delete-orphan",
        order_by="Payment.paid_on",
    )
    obligations: Mapped[list[ReportingObligation]] = relationship(
        back_populates="application",
        cascade="all, delete-orphan",
        order_by="ReportingObligation.due_on",
    )
    own_contributions: Mapped[list[OwnContribution]] = relationship(
        back_populates="application", cascade="all, delete-orphan"
    )
    budget_lines: Mapped[list[BudgetLine]] = relationship(
        back_populates="application",
        cascade="all, delete-orphan",
        order_by="BudgetLine.id",
    )
    tasks: Mapped[list[Task]] = relationship(back_populates="application")
    # Read only (app.public.publishing writes publications): lets the dossier's
    # page load its publication in the dossier's own query.
    publication: Mapped[Publication | None] = relationship(viewonly=True)


class ApplicationPartner(db.Model):
    """A partner municipality and its share (percent) of the application's amounts.

    The lead municipality holds what the partners' shares leave.
    """

    __tablename__ = "application_partner"
    __table_args__ = (
        CheckConstraint("share_pct >= 0 AND share_pct <= 100", name="share_pct"),
    )

    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), primary_key=True
    )
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    share_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0"))

    application: Mapped[Application] = relationship(back_populates="partners")
    municipality: Mapped[Municipality] = relationship()


class Payment(db.Model):
    __tablename__ = "payment"
    __table_args__ = (
        CheckConstraint(enum_check("kind", PAYMENT_KINDS), name="kind"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    paid_on: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(Money)
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(500), default="")

    application: Mapped[Application] = relationship(back_populates="payments")


class MunicipalityMoney(db.Model):
    """Per municipality and role ("lead" or "partner"): the roll-up of its
    dossiers that are not archived (`rollups.MONEY_FIGURES`), amounts by share in
    cents. Kept by the writing transaction itself (`app.subsidies.money`), so the
    region's roll-up per municipality reads a few hundred rows; one row per
    municipality and role, so writes about different municipalities never wait
    for each other."""

    __tablename__ = "municipality_money"

    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(8), primary_key=True)
    applications: Mapped[int] = mapped_column(BigInteger, default=0)
    requested: Mapped[int] = mapped_column(BigInteger, default=0)
    granted: Mapped[int] = mapped_column(BigInteger, default=0)
    paid: Mapped[int] = mapped_column(BigInteger, default=0)
    decided: Mapped[int] = mapped_column(BigInteger, default=0)
    won: Mapped[int] = mapped_column(BigInteger, default=0)
    submitted: Mapped[int] = mapped_column(BigInteger, default=0)


class ReportingObligation(db.Model):
    """What a granted application still owes or awaits: reports and payments."""

    __tablename__ = "reporting_obligation"
    __table_args__ = (
        CheckConstraint(enum_check("kind", OBLIGATION_KINDS), name="kind"),
        CheckConstraint(enum_check("status", OBLIGATION_STATUSES), name="status"),
        UniqueConstraint("application_id", "title"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str]
    kind: Mapped[str] = mapped_column(String(20))
    due_on: Mapped[date] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    done_on: Mapped[date | None]
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )

    application: Mapped[Application] = relationship(back_populates="obligations")
    owner: Mapped[User | None] = relationship()


class OwnContribution(VersionedMixin, db.Model):
    """What the lead or a partner puts in itself (co-financing), as entered: an
    amount in euro, or a percentage of its project cost (its part of the grant
    plus this contribution). The other is computed (app.subsidies.finances)."""

    __tablename__ = "own_contribution"
    __table_args__ = (
        CheckConstraint(
            enum_check("entered_as", CONTRIBUTION_UNITS), name="entered_as"
        ),
        CheckConstraint(
            "(entered_as = 'amount' AND amount IS NOT NULL AND amount >= 0 "
            "AND share_pct IS NULL) OR (entered_as = 'percent' "
            "AND share_pct IS NOT NULL AND share_pct >= 0 AND share_pct < 100 "
            "AND amount IS NULL)",
            name="entered_value",
        ),
        UniqueConstraint("application_id", "municipality_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE")
    )
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="RESTRICT"), index=True
    )
    entered_as: Mapped[str] = mapped_column(String(10))
    amount: Mapped[Decimal | None] = mapped_column(Money)
    share_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))

    application: Mapped[Application] = relationship(back_populates="own_contributions")
    municipality: Mapped[Municipality] = relationship()


class BudgetLine(VersionedMixin, db.Model):
    """A planned cost of a dossier: its kind, the partner that bears it, and the
    planned amount; spending is recorded against it."""

    __tablename__ = "budget_line"
    __table_args__ = (
        CheckConstraint(enum_check("kind", BUDGET_KINDS), name="kind"),
        CheckConstraint("planned_amount >= 0", name="planned_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    planned_amount: Mapped[Decimal] = mapped_column(Money)

    application: Mapped[Application] = relationship(back_populates="budget_lines")
    municipality: Mapped[Municipality] = relationship()
    spending: Mapped[list[Spending]] = relationship(
        back_populates="budget_line",
        cascade="all, delete-orphan",
        order_by="Spending.spent_on",
    )


class Spending(db.Model):
    """Money spent against a budget line (an invoice, a salary cost ...)."""

    __tablename__ = "spending"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    budget_line_id: Mapped[int] = mapped_column(
        ForeignKey("budget_line.id", ondelete="CASCADE"), index=True
    )
    # Denormalised from the line: the dossier's spending in one indexed read,
    # and the activity log's audience (anything about a dossier).
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    spent_on: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(Money)
    description: Mapped[str] = mapped_column(String(300), default="")
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("document.id", ondelete="SET NULL"), index=True
    )

    budget_line: Mapped[BudgetLine] = relationship(back_populates="spending")
