"""Accounts and the roles they hold."""
from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.extensions import db
from app.types import UTCDateTime


class Role(StrEnum):
    """Staff roles; every account is also a certificant/public user."""

    MEMBER = "member"
    CHAIR = "chair"
    ADMIN = "admin"

    @property
    def title(self) -> str:
        return {"member": "Committee member", "chair": "Chair", "admin": "Administrator"}[self.value]


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        # searches by a name typed in part (ILIKE '%…%'): pg_trgm, PostgreSQL only
        Index("ix_users_name_trgm", "name", postgresql_using="gin",
              postgresql_ops={"name": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(default=True)
    certificant_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificants.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Second factor (app/accounts/mfa.py): a TOTP secret, in force once confirmed with a
    # code; the last time step accepted, so a code is never accepted twice
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    certificant = relationship("Certificant", lazy="joined")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"

    # The server-side session this request runs in (set by app/accounts/sessions.py);
    # Flask-Login keeps its id in the signed cookie.
    session_id = None  # str | None, per loaded instance

    def get_id(self) -> str | None:
        return self.session_id

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def role_names(self) -> set[str]:
        return {r.role for r in self.roles}

    def has_role(self, role: Role | str) -> bool:
        return str(role) in self.role_names

    @property
    def is_staff(self) -> bool:
        return bool(self.role_names)


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    user: Mapped[User] = relationship(back_populates="roles")


class UserSession(db.Model):
    """One sign-in: its id is all the signed cookie carries; revoking it ends the session."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_session_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<UserSession {self.id[:6]}… of user {self.user_id}>"


class RecoveryCode(db.Model):
    """A single-use code that stands in for the second factor; only its digest is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
