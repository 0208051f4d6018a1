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

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import Select, String, and_, cast, exists, func, literal, or_, select, true, update
from sqlalchemy import case as sql_case
from sqlalchemy.orm import joinedload

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
from app.coi.models import CoiDeclaration, CoiObjection, Recusal
from app.documents.models import Document
from app.exports.models import Export
from app.extensions import db
from app.messages.models import PendingAlert, Thread, WitnessLink
from app.notifications.models import OutboxMessage, OutboxStatus
from app.notifications.services import queue_mail
from app.office.models import FlagReview
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
from app.records.models import (
    DisposalBatch,
    DisposalItem,
    LegalHold,
    RetentionSchedule,
    certificate_number,
)
from app.representatives.models import Representative
from app.storage import delete_on_commit, store
from app.types import UTCDateTime

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
# what is left where a column must not be empty (a declaration of a conflict says what it is)
DISPOSED_TEXT = "[disposed of]"


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


# --- a case's retention, computed in SQL -----------------------------------------------------
#
# One query answers for one case (the case page) or for every closed case (the daily
# sweep at 100,000 cases): the schedule's versions are few, so each (outcome, version in
# force at closing) pair becomes a literal inside a CASE on `closed_at`, and what describes
# a case's outcome is a boolean expression over its row, its decisions and its sanctions.

@dataclass(frozen=True)
class _Facts:
    """What a case's decisions say, one row per case, computed once for all cases (grouped
    subqueries LEFT JOINed to the cases, never a subquery per case)."""

    last: object  # case_id, outcome: the last decision that ends a stage
    decided: object  # case_id, consent: 1 if a consent decision exists
    sanctions: object  # case_id, one 0/1 column per sanction kind

    @classmethod
    def of(cls, case_id: int | None = None) -> _Facts:
        only = [Decision.case_id == case_id] if case_id is not None else []
        ranked = select(Decision.case_id, Decision.outcome, func.row_number().over(
            partition_by=Decision.case_id, order_by=Decision.id.desc()).label("n")).where(
            Decision.outcome.not_in(("hearing", "remand")), *only).subquery("ranked")
        last = select(ranked.c.case_id, ranked.c.outcome).where(ranked.c.n == 1).subquery(
            "last_decision")
        decided = select(Decision.case_id, func.max(sql_case(
            (Decision.outcome == "consent", 1), else_=0)).label("consent")).where(
            *only).group_by(Decision.case_id).subquery("decided")
        sanctions = select(Decision.case_id, *(func.max(sql_case(
            (Sanction.kind == kind.value, 1), else_=0)).label(kind.value) for kind in SanctionKind)
        ).join(Sanction, Sanction.decision_id == Decision.id).where(*only).group_by(
            Decision.case_id).subquery("sanctioned")
        return cls(last, decided, sanctions)

    def joined(self, query):
        return (query.outerjoin(self.last, self.last.c.case_id == Case.id)
                .outerjoin(self.decided, self.decided.c.case_id == Case.id)
                .outerjoin(self.sanctions, self.sanctions.c.case_id == Case.id))


def outcome_conditions(facts: _Facts) -> dict:
    """For each outcome of the schedule, the SQL condition that it describes a closed case.

    Withdrawn or abandoned, or dismissed at intake, is all that is said of such a case
    (besides a self-report). Otherwise the last decision that ends a stage (not a referral
    to a hearing, not a remand) says dismissed, no violation (or reversed) or caution; a
    consent agreement at any stage counts, and so does each sanction imposed. A case none
    of these describe counts as "no violation".
    """
    reasons = [r.value for r in DismissalReason]
    ended = Case.status.in_([State.WITHDRAWN, State.ABANDONED])
    at_intake = (Case.status == State.DISMISSED) & func.coalesce(
        Case.outcome_reason, "").in_(reasons)
    decided = ~ended & ~at_intake
    last = func.coalesce(facts.last.c.outcome, "")

    def sanctioned(kind: str):
        return func.coalesce(facts.sanctions.c[kind], 0) == 1

    when = {
        "withdrawn_abandoned": ended,
        "dismissed_intake": at_intake,
        "dismissed_review": decided & ((Case.status == State.DISMISSED) | (last == "dismissed")),
        "consent": decided & (func.coalesce(facts.decided.c.consent, 0) == 1),
        "self_report": Case.kind == "self_report",
    }
    for kind in SanctionKind:
        when[f"sanction_{kind.value}"] = decided & sanctioned(kind.value)
    when["sanction_caution"] = decided & (sanctioned("caution") | (last == "caution"))
    others = or_(*(cond for key, cond in when.items()
                   if key not in ("withdrawn_abandoned", "dismissed_intake")))
    when["no_violation"] = decided & (last.in_(("no_violation", "reverse")) | ~others)
    return {key: when[key] for key in OUTCOMES}


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _last_closing_day(by: date, years: int) -> date:
    """The last closing day whose disposal date (+ years) falls on or before `by`."""
    day = _add_years(by, -years)
    while _add_years(day + timedelta(days=1), years) <= by:
        day += timedelta(days=1)
    while _add_years(day, years) > by:
        day -= timedelta(days=1)
    return day


