"""Records rules (S20): what a closed case keeps and for how long, holds, warnings, erasure.

The disposal date of a closed case is its closing date plus the years its outcome keeps
under the schedule. A case keeps the LONGER of the schedule in force when it closed and
the schedule in force now: shortening the schedule never brings a disposal forward for
cases already closed, lengthening it protects them too. Where several outcomes apply (a
self-report ending in a suspension), the longest of their periods applies. Reopening a
case clears its closing date, so the date moves when it closes again.

This module sits below the proceeding: it never applies the workflow. The `dispose`
action (app/proceedings/workflow.py) asks `disposal_problem` and calls `erase`, and
app/proceedings/disposal.py takes the action for each case of a batch.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from app import clock
from app.accounts.models import Role, User, UserRole
from app.audit.services import record, redact_for_target
from app.cases.models import (
    CLOSED_STATES,
    Case,
    CaseEvent,
    Disclosure,
    DismissalReason,
    ExtensionRequest,
    Response,
    State,
)
from app.documents.models import Document
from app.extensions import db
from app.messages.models import Thread, WitnessLink
from app.notifications.services import queue_mail
from app.policy import can
from app.proceedings.models import (
    Appeal,
    Decision,
    DocumentRequest,
    Hearing,
    HearingPostponement,
    InvestigationItem,
    Measure,
    Sanction,
    SanctionKind,
    Vote,
)
from app.records.models import DisposalBatch, DisposalItem, LegalHold, RetentionSchedule
from app.representatives.models import Representative
from app.storage import delete_on_commit, store

OUTCOMES = {
    "withdrawn_abandoned": "Withdrawn by the complainant, or abandoned",
    "dismissed_intake": "Dismissed at intake",
    "dismissed_review": "Dismissed by the committee after review",
    "no_violation": "No violation found (or reversed on appeal)",
    "consent": "Consent agreement",
    "self_report": "Self-report",
    **{f"sanction_{k.value}": f"Sanction: {k.title.lower()}" for k in SanctionKind},
}
DISPOSABLE = CLOSED_STATES - {State.DISPOSED}
# what a public notice is called among the document types: it stays after disposal
PUBLIC_DOCUMENTS = {"public_notice"}


class RecordsError(Exception):
    """A records action cannot be taken; the message says why."""


# --- the schedule -------------------------------------------------------------------------

@dataclass(frozen=True)
class Schedule:
    version: int
    years: dict
    since: object = None  # when it took effect (None: the configured defaults)

    def years_for(self, key: str) -> int:
        return int(self.years.get(key, current_app.config["RETENTION_YEARS"].get(key, 0)))


def _defaults() -> Schedule:
    return Schedule(0, dict(current_app.config["RETENTION_YEARS"]))


def _schedule(row: RetentionSchedule | None) -> Schedule:
    return _defaults() if row is None else Schedule(row.version, dict(row.years), row.created_at)


def current_schedule() -> Schedule:
    return _schedule(db.session.execute(select(RetentionSchedule).order_by(
        RetentionSchedule.version.desc()).limit(1)).scalar_one_or_none())


def schedule_at(when) -> Schedule:
    """The schedule in force at a moment."""
    return _schedule(db.session.execute(
        select(RetentionSchedule).where(RetentionSchedule.created_at <= when)
        .order_by(RetentionSchedule.version.desc()).limit(1)).scalar_one_or_none())


def schedule_history() -> list[RetentionSchedule]:
    return list(db.session.execute(select(RetentionSchedule).order_by(
        RetentionSchedule.version.desc())).scalars())


def change_schedule(years: dict, note: str, actor) -> RetentionSchedule:
    """Add the next version of the schedule; the old ones stay as they were."""
    unknown = set(years) - set(OUTCOMES)
    if unknown:
        raise RecordsError(f"Unknown outcomes: {', '.join(sorted(unknown))}.")
    if any(int(v) < 1 for v in years.values()):
        raise RecordsError("Every period must be at least one year.")
    before = current_schedule()
    row = RetentionSchedule(version=before.version + 1, note=note.strip(),
                            years={k: int(years[k]) for k in OUTCOMES},
                            created_by_id=actor.id, created_at=clock.now())
    db.session.add(row)
    db.session.flush()
    changes = {k: [before.years_for(k), row.years[k]] for k in OUTCOMES
               if before.years_for(k) != row.years[k]}
    record("records.schedule_changed", actor=actor, target=row, version=row.version,
           changes=changes, note=note.strip())
    return row


# --- a case's retention ----------------------------------------------------------------------

def outcome_keys(case: Case) -> list[str]:
    """The schedule's outcomes that describe how a closed case ended."""
    keys = []
    if case.kind == "self_report":
        keys.append("self_report")
    if case.status in (State.WITHDRAWN, State.ABANDONED):
        return keys + ["withdrawn_abandoned"]
    if case.status == State.DISMISSED and case.outcome_reason in DismissalReason._value2member_map_:
        return keys + ["dismissed_intake"]
    decisions = db.session.execute(select(Decision).where(Decision.case_id == case.id)
                                   .order_by(Decision.id)).scalars().all()
    outcomes = {d.outcome for d in decisions}
    final = [d for d in decisions if d.outcome not in ("hearing", "remand")]
    last = final[-1].outcome if final else None
    if case.status == State.DISMISSED or last == "dismissed":
        keys.append("dismissed_review")
    if last in ("no_violation", "reverse"):
        keys.append("no_violation")
    if "consent" in outcomes:
        keys.append("consent")
    kinds = db.session.execute(select(Sanction.kind).join(Decision).where(
        Decision.case_id == case.id)).scalars().all()
    keys += sorted({f"sanction_{k}" for k in kinds})
    if last == "caution" and "sanction_caution" not in keys:
        keys.append("sanction_caution")
    return keys or ["no_violation"]


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Retention:
    disposal_on: date
    years: int
    outcome: str  # the schedule's outcome that sets the period
    version: int  # the schedule version that sets it

    @property
    def rule(self) -> str:
        return (f"{OUTCOMES[self.outcome]}: {self.years} years after closing "
                f"(schedule version {self.version})")


