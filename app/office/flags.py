"""Repeat and related complaints, flagged to the chair at intake.

The system flags; the chair decides, and may record that the flags were considered.
Each flag is one query bounded by LIMIT; similarity of narratives (rapidfuzz) is
computed only over the bounded candidates, never over all cases.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from rapidfuzz import fuzz
from sqlalchemy import and_, exists, func, or_, select

from app import clock
from app.audit.services import record
from app.cases.models import CLOSED_STATES, OPEN_STATES, Allegation, Case, DismissalReason
from app.extensions import db
from app.office.models import FlagReview
from app.proceedings.models import Decision

LIMIT = 20
RECENT_DAYS = 365
SIMILAR = 60  # rapidfuzz token_set_ratio, 0-100
# dismissed as unfounded: at intake for these reasons, or by the committee on review
UNFOUNDED = (DismissalReason.INSUFFICIENT_FACTS.value, DismissalReason.NOT_A_VIOLATION.value)
INTAKE_STATES = ("submitted", "info_requested")


@dataclass(frozen=True)
class Flag:
    kind: str  # same_parties, respondent_cases, same_conduct, repeat_dismissals
    text: str
    numbers: tuple[str, ...]


def _same_respondent(case: Case):
    """SQL: another case against the same respondent (by registry record, else by email)."""
    if case.respondent_certificant_id is not None:
        return Case.respondent_certificant_id == case.respondent_certificant_id
    if case.respondent_email:
        return func.lower(Case.respondent_email) == case.respondent_email.lower()
    return None


def _others(case: Case):
    return (Case.id != case.id, Case.status != "draft")


def _numbers(query) -> tuple[str, ...]:
    return tuple(db.session.execute(query.limit(LIMIT)).scalars())


def flags_for(case: Case) -> list[Flag]:
    """The flags a case raises at intake (empty: nothing to consider)."""
    flags: list[Flag] = []
    respondent = _same_respondent(case)
    if respondent is not None and case.complainant_id is not None:
        same = _numbers(select(Case.number).where(
            *_others(case), respondent, Case.complainant_id == case.complainant_id)
            .order_by(Case.submitted_at))
        if same:
            flags.append(Flag("same_parties", f"The same complainant has filed {len(same)} earlier "
                              "complaint(s) against the same respondent.", same))
    if respondent is not None:
        since = clock.now() - timedelta(days=RECENT_DAYS)
        recent = _numbers(select(Case.number).where(
            *_others(case), respondent,
            or_(Case.status.in_([s.value for s in OPEN_STATES]),
                and_(Case.status.in_([s.value for s in CLOSED_STATES]), Case.closed_at >= since)))
            .order_by(Case.submitted_at))
        if recent:
            flags.append(Flag("respondent_cases", f"{len(recent)} other open or recent case(s) "
                              "concern the same respondent.", recent))
        conduct = _same_conduct(case, respondent)
        if conduct:
            flags.append(Flag("same_conduct", "Already decided: case(s) against the same respondent "
                              "on overlapping dates with a similar account.", conduct))
    dismissed = _dismissals(case)
    threshold = current_app.config.get("REPEAT_DISMISSALS", 2)
    if len(dismissed) >= threshold:
        flags.append(Flag("repeat_dismissals", f"The complainant's earlier complaints were dismissed "
                          f"as unfounded {len(dismissed)} times.", dismissed))
    return flags


def _same_conduct(case: Case, respondent) -> tuple[str, ...]:
    """Decided cases against the respondent whose conduct dates overlap and whose facts read alike."""
    mine = [(a.conduct_from, a.conduct_to or a.conduct_from, a.facts) for a in case.allegations]
    if not mine:
        return ()
    overlaps = or_(*(and_(Allegation.conduct_from <= end,
                          func.coalesce(Allegation.conduct_to, Allegation.conduct_from) >= start)
                     for start, end, _facts in mine))
    rows = db.session.execute(
        select(Case.number, Allegation.facts).join(Allegation, Allegation.case_id == Case.id)
        .where(*_others(case), respondent, overlaps,
               exists().where(Decision.case_id == Case.id, Decision.outcome != "hearing"))
        .order_by(Case.submitted_at).limit(LIMIT * 3)).all()
    found = []
    for number, facts in rows:  # bounded: at most LIMIT * 3 candidates
        if number not in found and any(
                fuzz.token_set_ratio(facts, f) >= SIMILAR for _s, _e, f in mine):
            found.append(number)
    return tuple(found)


def _dismissals(case: Case) -> tuple[str, ...]:
    if case.complainant_id is None:
        return ()
    review = exists().where(Decision.case_id == Case.id, Decision.stage == "review",
                            Decision.outcome == "dismissed")
    return _numbers(select(Case.number).where(
        *_others(case), Case.complainant_id == case.complainant_id,
        or_(Case.outcome_reason.in_(UNFOUNDED), review)).order_by(Case.submitted_at))


def reviews_of(case: Case) -> list[FlagReview]:
    return list(db.session.execute(select(FlagReview).where(FlagReview.case_id == case.id)
                                   .order_by(FlagReview.id)).scalars())


def section(case: Case) -> dict | None:
    """What the intake page shows of the flags (None: not at intake)."""
    if case.status not in INTAKE_STATES:
        return None
    return {"flags": flags_for(case), "reviews": reviews_of(case)}


def record_considered(case: Case, actor, reason: str) -> FlagReview:
    """Record that the chair considered the flags, with the reason (audited)."""
    flags = [{"kind": f.kind, "numbers": list(f.numbers)} for f in flags_for(case)]
    review = FlagReview(case_id=case.id, by_id=actor.id, at=clock.now(), reason=reason.strip(),
                        flags=flags)
    db.session.add(review)
    db.session.flush()
    record("case.intake_flags_considered", actor=actor, target=case, number=case.number,
           flags=[f["kind"] for f in flags], review_id=review.id, personal={"reason": review.reason})
    return review
