"""An export: one ZIP built in the background for the person who asked, then kept a while."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.extensions import db
from app.types import UTCDateTime


class ExportKind(StrEnum):
    RECORD = "record"  # the certified record of one proceeding, as the reader may see it
    OWN_DATA = "own_data"  # a person's own data

    @property
    def title(self) -> str:
        return {"record": "Record of the proceeding", "own_data": "Your data"}[self.value]


class ExportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"  # past its time: the file is deleted, the row stays as a record

    @property
    def title(self) -> str:
        return {"queued": "Waiting to start", "running": "Being built", "done": "Ready",
                "failed": "Stopped by an error", "expired": "Expired (deleted)"}[self.value]


IN_PROGRESS = (ExportStatus.QUEUED.value, ExportStatus.RUNNING.value)


class Export(db.Model):
    __tablename__ = "exports"
    __table_args__ = (
        CheckConstraint("kind IN ('record', 'own_data')", name="kind"),
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'expired')",
                        name="status"),
        CheckConstraint("kind = 'own_data' OR case_id IS NOT NULL", name="record_has_case"),
        CheckConstraint("status <> 'done' OR stored_name IS NOT NULL", name="done_has_file"),
        # One export in progress per requester and scope (a case, or their own data): two
        # identical requests at the same instant make one export; the other is told so.
        Index("uq_exports_in_progress", "requester_id", "scope", unique=True,
              sqlite_where=text("status IN ('queued', 'running')"),
              postgresql_where=text("status IN ('queued', 'running')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    scope: Mapped[str] = mapped_column(String(40))  # "case:<id>" or "self"
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"),
                                                index=True)
    status: Mapped[str] = mapped_column(String(20), default=ExportStatus.QUEUED, index=True)
    total: Mapped[int] = mapped_column(default=0)  # items to put in the ZIP
    done: Mapped[int] = mapped_column(default=0)  # items put in so far
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    stored_name: Mapped[str | None] = mapped_column(String(80), unique=True)
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None]
    index_number: Mapped[str | None] = mapped_column(String(40))  # the issued index PDF
    manifest_sha256: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str] = mapped_column(Text, default="")
    downloads: Mapped[int] = mapped_column(default=0)

    requester = relationship("User")
    case = relationship("Case")

    @property
    def finished(self) -> bool:
        return self.status not in IN_PROGRESS

    @property
    def kind_title(self) -> str:
        return ExportKind(self.kind).title

    @property
    def status_title(self) -> str:
        return ExportStatus(self.status).title

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * self.done / self.total)
