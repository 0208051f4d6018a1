"""The deadline sweep: reminders before, defaults after. Safe to run twice."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import or_, select

from app import clock
from app.audit.services import record
from app.cases import services
from app.cases.models import Case, Deadline
from app.extensions import db
from app.practice_disclosures.services import flag_overdue_withdrawals
from app.proceedings import disposal, workflow
from app.proceedings import notices as proceedings_notices
from app.proceedings import services as proceedings

# What the workflow does when a deadline of this kind passes unmet.
ON_MISSED = {"response": "record_default", "information": "abandon",
             "documents": "record_noncooperation", "appeal": "finalize"}
# Clocks that simply run their course (a window closes, a bar ends): marked met, not missed.
RUN_OUT = frozenset({"objection_complainant", "objection_respondent", "reinstatement_bar"})
# Clocks that run on after the case is final or closed.
AFTER_FINAL = ("reinstatement_bar",)


@dataclass
class SweepReport:
    reminders: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)


def _open_deadlines():
    # A case that is no longer going on (withdrawn, closed) gets no reminders and no
    # default; a deadline of a withdrawn case runs again if the committee continues it.
    return (select(Deadline).join(Case)
            .where(Deadline.status == "open",
                   or_(Case.status.in_(workflow.OPEN_STATES),
                       Deadline.kind.in_(AFTER_FINAL) & Case.status.in_(("final", "closed")))))


def cases_due() -> list[int]:
    """Ids of the cases whose deadlines the sweep looks at (one task per case)."""
    sub = _open_deadlines().subquery()
    return list(db.session.execute(select(sub.c.case_id).distinct().order_by(sub.c.case_id))
                .scalars())


def sweep(case_id: int | None = None, *, cases: bool = True, others: bool = True) -> SweepReport:
    """Send due reminders and apply the default action of every missed deadline.

    `case_id` limits the deadlines to one case; `cases=False` leaves the deadlines out
    and `others=False` the sanctions and practice-disclosure withdrawals, so a task can
    sweep each case apart (app/jobs/sweeping.py).
    """
    report = SweepReport()
    today = clock.today()
    query = _open_deadlines()
    if case_id is not None:
        query = query.where(Deadline.case_id == case_id)
    open_deadlines = (db.session.execute(query.order_by(Deadline.due_on)).scalars().all()
                      if cases else [])
    for deadline in open_deadlines:
        case = deadline.case
        if proceedings.open_measure(case, "stay") is not None:
            continue  # stayed pending litigation: no reminder, no default until lifted
        if today > deadline.due_on:
            if deadline.kind == "response" and services.pending_extension(case):
                continue  # the chair has yet to decide on more time: no default meanwhile
            action = ON_MISSED.get(deadline.kind)
            if action and case.status in workflow.ACTIONS[action].sources:
                workflow.apply(case, action, None)
            else:
                deadline.status = "met" if deadline.kind in RUN_OUT else "missed"
                deadline.closed_at = clock.now()
                proceedings_notices.deadline_passed(case, deadline)
            record("deadline.missed", target=case, number=case.number, kind=deadline.kind,
                   due_on=deadline.due_on.isoformat())
            report.missed.append(f"{case.number} {deadline.kind} due {deadline.due_on}")
            continue
        days_left = (deadline.due_on - today).days
        for mark in current_app.config["REMINDER_DAYS_BEFORE"]:
            if days_left <= mark and mark not in (deadline.reminders_sent or []):
                # Only the nearest reminder is sent, even if the sweep missed a day.
                deadline.reminders_sent = sorted(
                    set(deadline.reminders_sent or []) | {m for m in
                        current_app.config["REMINDER_DAYS_BEFORE"] if m >= days_left})
                proceedings_notices.deadline_reminder(case, deadline, days_left)
                record("deadline.reminder_sent", target=case, number=case.number,
                       kind=deadline.kind, days_left=days_left)
                report.reminders.append(f"{case.number} {deadline.kind} in {days_left} days")
                break
    if others:
        reminders, ended = _sanctions(today)
        report.reminders += reminders
        report.missed += ended
        # Certificants' withdrawals after an objection (S7) are deadlines too.
        report.missed += flag_overdue_withdrawals()
        # Records (S20): warn of disposals falling due; dispose of confirmed batches.
        report.missed += disposal.sweep_retention()
    db.session.flush()
    return report


def _sanctions(today) -> tuple[list[str], list[str]]:
    """Sanctions whose term ended or whose condition was missed; cases whose sanctions
    are all done close."""
    reminders, lines = [], []
    for sanction, condition, days_left in proceedings.condition_reminders(today):
        case = db.session.get(Case, sanction.decision.case_id)
        proceedings_notices.condition_reminder(case, condition, days_left)
        record("sanction.condition_reminder_sent", target=case, number=case.number,
               sanction=sanction.id, due_on=condition["due_on"], days_left=days_left)
        reminders.append(f"{case.number} condition due {condition['due_on']} in {days_left} days")
    for sanction in proceedings.suspensions_starting(today):
        if proceedings.start_suspension(sanction):
            case = db.session.get(Case, sanction.decision.case_id)
            lines.append(f"{case.number} suspension begins {sanction.starts_on}")
    for sanction, outcome in proceedings.sanctions_due(today):
        case = db.session.get(Case, sanction.decision.case_id)
        if outcome == "breached" and case.status in workflow.ACTIONS["condition_missed"].sources:
            workflow.apply(case, "condition_missed", None)  # marks the sanction breached
        else:
            proceedings.end_sanction(sanction, outcome)
        lines.append(f"{case.number} sanction {sanction.kind} {outcome}")
    finished = db.session.execute(select(Case).where(Case.status == "final")).scalars()
    for case in finished:
        if not proceedings.running_sanctions(case):  # (a revocation stays, the case closes)
            workflow.apply(case, "close", None)
            lines.append(f"{case.number} closed: sanctions complete")
    return reminders, lines
