"""Users, their roles, and the shared store for login throttling."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.db import enum_check, utcnow
from app.extensions import db
from app.municipalities.models import Municipality


class Role(StrEnum):
    COORDINATOR = "coordinator"
    LEAD = "lead"
    MUNICIPALITY = "municipality"
    VIEWER = "viewer"


#: Roles that belong to one municipality.
MUNICIPAL_ROLES = (Role.LEAD, Role.MUNICIPALITY)
LANGUAGES = ("nl", "en")


def new_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(enum_check("role", tuple(Role)), name="role"),
        CheckConstraint(enum_check("language", LANGUAGES), name="language"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint(
            "role NOT IN ('lead', 'municipality') OR municipality_id IS NOT NULL",
            name="municipal_role_has_municipality",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), index=True)
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipality.id", ondelete="RESTRICT"), index=True
    )
    language: Mapped[str] = mapped_column(String(2), default="nl")
    active: Mapped[bool] = mapped_column(default=True)
    # The daily reminder digest (`flask send-reminders`); off from /profile or
    # from the one-click link in the mail itself.
    digest_enabled: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Set when the mail server refused this address for good (SMTP 5xx): no
    # digest is sent to it until the address changes (which clears both).
    mail_refused_at: Mapped[datetime | None]
    mail_refused_reason: Mapped[str | None] = mapped_column(String(300))
    # Set when an admin creates the account or resets its password: the user
    # chooses a password of their own before anything else.
    must_change_password: Mapped[bool] = mapped_column(
        default=False, server_default=false()
    )
    calendar_token: Mapped[str] = mapped_column(
        String(64), unique=True, default=new_token
    )
    session_nonce: Mapped[str] = mapped_column(String(64), default=new_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Last activity under a remember-me cookie (at most a minute old while active):
    # a session rebuilt from the cookie after the idle timeout is refused, so a
    # copied cookie does not outlive it (app/web/session.py).
    remember_seen_at: Mapped[datetime | None]

    municipality: Mapped[Municipality | None] = relationship()

    # Flask-Login: the id in the session carries the nonce, so rotating the nonce
    # (logout, password change) turns every older cookie into an anonymous one.
    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    @property
    def is_active(self) -> bool:
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"]
        )
        self.rotate_session_nonce()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def rotate_session_nonce(self) -> None:
        self.session_nonce = new_token()

    def clear_mail_refusal(self) -> None:
        """A new address is worth trying: the refusal of the old one ends."""
        self.mail_refused_at = None
        self.mail_refused_reason = None

    def rotate_calendar_token(self) -> None:
        self.calendar_token = new_token()

    @property
    def is_municipal(self) -> bool:
        return self.role in MUNICIPAL_ROLES

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class Identity(db.Model):
    """An account at an OpenID Connect provider (provider + subject) that signs in
    as one user here (app/auth/oidc.py)."""

    __tablename__ = "user_identity"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(255))
    # The e-mail address the provider gave at the last sign-in (shown to admins).
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class LoginFailure(db.Model):
    """One failed sign-in; counted per account and per address over a window.

    Kept in the database so that every worker on every host sees the same count.
    """

    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_email_at", "email", "at"),
        Index("ix_login_failure_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
