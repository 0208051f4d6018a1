"""The deadline sweep as jobs: one transaction per case, safe to run twice at once.

A case is swept holding its row (app/locks.py), so a second sweep of the same case
waits, then finds its reminders sent and its defaults applied. Sanctions and
practice-disclosure withdrawals are swept under one named lock. A case that fails is
rolled back and reported; the others go on.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from app.cases.models import Case
from app.extensions import db
from app.locks import lock_name, lock_row
from app.messages.services import send_digests
from app.proceedings import deadlines

log = logging.getLogger(__name__)


@dataclass
class SweepRun:
    reminders: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)  # case ids whose sweep raised

    def add(self, report) -> None:
        self.reminders += report.reminders
        self.missed += report.missed


def sweep_case(case_id: int):
    """Sweep one case's deadlines in the caller's transaction, holding the case."""
    lock_row(Case, case_id)
    return deadlines.sweep(case_id, others=False)


def sweep_others():
    """Sweep sanctions and withdrawals in the caller's transaction, one sweep at a time."""
    lock_name("deadline-sweep-others")
    return deadlines.sweep(cases=False)


def run_sweep() -> SweepRun:
    """Sweep every case, then the rest, committing each on its own (CLI and embedded use)."""
    run = SweepRun()
    for case_id in deadlines.cases_due():
        try:
            run.add(sweep_case(case_id))
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("sweeping case %s failed; the other cases go on", case_id)
            run.failed.append(case_id)
    run.add(sweep_others())
    db.session.commit()
    run.reminders += send_digests()  # daily digests of new case messages
    db.session.commit()
    return run