def retention(case: Case) -> Retention | None:
    """When a closed case's file is due for disposal (None: not closed, or disposed)."""
    if case.status not in DISPOSABLE or case.closed_at is None:
        return None
    best = None
    for schedule in (schedule_at(case.closed_at), current_schedule()):
        for key in outcome_keys(case):
            years = schedule.years_for(key)
            if best is None or years > best[0]:
                best = (years, key, schedule.version)
    years, key, version = best
    return Retention(_add_years(case.closed_at.date(), years), years, key, version)


# --- legal holds ---------------------------------------------------------------------------

def holds_on(case: Case) -> list[LegalHold]:
    """The holds in force on a case: its own, and those on its respondent certificant."""
    who = [LegalHold.case_id == case.id]
    if case.respondent_certificant_id is not None:
        who.append(LegalHold.certificant_id == case.respondent_certificant_id)
    return list(db.session.execute(select(LegalHold).where(
        LegalHold.lifted_at.is_(None), or_(*who)).order_by(LegalHold.id)).scalars())


def active_holds() -> list[LegalHold]:
    return list(db.session.execute(select(LegalHold).order_by(
        LegalHold.lifted_at.is_not(None), LegalHold.placed_at.desc())).scalars())


def place_hold(actor, reason: str, reference: str = "", *, case: Case | None = None,
               certificant=None) -> LegalHold:
    if (case is None) == (certificant is None):
        raise RecordsError("Choose a case or a certificant to hold.")
    if not reason.strip():
        raise RecordsError("Give the reason for the hold.")
    if case is not None and case.status == State.DISPOSED:
        raise RecordsError("This case's file has already been disposed of.")
    hold = LegalHold(case_id=getattr(case, "id", None),
                     certificant_id=getattr(certificant, "id", None), reason=reason.strip(),
                     reference=reference.strip(), placed_by_id=actor.id, placed_at=clock.now())
    db.session.add(hold)
    db.session.flush()
    record("records.hold_placed", actor=actor, target=case or certificant,
           hold=hold.id, reference=hold.reference, reason=hold.reason)
    return hold


def lift_hold(hold: LegalHold, actor, reason: str) -> None:
    if not hold.active:
        raise RecordsError("This hold was already lifted.")
    if not reason.strip():
        raise RecordsError("Give the reason for lifting the hold.")
    hold.lifted_at, hold.lifted_by_id, hold.lift_reason = clock.now(), actor.id, reason.strip()
    db.session.flush()
    record("records.hold_lifted", actor=actor, target=hold.case or hold.certificant,
           hold=hold.id, reference=hold.reference, reason=hold.lift_reason)


# --- what is due, warnings ---------------------------------------------------------------------

