"""A long job's progress, kept in the database so any web process can show it."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.extensions import db
from app.types import UTCDateTime


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # the job itself broke off; items that failed are counted apart

    @property
    def title(self) -> str:
        return {"queued": "Waiting to start", "running": "Running", "done": "Done",
                "failed": "Stopped by an error"}[self.value]


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # resend_failed, issue_documents
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=JobStatus.QUEUED, index=True)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)  # items handled, whatever their outcome
    failed: Mapped[int] = mapped_column(default=0)
    lines: Mapped[list] = mapped_column(JSON, default=list)  # one line per item, for people
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by = relationship("User")

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def status_title(self) -> str:
        return JobStatus(self.status).title

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * self.done / self.total)
