"""The audit log's filters, shared by its page and its CSV export."""
from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import Select, select

from app.audit.models import AuditEntry


def _literal(value: str) -> str:
    """Escape LIKE's wildcards, so a search for "a_b" or "100%" means what it says."""
    return value.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _day(value: str, end: bool = False) -> datetime | None:
    try:
        d = date.fromisoformat(value)
    except ValueError:
        return None
    return datetime.combine(d, time.max if end else time.min, tzinfo=UTC)


def filtered_entries(args) -> Select:
    """Select the audit entries matching the page's filters, newest first."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if args.get("action"):
        query = query.where(AuditEntry.action.ilike(f"{_literal(args['action'])}%", escape="\\"))
    if args.get("actor"):
        # the label is personal data: a redacted entry no longer matches a name
        actor = AuditEntry.personal["actor"].as_string()
        query = query.where(actor.ilike(f"%{_literal(args['actor'])}%", escape="\\"))
    if args.get("target_type"):
        query = query.where(AuditEntry.target_type == args["target_type"].strip())
    if args.get("target_id"):
        query = query.where(AuditEntry.target_id == args["target_id"].strip())
    if (start := _day(args.get("since", ""))) is not None:
        query = query.where(AuditEntry.created_at >= start)
    if (end := _day(args.get("until", ""), end=True)) is not None:
        query = query.where(AuditEntry.created_at <= end)
    return query