def due_cases(by: date) -> list[tuple[Case, Retention]]:
    """Closed cases whose disposal date is on or before `by`, not held, oldest first."""
    cases = db.session.execute(select(Case).where(
        Case.status.in_(DISPOSABLE), Case.closed_at.is_not(None)).order_by(Case.id)).scalars()
    out = []
    for case in cases:
        kept = retention(case)
        if kept is not None and kept.disposal_on <= by and not holds_on(case):
            out.append((case, kept))
    return sorted(out, key=lambda pair: (pair[1].disposal_on, pair[0].id))


def _in_open_batch() -> set[int]:
    return set(db.session.execute(select(DisposalItem.case_id).join(DisposalBatch).where(
        DisposalBatch.status != "done", DisposalItem.disposed_at.is_(None))).scalars())


def administrators() -> list[User]:
    return list(db.session.execute(select(User).join(UserRole).where(
        UserRole.role == Role.ADMIN, User.active.is_(True)).order_by(User.id)).scalars())


def warn(today: date | None = None) -> DisposalBatch | None:
    """Name the cases due within the warning period in a new batch and tell the
    administrators (None: nothing new is due). Safe to run twice."""
    today = today or clock.today()
    due_by = today + timedelta(days=current_app.config["RETENTION_WARNING_DAYS"])
    taken = _in_open_batch()
    due = [(c, r) for c, r in due_cases(due_by) if c.id not in taken]
    if not due:
        return None
    batch = DisposalBatch(due_by=due_by, warned_at=clock.now())
    batch.items = [DisposalItem(case_id=c.id, disposal_on=r.disposal_on, rule=r.rule)
                   for c, r in due]
    db.session.add(batch)
    db.session.flush()
    lines = [f"{c.number}: due {r.disposal_on} ({r.rule})" for c, r in due]
    for admin in administrators():
        queue_mail(admin.email, "records/disposal_warning",
                   f"{len(due)} closed case(s) due for disposal", name=admin.name,
                   lines=lines, batch_id=batch.id, auto=current_app.config[
                       "RETENTION_AUTO_DISPOSE"],
                   days=current_app.config["RETENTION_WARNING_DAYS"])
    record("records.disposal_warned", target=batch, cases=[c.number for c, _ in due],
           due_by=due_by.isoformat())
    return batch


def confirm(batch: DisposalBatch, actor) -> None:
    if batch.status != "warned":
        raise RecordsError("This batch was already confirmed.")
    batch.status, batch.confirmed_by_id, batch.confirmed_at = "confirmed", actor.id, clock.now()
    db.session.flush()
    record("records.disposal_confirmed", actor=actor, target=batch,
           cases=[i.case.number for i in batch.items])


def may_dispose(batch: DisposalBatch) -> bool:
    """Confirmed, or (when configured) warned long enough ago to go on without it."""
    if batch.status == "confirmed":
        return True
    waited = clock.now() - batch.warned_at >= timedelta(
        days=current_app.config["RETENTION_WARNING_DAYS"])
    return (batch.status == "warned" and current_app.config["RETENTION_AUTO_DISPOSE"]
            and waited)


def item_of(batch: DisposalBatch | None, case: Case) -> DisposalItem | None:
    if batch is None:
        return None
    return next((i for i in batch.items if i.case_id == case.id), None)


def disposal_problem(case: Case, data: dict) -> str | None:
    """The `dispose` action's guard: warned in a batch that may go on, due, no hold."""
    batch = data.get("batch")
    if item_of(batch, case) is None:
        return "The case is in no disposal batch: administrators are warned first."
    if holds_on(case):
        return "The case is under a legal hold."
    if not may_dispose(batch):
        return "An administrator has not confirmed this disposal batch."
    kept = retention(case)
    if kept is None or kept.disposal_on > clock.today():
        return "The case is not yet due for disposal."
    return None


def case_panel(user, case: Case) -> dict | None:
    """What the case page shows of the case's records (staff on the case only)."""
    if not can(user, "records.see", case):
        return None
    return {"retention": retention(case), "holds": holds_on(case),
            "disposed_on": disposed_on(case) if case.status == State.DISPOSED else None}


def batches() -> list[DisposalBatch]:
    return list(db.session.execute(select(DisposalBatch).order_by(
        DisposalBatch.id.desc())).scalars())


def disposed_on(case: Case):
    """When the case's file was disposed of (None: it was not)."""
    return db.session.execute(select(func.max(DisposalItem.disposed_at)).where(
        DisposalItem.case_id == case.id)).scalar()


# --- erasure ------------------------------------------------------------------------------

