"""Versioned codes of conduct: standards and rules."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.extensions import db
from app.types import UTCDateTime


class ItemKind(StrEnum):
    STANDARD = "standard"
    RULE = "rule"


class CodeVersion(db.Model):
    __tablename__ = "code_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    effective_date: Mapped[date] = mapped_column(unique=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    items: Mapped[list[CodeItem]] = relationship(
        back_populates="version",
        cascade="all, delete-orphan",
        order_by="CodeItem.position",
    )

    def __repr__(self) -> str:
        return f"<CodeVersion {self.name}>"


class CodeItem(db.Model):
    __tablename__ = "code_items"
    __table_args__ = (
        UniqueConstraint("version_id", "code", name="uq_code_items_version_code"),
        CheckConstraint("kind IN ('standard', 'rule')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("code_versions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(default=0)
    # Changes with every edit; a form carrying an older value is stale.
    revision: Mapped[int] = mapped_column(default=1)

    version: Mapped[CodeVersion] = relationship(back_populates="items")

    __mapper_args__ = {"version_id_col": revision}

    def __repr__(self) -> str:
        return f"<CodeItem {self.code}>"
