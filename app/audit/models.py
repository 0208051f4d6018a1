"""The append-only audit log: entries written freely, chained afterwards by the sealer."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.types import UTCDateTime


class AuditEntry(db.Model):
    """One action. Content is fixed at insert; the chain columns are filled once by the sealer.

    `details` holds references and non-personal facts and is covered by the entry's MAC;
    `personal` (the actor's label, the IP address, names, free text) is covered only
    through `personal_digest`, a salted digest, so redaction can clear `personal` and
    `salt` and the chain still verifies.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (
        # a target's newest entries first, from the index's end (the case page's "opened
        # by", the log filtered by target): the read stops at its limit
        Index("ix_audit_entries_target_newest", "target_type", "target_id", "id"),
        # The sealer's work list stays small however long the log grows.
        Index("ix_audit_entries_pending", "id", postgresql_where=text("seq IS NULL"),
              sqlite_where=text("seq IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(80), index=True)
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    personal: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    salt: Mapped[str | None] = mapped_column(String(32))
    personal_digest: Mapped[str | None] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(32))
    mac: Mapped[str] = mapped_column(String(64), unique=True)
    seq: Mapped[int | None] = mapped_column(unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64), unique=True)

    # Loaded only where a page shows the actor's account (the case page joins it): the
    # log, its export and the sealer read `actor_id` and the recorded label, never the row.
    actor = relationship("User", lazy="select")

    @property
    def redacted(self) -> bool:
        """Personal data was recorded and has since been removed."""
        return self.personal is None and self.personal_digest is not None

    @property
    def actor_label(self) -> str:
        """Who acted, as recorded: an email or party label, "system", or "redacted"."""
        if self.personal and self.personal.get("actor"):
            return self.personal["actor"]
        if self.redacted:
            return "redacted"
        return f"user #{self.actor_id}" if self.actor_id is not None else "system"

    @property
    def ip_address(self) -> str | None:
        return (self.personal or {}).get("ip")