def _delete_rows(model, *where) -> int:
    rows = db.session.execute(select(model).where(*where)).scalars().all()
    for row in rows:
        db.session.delete(row)
    return len(rows)


def erase(case: Case, actor, data: dict) -> None:
    """Destroy a case's file, keeping its skeleton (the `dispose` action's effect).

    Kept: number, kind, dates, allegations' standards and dates, decisions' outcomes and
    sanctions, the respondent certificant (the public register), documents' numbers and
    hashes, public notices' files, the timeline's lines without their text. Everything
    else that describes people goes, stored files included (deleted once the transaction
    commits), and the audit trail's personal part for the case, its documents and its
    evidence.
    """
    item = item_of(data["batch"], case)
    files, categories = [], set()
    for ev in list(case.evidence):
        files.append({"category": "evidence", "sha256": ev.sha256, "size": ev.size})
        redact_for_target("evidence", ev.id, actor=actor)
        delete_on_commit(db.session, store("evidence"), ev.stored_name)
        case.evidence.remove(ev)  # message attachments go with it (cascade)
        categories.add("evidence and message attachments")
    for doc in db.session.execute(select(Document).where(Document.case_id == case.id)
                                  .order_by(Document.id)).scalars():
        redact_for_target("documents", doc.id, actor=actor)
        if doc.kind not in PUBLIC_DOCUMENTS and doc.disposed_at is None:
            files.append({"category": "issued document", "number": doc.number,
                          "sha256": doc.sha256, "size": doc.size})
            delete_on_commit(db.session, store("documents"), doc.stored_name)
            doc.disposed_at = clock.now()
            doc.recipients = []
            categories.add("issued documents (not public notices)")
    # representatives' names leave the timeline with them ("by <name>, representative, …")
    names = {r.name for r in db.session.execute(select(Representative).where(
        Representative.case_id == case.id)).scalars() if r.name}
    counts = {
        "representatives": _delete_rows(Representative, Representative.case_id == case.id),
        "messages": _delete_rows(Thread, Thread.case_id == case.id),
        "witness links": _delete_rows(WitnessLink, WitnessLink.case_id == case.id),
        "investigation file": _delete_rows(InvestigationItem,
                                           InvestigationItem.case_id == case.id),
        "requests for documents": _delete_rows(DocumentRequest,
                                               DocumentRequest.case_id == case.id),
        "answer": _delete_rows(Response, Response.case_id == case.id),
        "extension requests": _delete_rows(ExtensionRequest,
                                           ExtensionRequest.case_id == case.id),
        "disclosure log": _delete_rows(Disclosure, Disclosure.case_id == case.id),
        "internal notes": _delete_rows(CaseEvent, CaseEvent.case_id == case.id,
                                       CaseEvent.internal.is_(True)),
    }
    categories |= {name for name, n in counts.items() if n}
    for event in case.events:
        event.body = ""
        for name in names:
            event.summary = event.summary.replace(name, "a representative")
    for allegation in case.allegations:
        allegation.facts = ""
    for vote in db.session.execute(select(Vote).where(Vote.case_id == case.id)).scalars():
        vote.reasons = ""
    for decision in db.session.execute(select(Decision).where(Decision.case_id == case.id)
                                       ).scalars():
        decision.reasons, decision.details = "", {}
        for finding in decision.findings:
            finding.reasons = ""
    for hearing in db.session.execute(select(Hearing).where(Hearing.case_id == case.id)
                                      ).scalars():
        hearing.attendance, hearing.minutes, hearing.recording_ref = [], "", ""
        hearing.place, hearing.video_link = "", ""
        for p in db.session.execute(select(HearingPostponement).where(
                HearingPostponement.hearing_id == hearing.id)).scalars():
            p.reason, p.note = "", ""
    for appeal in db.session.execute(select(Appeal).where(Appeal.case_id == case.id)).scalars():
        appeal.grounds = ""
    for measure in db.session.execute(select(Measure).where(Measure.case_id == case.id)
                                      ).scalars():
        measure.reason, measure.lifted_reason = "", ""
    case.complainant_id = None
    case.relation = None
    case.remedy_sought = case.respondent_details = case.outcome_text = ""
    case.time_limit_waiver = ""
    case.respondent_email = None
    categories |= {"narratives and facts", "reasons and minutes",
                   "complainant's and witnesses' personal details"}
    redact_for_target("cases", case.id, actor=actor)
    if item is not None:
        item.disposed_at = clock.now()
        item.destroyed = {"categories": sorted(categories), "files": files}
    db.session.flush()