def _midnight_after(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


def all_schedules() -> list[Schedule]:
    """Every version of the schedule, oldest first (version 0: the configured defaults)."""
    rows = db.session.execute(select(RetentionSchedule).order_by(
        RetentionSchedule.version)).scalars().all()
    return [_defaults()] + [_schedule(row) for row in rows]


# Each outcome's candidate rule comes back as one integer, so that the largest is the one
# that applies: the most years; on equal years the schedule in force at closing, then the
# outcome listed first in OUTCOMES. (Versions stay under 10,000; periods under 200 years,
# so the integer fits in 32 bits.)
def _encode(rule: tuple[int, bool, int], order: int) -> int:
    years, at_closing, version = rule
    return years * 10_000_000 + int(at_closing) * 1_000_000 + (99 - order) * 10_000 + version


def _decode(code: int) -> tuple[int, str, int]:
    order = 99 - (code // 10_000) % 100
    return code // 10_000_000, list(OUTCOMES)[order], code % 10_000


def _rule(closing: Schedule, current: Schedule, key: str) -> tuple[int, bool, int]:
    """(years, from the schedule in force at closing, version) of one outcome."""
    then, now = closing.years_for(key), current.years_for(key)
    return (then, True, closing.version) if then >= now else (now, False, current.version)


def _by_closing(schedules: list[Schedule], value, type_=None):
    """A CASE on the closing time: `value(schedule)` of the schedule in force then."""
    def lit(v):
        return literal(v, type_) if type_ is not None else literal(v)
    whens = [(Case.closed_at >= s.since, lit(value(s))) for s in reversed(schedules[1:])]
    if not whens:
        return lit(value(schedules[0]))
    return sql_case(*whens, else_=lit(value(schedules[0])))


def _rule_columns(schedules: list[Schedule], conditions: dict) -> list:
    current = schedules[-1]
    columns = []
    for order, key in enumerate(OUTCOMES):
        code = _by_closing(schedules, lambda s, k=key, o=order: _encode(
            _rule(s, current, k), o))
        columns.append(sql_case((conditions[key], code), else_=-1).label(key))
    return columns


def _due_condition(schedules: list[Schedule], conditions: dict, by: date):
    """Every outcome that describes the case has run its period by `by`."""
    current = schedules[-1]
    parts = []
    for key in OUTCOMES:
        cutoff = _by_closing(schedules, lambda s, k=key: _midnight_after(
            _last_closing_day(by, _rule(s, current, k)[0])), UTCDateTime())
        parts.append(or_(~conditions[key], Case.closed_at < cutoff))
    shortest = min(_rule(s, current, key)[0] for s in schedules for key in OUTCOMES)
    return and_(Case.closed_at < _midnight_after(_last_closing_day(by, shortest)), *parts)


def _retention_of(closed_at, codes) -> Retention:
    years, key, version = _decode(max(codes))
    return Retention(_add_years(closed_at.date(), years), years, key, version)


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


def retention_source(case: Case) -> Select | None:
    """The rows `retention` reads, for a caller that runs them with its own queries (the
    case page's lists): one row per version of the schedule (a LEFT JOIN: the table is a
    handful of rows; one row with no version before the first edit), each with which
    outcomes describe the case as a bit mask (bit n: the nth of OUTCOMES) and the
    version's years as JSON text. None: the case has no retention (not closed, disposed)."""
    if case.status not in DISPOSABLE or case.closed_at is None:
        return None
    facts = _Facts.of(case.id)
    conditions = outcome_conditions(facts)
    described = sum(sql_case((conditions[key], 1 << order), else_=0)
                    for order, key in enumerate(OUTCOMES))
    return (facts.joined(select(
        described.label("described"), RetentionSchedule.version,
        cast(RetentionSchedule.years, String).label("years"),
        RetentionSchedule.created_at).select_from(Case))
        .outerjoin(RetentionSchedule, true()).where(Case.id == case.id))


def retention(case: Case, rows: list | None = None) -> Retention | None:
    """When a closed case's file is due for disposal (None: not closed, or disposed).

    One statement (`retention_source`), or none when the caller read its rows already
    (`rows`: (described, version, years as JSON text, created_at) each). The rule is then
    chosen in Python as the sweep's CASE chooses it in SQL.
    """
    source = retention_source(case)
    if source is None:
        return None
    if rows is None:
        rows = [tuple(r) for r in db.session.execute(source)]
    versions = sorted((r for r in rows if r[1] is not None), key=lambda r: r[1])
    schedules = [_defaults()] + [Schedule(version, json.loads(years), at)
                                 for _described, version, years, at in versions]
    current = schedules[-1]
    closing = next((s for s in reversed(schedules[1:]) if case.closed_at >= s.since),
                   schedules[0])
    described = rows[0][0]
    codes = [_encode(_rule(closing, current, key), order) if described >> order & 1 else -1
             for order, key in enumerate(OUTCOMES)]
    return _retention_of(case.closed_at, codes)


# --- legal holds ---------------------------------------------------------------------------

def holds_on(case: Case) -> list[LegalHold]:
    """The holds in force on a case: its own, and those on its respondent certificant."""
    who = [LegalHold.case_id == case.id]
    if case.respondent_certificant_id is not None:
        who.append(LegalHold.certificant_id == case.respondent_certificant_id)
    return list(db.session.execute(select(LegalHold).where(
        LegalHold.lifted_at.is_(None), or_(*who)).order_by(LegalHold.id)).scalars())


def holds_listed():
    """Every hold, those in force first, newest first, with what the list shows (a select
    for `paging.paginate`)."""
    return select(LegalHold).options(
        joinedload(LegalHold.case), joinedload(LegalHold.certificant),
        joinedload(LegalHold.placed_by), joinedload(LegalHold.lifted_by)).order_by(
        LegalHold.lifted_at.is_not(None), LegalHold.placed_at.desc(), LegalHold.id.desc())


def active_holds() -> list[LegalHold]:
    return list(db.session.execute(select(LegalHold).where(LegalHold.lifted_at.is_(None))
                                   .order_by(LegalHold.placed_at.desc())).scalars())


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

def _held():
    return exists(select(LegalHold.id).where(LegalHold.lifted_at.is_(None), or_(
        LegalHold.case_id == Case.id,
        LegalHold.certificant_id == Case.respondent_certificant_id)).correlate(Case))


def _batched():
    return exists(select(DisposalItem.id).join(DisposalBatch).where(
        DisposalItem.case_id == Case.id, DisposalBatch.status != "done",
        DisposalItem.disposed_at.is_(None)).correlate(Case))


def due_cases(by: date, *, unbatched: bool = False) -> list[tuple[Case, Retention]]:
    """Closed cases whose disposal date is on or before `by`, not held, oldest first
    (`unbatched`: only those in no open disposal batch). Two statements, whatever the
    number of cases."""
    schedules = all_schedules()
    facts = _Facts.of()
    conditions = outcome_conditions(facts)
    query = facts.joined(select(Case, *_rule_columns(schedules, conditions))).where(
        Case.status.in_(DISPOSABLE), Case.closed_at.is_not(None),
        _due_condition(schedules, conditions, by), ~_held())
    if unbatched:
        query = query.where(~_batched())
    out = [(row[0], _retention_of(row[0].closed_at, list(row[1:])))
           for row in db.session.execute(query.order_by(Case.id))]
    return sorted(out, key=lambda pair: (pair[1].disposal_on, pair[0].id))


def administrators() -> list[User]:
    return list(db.session.execute(select(User).join(UserRole).where(
        UserRole.role == Role.ADMIN, User.active.is_(True)).order_by(User.id)).scalars())


def warn(today: date | None = None) -> DisposalBatch | None:
    """Name the cases due within the warning period in a new batch and tell the
    administrators (None: nothing new is due). Safe to run twice."""
    today = today or clock.today()
    due_by = today + timedelta(days=current_app.config["RETENTION_WARNING_DAYS"])
    due = due_cases(due_by, unbatched=True)
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


def case_panel(user, case: Case, holds: list | None = None,
               retention_rows: list | None = None, disposal_rows: list | None = None
               ) -> dict | None:
    """What the case page shows of the case's records (staff on the case only). `holds`,
    `retention_rows`, `disposal_rows`: the holds in force and the rows of
    `retention_source` and `disposal_source`, if the caller read them already (the case
    page, as plain rows of its lists' statement)."""
    if not can(user, "records.see", case):
        return None
    return {"retention": retention(case, retention_rows),
            "holds": holds_on(case) if holds is None else holds,
            **(disposal_of(case, disposal_rows) if case.status == State.DISPOSED else {})}


def batch_items(batch: DisposalBatch) -> list[DisposalItem]:
    """The batch's items with their cases, in one statement."""
    return list(db.session.execute(select(DisposalItem).where(
        DisposalItem.batch_id == batch.id).options(joinedload(DisposalItem.case))
        .order_by(DisposalItem.id)).scalars())


def held_among(case_ids: list[int]) -> set[int]:
    """Which of these cases a hold in force keeps (their own, or their respondent's)."""
    if not case_ids:
        return set()
    return set(db.session.execute(select(Case.id).where(Case.id.in_(case_ids), _held()))
               .scalars())


def batches_listed():
    """Every batch, newest first, with its number of cases (rows of (batch, cases); a select
    for `paging.paginate`)."""
    cases = (select(func.count(DisposalItem.id)).where(DisposalItem.batch_id == DisposalBatch.id)
             .correlate(DisposalBatch).scalar_subquery())
    return select(DisposalBatch, cases.label("cases")).options(
        joinedload(DisposalBatch.confirmed_by)).order_by(DisposalBatch.id.desc())


def disposal_source(case: Case) -> Select | None:
    """The row `disposal_of` reads, for a caller that runs it with its own queries (the
    case page's lists): the latest destruction of the case's file (disposed_at), its
    batch's id and the year it was done, and whether the batch's certificate was issued
    (1/0). None: the case is not disposed."""
    if case.status != State.DISPOSED:
        return None
    issued = exists().where(Document.number == DisposalBatch.certificate_number_sql())
    return (select(DisposalItem.disposed_at, DisposalBatch.id.label("batch_id"),
                   DisposalBatch.done_year_sql().label("done_year"),
                   sql_case((issued, 1), else_=0).label("issued"))
            .join(DisposalBatch, DisposalBatch.id == DisposalItem.batch_id)
            .where(DisposalItem.case_id == case.id, DisposalItem.disposed_at.is_not(None))
            .order_by(DisposalItem.disposed_at.desc()).limit(1))


def disposal_of(case: Case, rows: list | None = None) -> dict:
    """When a disposed case's file was destroyed, and its certificate's number once issued:
    one statement (`disposal_source`), or none when the caller read its rows already
    (`rows`: (disposed_at, batch id, year the batch was done, issued) each)."""
    source = disposal_source(case)
    if rows is None:
        rows = [tuple(r) for r in db.session.execute(source)] if source is not None else []
    if not rows:
        return {"disposed_on": None, "certificate": None}
    disposed_at, batch_id, done_year, issued = rows[0]
    return {"disposed_on": disposed_at,
            "certificate": certificate_number(batch_id, done_year) if issued else None}


# --- erasure ------------------------------------------------------------------------------

def _delete_rows(model, *where) -> int:
    rows = db.session.execute(select(model).where(*where)).scalars().all()
    for row in rows:
        db.session.delete(row)
    return len(rows)


def _erase_conflicts(case: Case) -> int:
    """Members' disclosures about the parties, parties' objections, reasons for recusals.

    The rows stay (who was recused still matters for the skeleton); their words go.
    """
    declarations = select(CoiDeclaration.id).where(CoiDeclaration.case_id == case.id)
    n = db.session.execute(update(CoiDeclaration).where(
        CoiDeclaration.case_id == case.id, CoiDeclaration.text != "")
        .values(text=DISPOSED_TEXT).execution_options(synchronize_session="fetch")).rowcount
    n += db.session.execute(update(CoiObjection).where(
        CoiObjection.declaration_id.in_(declarations),
        or_(CoiObjection.text != "", CoiObjection.withdrawn_reason != ""))
        .values(text="", withdrawn_reason=sql_case(
            (CoiObjection.withdrawn_at.is_not(None), DISPOSED_TEXT), else_=""))
        .execution_options(synchronize_session="fetch")).rowcount
    n += db.session.execute(update(Recusal).where(
        Recusal.case_id == case.id,
        or_(Recusal.reason != "", Recusal.reinstatement_reason != ""))
        .values(reason="", reinstatement_reason=sql_case(
            (Recusal.reinstated_at.is_not(None), DISPOSED_TEXT), else_=""))
        .execution_options(synchronize_session="fetch")).rowcount
    return n


def mentions(number: str, *texts: str) -> bool:
    """Whether a text names the case number (not a longer number that starts with it)."""
    pattern = re.compile(re.escape(number) + r"(?!\d)")
    return any(pattern.search(t or "") for t in texts)


def _erase_outbox(case: Case) -> int:
    """Emails about the case: one sent (or given up) keeps its row (that one went, when) but
    loses who it went to, what it said and what it carried; one not yet sent is deleted.

    The outbox does not say which case a message is about: every email about a case names
    its number (subject, body or link), so the rows that name it are the case's. The
    administrators' disposal warnings name numbers and rules only, and stay.
    """
    pattern = f"%{case.number}%"
    rows = db.session.execute(select(OutboxMessage).where(
        OutboxMessage.template != "records/disposal_warning",
        or_(OutboxMessage.subject.like(pattern), OutboxMessage.text_body.like(pattern),
            OutboxMessage.html_body.like(pattern)))).scalars().all()
    n = 0
    for message in rows:
        if not mentions(case.number, message.subject, message.text_body, message.html_body):
            continue
        n += 1
        if message.status == OutboxStatus.PENDING:
            db.session.delete(message)
            continue
        message.recipient, message.subject = "", f"{case.number}: disposed of (S20)"
        message.text_body = message.html_body = ""
        message.attachments = None
        message.last_error = None
    return n


def _erase_exports(case: Case, people: set[int], files: list, actor) -> int:
    """The ZIPs that hold the case's file: every record of it, and the own-data exports of
    everyone who was party to it or acted for a party (built before disposal, they hold
    their part of it). Each ZIP and its index PDF are deleted after the commit; the rows
    stay, expired, and their audit entries lose their personal part. Returns how many."""
    exports = db.session.execute(select(Export).where(or_(
        Export.case_id == case.id,
        and_(Export.kind == "own_data", Export.requester_id.in_(people))))
        .order_by(Export.id)).scalars().all()
    now = clock.now()
    for export in exports:
        export.status, export.expires_at = "expired", min(export.expires_at or now, now)
        export.error = f"Destroyed with the file of case {case.number} (S20)."
        if export.stored_name:
            files.append({"category": "export", "sha256": export.sha256, "size": export.size})
            delete_on_commit(db.session, store("exports"), export.stored_name)
            export.stored_name = None
        index = db.session.execute(select(Document).where(
            Document.number == export.index_number)).scalar_one_or_none() \
            if export.index_number else None
        if index is not None and index.disposed_at is None:
            files.append({"category": "export index", "number": index.number,
                          "sha256": index.sha256, "size": index.size})
            delete_on_commit(db.session, store("documents"), index.stored_name)
            index.disposed_at, index.recipients = now, []
            redact_for_target("documents", index.id, actor=actor)
        redact_for_target("exports", export.id, actor=actor)
    return len(exports)


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
    kept = retention(case)  # before anything changes: the rule that applied
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
    representatives = db.session.execute(select(Representative).where(
        Representative.case_id == case.id)).scalars().all()
    names = {r.name for r in representatives if r.name}
    people = {case.complainant_id, case.respondent_user_id} | {r.user_id
                                                              for r in representatives}
    if _erase_exports(case, people - {None}, files, actor):
        categories.add("exports (record and own-data ZIPs and their indexes)")
    counts = {
        "message alerts": _delete_rows(PendingAlert, PendingAlert.thread_id.in_(
            select(Thread.id).where(Thread.case_id == case.id))),
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
        "intake flag reviews": _delete_rows(FlagReview, FlagReview.case_id == case.id),
        "conflict disclosures and objections": _erase_conflicts(case),
        "emails about the case": _erase_outbox(case),
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
    if case.respondent_certificant_id is None:  # not in the registry: nothing public to keep
        case.respondent_name = ""
    categories |= {"narratives and facts", "reasons and minutes",
                   "complainant's and witnesses' personal details"}
    redact_for_target("cases", case.id, actor=actor)
    if item is not None:
        item.disposed_at = clock.now()
        by = data.get("by")
        item.destroyed = {
            "categories": sorted(categories), "files": files,
            "rule": kept and {"outcome": kept.outcome, "title": OUTCOMES[kept.outcome],
                              "years": kept.years, "version": kept.version,
                              "closed_on": case.closed_at.date().isoformat(),
                              "due_on": kept.disposal_on.isoformat()},
            "by": {"id": by.id, "name": by.name} if by is not None else None}
    db.session.flush()
