"""CSV exports of the staff lists, streamed row by row.

Each export is one query (the list page's filters over the cases open to the viewer,
so a recused case never appears), counted first so the audit entry can say how many
rows left, then read with `yield_per` and written to the response as it is read.
Cells that a spreadsheet would take for a formula are neutralised.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, func, select

from app import clock
from app.access import cleared_cases
from app.audit.search import filtered_entries
from app.audit.services import record
from app.cases.filters import filter_cases
from app.cases.models import Allegation, Case, Deadline
from app.catalogue.models import CodeItem
from app.extensions import db
from app.notifications.models import OutboxMessage, OutboxStatus
from app.registry.models import Certificant

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 500


def neutralise(value) -> str:
    """A cell as text; one a spreadsheet would read as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, dict | list):
        text = json.dumps(value, sort_keys=True)
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@dataclass(frozen=True)
class Export:
    """One staff list as CSV: who may take it, its columns, and its query for a viewer."""

    name: str
    permission: str
    header: tuple[str, ...]
    query: Callable[[object, object], Select]  # (user, args) -> select of rows
    filter_keys: tuple[str, ...]


def _codes():
    """SQL: the case's standards alleged, comma-separated."""
    dialect = db.session.get_bind().dialect.name
    agg = (func.string_agg(CodeItem.code, ", ") if dialect == "postgresql"
           else func.group_concat(CodeItem.code, ", "))
    return (select(agg).select_from(Allegation).join(CodeItem, Allegation.code_item_id == CodeItem.id)
            .where(Allegation.case_id == Case.id).correlate(Case).scalar_subquery())


def _respondent():
    return func.coalesce(Certificant.name, Case.respondent_name)


def _case_rows(base: Select) -> Select:
    return (base.outerjoin(Certificant, Case.respondent_certificant_id == Certificant.id)
            .with_only_columns(Case.number, Case.kind, Case.status, _respondent(),
                               Certificant.cert_number, _codes(), Case.submitted_at)
            .order_by(Case.submitted_at.desc(), Case.id.desc()))


def _cases(user, args) -> Select:
    return _case_rows(filter_cases(cleared_cases(user), args))


def _intake(user, args) -> Select:
    return _case_rows(cleared_cases(user).where(Case.status == "submitted")).order_by(
        None).order_by(Case.submitted_at.asc(), Case.id.asc())


def _deadlines(user, args) -> Select:
    status = args.get("status") or "open"
    cases = cleared_cases(user).with_only_columns(Case.id).correlate(None)
    return (select(Case.number, Deadline.kind, Deadline.due_on, Deadline.original_due_on,
                   Deadline.status)
            .join(Case, Deadline.case_id == Case.id)
            .where(Deadline.case_id.in_(cases), Deadline.status == status)
            .order_by(Deadline.due_on, Deadline.id))


def _outbox(user, args) -> Select:
    query = select(OutboxMessage.id, OutboxMessage.created_at, OutboxMessage.recipient,
                   OutboxMessage.subject, OutboxMessage.status, OutboxMessage.attempts,
                   OutboxMessage.last_error).order_by(OutboxMessage.id.desc())
    if args.get("status") in {s.value for s in OutboxStatus}:
        query = query.where(OutboxMessage.status == args["status"])
    return query


def _audit(user, args) -> Select:
    from_entries = filtered_entries(args).subquery()
    return select(from_entries.c.id, from_entries.c.seq, from_entries.c.created_at,
                  from_entries.c.actor_id, from_entries.c.action, from_entries.c.target_type,
                  from_entries.c.target_id, from_entries.c.details).order_by(from_entries.c.id.desc())


CASE_HEADER = ("number", "kind", "status", "respondent", "certificate", "allegations", "filed")
EXPORTS = {e.name: e for e in (
    Export("cases", "cases.list", CASE_HEADER, _cases, ("status", "standard", "older_than")),
    Export("intake", "cases.intake_queue", CASE_HEADER, _intake, ()),
    Export("deadlines", "cases.list",
           ("case", "kind", "due_on", "original_due_on", "status"), _deadlines, ("status",)),
    Export("outbox", "outbox.view",
           ("id", "queued", "recipient", "subject", "status", "attempts", "last_error"),
           _outbox, ("status",)),
    Export("audit", "audit.view",
           ("id", "seq", "when", "actor_id", "action", "target_type", "target_id", "details"),
           _audit, ("action", "actor", "target_type", "target_id", "since", "until")),
)}


def start(export: Export, user, args) -> tuple[Select, int]:
    """Count the export's rows and audit it (who, which list, which filter, how many rows).

    Returns the query to stream; the caller commits before streaming it.
    """
    query = export.query(user, args)
    rows = db.session.execute(select(func.count()).select_from(
        query.order_by(None).subquery())).scalar_one()
    used = {k: args[k] for k in export.filter_keys if args.get(k)}
    record("office.exported", actor=user, target_type="list", target_id=export.name,
           list=export.name, filters=used, rows=rows)
    return query, rows


def stream(export: Export, query: Select) -> Iterator[str]:
    """Yield the CSV, header first, a batch of rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(export.header)
    yield flush()
    result = db.session.execute(query.execution_options(yield_per=BATCH))
    for n, row in enumerate(result, 1):
        writer.writerow([neutralise(v) for v in row])
        if n % BATCH == 0:
            yield flush()
    yield flush()


def filename(export: Export) -> str:
    return f"{export.name}-{clock.today().isoformat()}.csv"
