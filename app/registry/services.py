"""Registry rules: CSV import, search, and linking accounts to records."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, func, or_, select

from app import clock
from app.accounts.models import User
from app.audit.services import record
from app.extensions import db
from app.locks import lock_name
from app.registry.models import Certificant, CertStatus, LinkRequest, LinkStatus
from app.search import escape_like

REQUIRED_COLUMNS = ("certification_number", "name", "email", "status", "expiry_date")
CERT_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{1,38}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class RegistryError(Exception):
    """A registry rule was not met; the message is for the user."""


@dataclass
class RowResult:
    line: int
    cert_number: str
    outcome: str  # created, updated, unchanged, rejected
    reason: str = ""


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)
    error: str = ""

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def summary(self) -> dict[str, int]:
        return {k: self.count(k) for k in ("created", "updated", "unchanged", "rejected")}


def _parse_row(raw: dict[str, str]) -> tuple[dict, str]:
    """Validate one CSV row; return (values, reason-if-rejected)."""
    values = {k: (raw.get(k) or "").strip() for k in REQUIRED_COLUMNS}
    number = values["certification_number"]
    if not number:
        return values, "certification number is missing"
    if not CERT_NUMBER.match(number):
        return values, f"certification number {number!r} is not valid (letters, digits, hyphens)"
    if not values["name"]:
        return values, "name is missing"
    if len(values["name"]) > 200:
        return values, "name is longer than 200 characters"
    if len(values["email"]) > 254:
        return values, "email is longer than 254 characters"
    if values["email"] and not EMAIL.match(values["email"]):
        return values, f"email {values['email']!r} is not valid"
    status = values["status"].lower() or CertStatus.ACTIVE
    if status not in {s.value for s in CertStatus}:
        return values, (f"status {values['status']!r} is not one of "
                        "active, inactive, suspended, revoked")
    values["status"] = status
    expiry = values["expiry_date"]
    if expiry:
        try:
            values["expiry_date"] = date.fromisoformat(expiry)
        except ValueError:
            return values, f"expiry date {expiry!r} is not a date (use YYYY-MM-DD)"
    else:
        values["expiry_date"] = None
    values["email"] = values["email"].lower() or None
    return values, ""


def import_csv(data: bytes | str, actor, source: str = "upload") -> ImportReport:
    """Create or update registry records row by row; bad rows are reported, not fatal."""
    report = ImportReport()
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            report.error = "The file is not UTF-8 text. Save it as CSV (UTF-8) and try again."
            return report
    reader = csv.DictReader(io.StringIO(data))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        report.error = ("The file's first line must name the columns "
                        f"{', '.join(REQUIRED_COLUMNS)}; missing: {', '.join(missing)}.")
        return report
    reader.fieldnames = header
    # One import at a time: a second waits, then finds the rows the first created.
    lock_name("registry-import")
    seen: set[str] = set()
    for raw in reader:
        line_no = reader.line_num  # the file's line, even after blank or multi-line rows
        values, reason = _parse_row(raw)
        number = values["certification_number"]
        if not reason and number.upper() in seen:
            reason = "the same certification number appears earlier in this file"
        if reason:
            report.rows.append(RowResult(line_no, number, "rejected", reason))
            continue
        seen.add(number.upper())
        try:
            with db.session.begin_nested():
                outcome = _upsert(values)
        except Exception as error:  # a database refusal rejects this row only
            report.rows.append(RowResult(line_no, number, "rejected",
                                         f"the database refused it ({type(error).__name__})"))
            continue
        report.rows.append(RowResult(line_no, number, outcome))
    record("registry.imported", actor=actor, target_type="certificants", source=source,
           **report.summary,
           rejected_lines=[r.line for r in report.rows if r.outcome == "rejected"][:100])
    return report


def _upsert(values: dict) -> str:
    number = values["certification_number"]
    existing = db.session.execute(
        select(Certificant).where(func.upper(Certificant.cert_number) == number.upper())
    ).scalar_one_or_none()
    fields = {"name": values["name"], "email": values["email"], "status": values["status"],
              "expires_on": values["expiry_date"]}
    if existing is None:
        db.session.add(Certificant(cert_number=number, **fields))
        db.session.flush()
        return "created"
    changed = {k: v for k, v in fields.items() if getattr(existing, k) != v}
    if not changed:
        return "unchanged"
    for key, value in changed.items():
        setattr(existing, key, value)
    db.session.flush()
    return "updated"


def search_query(q: str) -> Select:
    """Select records by certification number (prefix) or name (substring), by name."""
    q = q.strip()
    query = select(Certificant).order_by(Certificant.name, Certificant.id)
    if q:
        plain = escape_like(q)
        query = query.where(or_(Certificant.cert_number.ilike(f"{plain}%", escape="\\"),
                                Certificant.name.ilike(f"%{plain}%", escape="\\")))
    return query


def search(q: str, limit: int = 50) -> list[Certificant]:
    """Find records by certification number (prefix) or name (substring)."""
    return list(db.session.execute(search_query(q).limit(limit)).scalars())


def find_by_number(number: str) -> Certificant | None:
    return db.session.execute(
        select(Certificant).where(func.upper(Certificant.cert_number) == number.strip().upper())
    ).scalar_one_or_none()


def _linked_user(certificant: Certificant):
    return db.session.execute(
        select(User).where(User.certificant_id == certificant.id)
    ).scalar_one_or_none()


def _link(user, certificant: Certificant, actor, how: str) -> None:
    user.certificant_id = certificant.id
    # Any other claim the account had waiting is moot now.
    for req in db.session.execute(select(LinkRequest).where(
            LinkRequest.user_id == user.id, LinkRequest.status == LinkStatus.PENDING,
            LinkRequest.certificant_id != certificant.id)).scalars():
        req.status = LinkStatus.REJECTED
        req.note = (req.note + " [closed: account linked to another record]")[:500]
        req.decided_at = clock.now()
    db.session.flush()
    record("registry.account_linked", actor=actor, target=certificant,
           user_id=user.id, how=how)


def link_by_verified_email(user) -> bool:
    """Link a verified account to the one unlinked record carrying its email."""
    if user.certificant_id or not user.is_verified:
        return False
    matches = db.session.execute(
        select(Certificant).where(func.lower(Certificant.email) == user.email.lower())
    ).scalars().all()
    if len(matches) != 1 or _linked_user(matches[0]) is not None:
        return False
    _link(user, matches[0], user, "verified email")
    return True


def pending_link_request(user) -> LinkRequest | None:
    return db.session.execute(
        select(LinkRequest).where(LinkRequest.user_id == user.id,
                                  LinkRequest.status == LinkStatus.PENDING)
    ).scalars().first()


def request_link(user, cert_number: str, note: str) -> str:
    """Claim a record: linked at once when the verified email matches, else queued."""
    if user.certificant_id:
        raise RegistryError("Your account is already linked to a registry record.")
    certificant = find_by_number(cert_number)
    if certificant is None:
        raise RegistryError("No registry record has that certification number.")
    if _linked_user(certificant) is not None:
        raise RegistryError("That record is already linked to another account. "
                            "Contact the committee's staff if this is wrong.")
    if user.is_verified and certificant.email and certificant.email.lower() == user.email.lower():
        _link(user, certificant, user, "verified email")
        return "linked"
    if pending_link_request(user):
        raise RegistryError("You already have a request waiting for an administrator.")
    req = LinkRequest(user_id=user.id, certificant_id=certificant.id, note=note.strip()[:500])
    db.session.add(req)
    db.session.flush()
    record("registry.link_requested", actor=user, target=certificant, request_id=req.id)
    return "requested"


def decide_link(req: LinkRequest, approve: bool, actor) -> None:
    if req.status != LinkStatus.PENDING:
        raise RegistryError("This request has already been decided.")
    if approve:
        if req.user.certificant_id:
            raise RegistryError("The account is already linked to a record.")
        if _linked_user(req.certificant) is not None:
            raise RegistryError("The record is already linked to another account.")
        _link(req.user, req.certificant, actor, "administrator approval")
    req.status = LinkStatus.APPROVED if approve else LinkStatus.REJECTED
    req.decided_by_id = actor.id
    req.decided_at = clock.now()
    record("registry.link_decided", actor=actor, target=req.certificant,
           request_id=req.id, approved=approve)


def pending_link_requests() -> list[LinkRequest]:
    return list(db.session.execute(
        select(LinkRequest).where(LinkRequest.status == LinkStatus.PENDING)
        .order_by(LinkRequest.created_at)
    ).scalars())


def pending_link_count() -> int:
    return db.session.execute(select(func.count()).select_from(LinkRequest)
                              .where(LinkRequest.status == LinkStatus.PENDING)).scalar_one()


def change_status(certificant: Certificant, status: str, *, actor=None, reason: str,
                  case_number: str | None = None, **details) -> str:
    """Change a certificant's registry status: the one place it is written after import.

    Returns the status it replaced (a suspension keeps it, to restore it when it ends).
    """
    before = certificant.status
    certificant.status = CertStatus(status)
    record("registry.status_changed", actor=actor, target=certificant,
           number=certificant.cert_number, status=certificant.status, before=before,
           case=case_number, reason=reason, **details)
    return before
