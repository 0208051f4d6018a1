"""Issued documents. A row exists only with its file; neither is ever changed."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.extensions import db
from app.types import UTCDateTime


class DocumentStatus(StrEnum):
    ISSUED = "issued"
    SUPERSEDED = "superseded"

    @property
    def title(self) -> str:
        return {"issued": "In force", "superseded": "Superseded"}[self.value]


class Document(db.Model):
    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        CheckConstraint("status IN ('issued', 'superseded')", name="status"),
        # a document superseded without a correction (a notice of hearing whose hearing
        # was postponed) says why; one superseded by a correction names the correction
        CheckConstraint("status = 'superseded' OR superseded_note = ''",
                        name="superseded_note"),
        # At most one document of a kind in force per case; a correction supersedes
        # the old one before it is written.
        Index("uq_documents_in_force", "case_id", "kind", unique=True,
              sqlite_where=text("status = 'issued'"), postgresql_where=text("status = 'issued'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: a document about no one case (the annual report), numbered by its type
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"),
                                                index=True)
    seq: Mapped[int]  # the n of <case number>-D<n>
    number: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="issued")
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    pages: Mapped[int]
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # [{"role": "respondent", "name": ..., "email": ..., "user_id": ...}]
    recipients: Mapped[list] = mapped_column(JSON, default=list)
    supersedes_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="RESTRICT"), unique=True)
    correction_reason: Mapped[str] = mapped_column(Text, default="")
    superseded_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # the office's wording of the body (app/letters) it was issued with; None: built in
    letter_version_id: Mapped[int | None] = mapped_column(ForeignKey("letter_versions.id"))
    # the file was destroyed with its case (S20); the row keeps its number and SHA-256
    disposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # the SHA-256 of the manifest of a bundle this document certifies (a record ZIP's
    # index, app/documents/bundles.py): the index prints it, the register keeps it
    attests: Mapped[str | None] = mapped_column(String(64))

    case = relationship("Case")
    issued_by = relationship("User")
    letter_version = relationship("LetterVersion")
    supersedes: Mapped[Document | None] = relationship(
        remote_side=[id], back_populates="superseded_by")
    superseded_by: Mapped[Document | None] = relationship(back_populates="supersedes")

    def __repr__(self) -> str:
        return f"<Document {self.number} {self.status}>"

    @property
    def superseded(self) -> bool:
        return self.status == DocumentStatus.SUPERSEDED

    @property
    def status_title(self) -> str:
        return DocumentStatus(self.status).title

    def addressed_to(self, user) -> bool:
        return any(r.get("user_id") == user.id for r in self.recipients)
