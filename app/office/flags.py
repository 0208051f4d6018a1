"""Repeat and related complaints, flagged to the chair at intake.

The system flags; the chair decides, and may record that the flags were considered.
Every flag's candidates and the records of the flags considered come back in one
statement: a UNION ALL of one capped branch per kind of flag (each bounded by LIMIT)
and the reviews with their reviewers' names, each row naming its branch. Similarity of
narratives (rapidfuzz) is computed only over the bounded candidates, never over all cases.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from rapidfuzz import fuzz
from sqlalchemy import (
    Integer,
    Select,
    String,
    Text,
    and_,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)

from app import clock
from app.access import staff_cases
from app.accounts.models import User
from app.audit.services import record
from app.cases.models import CLOSED_STATES, OPEN_STATES, Allegation, Case, DismissalReason
from app.extensions import db
from app.office.models import FlagReview
from app.proceedings.models import Decision
from app.types import UTCDateTime

LIMIT = 20
RECENT_DAYS = 365
SIMILAR = 60  # rapidfuzz token_set_ratio, 0-100
# dismissed as unfounded: at intake for these reasons, or by the committee on review
UNFOUNDED = (DismissalReason.INSUFFICIENT_FACTS.value, DismissalReason.NOT_A_VIOLATION.value)
INTAKE_STATES = ("submitted", "info_requested")
# the branches of the one statement, in the order the flags are shown
BRANCHES = ("same_parties", "respondent_cases", "same_conduct", "repeat_dismissals", "review")


@dataclass(frozen=True)
class Flag:
    kind: str  # same_parties, respondent_cases, same_conduct, repeat_dismissals
    text: str
    numbers: tuple[str, ...]


@dataclass(frozen=True)
class Considered:
    """A record that the flags were considered, as the intake section shows it."""

    by_name: str
    at: datetime
    reason: str


def _same_respondent(case: Case):
    """SQL: another case against the same respondent (by registry record, else by email)."""
    if case.respondent_certificant_id is not None:
        return Case.respondent_certificant_id == case.respondent_certificant_id
    if case.respondent_email:
        return func.lower(Case.respondent_email) == case.respondent_email.lower()
    return None


def _others(case: Case, viewer):
    """The other cases a flag may name to this viewer: those they have as staff (never
    one they are recused from or a party to: the number alone would tell them of it)."""
    return (Case.id != case.id, Case.status != "draft", staff_cases(viewer).whereclause)


def _branch(kind: str, *, number=None, text=None, name=None, at=None, ident=None):
    """One branch's columns, typed alike in every branch (a NULL is cast to its column's type)."""
    def typed(value, type_):
        return cast(null(), type_) if value is None else cast(value, type_)
    return [cast(literal(BRANCHES.index(kind)), Integer).label("branch"),
            typed(number, String).label("number"), typed(text, Text).label("text"),
            typed(name, String).label("name"),
            (cast(null(), UTCDateTime()) if at is None else at).label("at"),
            typed(ident, Integer).label("ident")]


def _case_branch(kind: str, *where, limit: int = LIMIT, facts: bool = False):
    """Candidate cases of one kind of flag, earliest submitted first, capped."""
    query = select(*_branch(kind, number=Case.number, text=Allegation.facts if facts else None,
                            at=Case.submitted_at, ident=Case.id))
    if facts:
        query = query.select_from(Case).join(Allegation, Allegation.case_id == Case.id)
    return query.where(*where).order_by(Case.submitted_at, Case.id).limit(limit)


def _branches(case: Case, viewer, *, reviews: bool) -> list:
    """The capped query of each branch that applies to this case."""
    queries = []
    respondent = _same_respondent(case)
    if respondent is not None and case.complainant_id is not None:
        queries.append(_case_branch("same_parties", *_others(case, viewer), respondent,
                                    Case.complainant_id == case.complainant_id))
    if respondent is not None:
        since = clock.now() - timedelta(days=RECENT_DAYS)
        queries.append(_case_branch("respondent_cases", *_others(case, viewer), respondent, or_(
            Case.status.in_([s.value for s in OPEN_STATES]),
            and_(Case.status.in_([s.value for s in CLOSED_STATES]), Case.closed_at >= since))))
        mine = _mine(case)
        if mine:  # decided cases on overlapping conduct dates; their facts compared below
            overlaps = or_(*(and_(Allegation.conduct_from <= end, func.coalesce(
                Allegation.conduct_to, Allegation.conduct_from) >= start)
                for start, end, _facts in mine))
            queries.append(_case_branch(
                "same_conduct", *_others(case, viewer), respondent, overlaps,
                exists().where(Decision.case_id == Case.id, Decision.outcome != "hearing"),
                limit=LIMIT * 3, facts=True))
    if case.complainant_id is not None:
        review = exists().where(Decision.case_id == Case.id, Decision.stage == "review",
                                Decision.outcome == "dismissed")
        queries.append(_case_branch("repeat_dismissals", *_others(case, viewer),
                                    Case.complainant_id == case.complainant_id,
                                    or_(Case.outcome_reason.in_(UNFOUNDED), review)))
    if reviews:
        queries.append(select(*_branch("review", text=FlagReview.reason, name=User.name,
                                       at=FlagReview.at, ident=FlagReview.id))
                       .select_from(FlagReview).join(User, User.id == FlagReview.by_id)
                       .where(FlagReview.case_id == case.id))
    return queries


def _mine(case: Case) -> list[tuple]:
    return [(a.conduct_from, a.conduct_to or a.conduct_from, a.facts) for a in case.allegations]


def _union(case: Case, viewer, *, reviews: bool) -> Select | None:
    """Every branch that applies, as one compound select (None: no branch applies)."""
    queries = _branches(case, viewer, reviews=reviews)
    if not queries:
        return None
    # each branch keeps its own ORDER BY and LIMIT inside a subquery (SQLite allows neither
    # on a member of a compound select)
    parts = [select(*q.subquery(f"b{n}").c) for n, q in enumerate(queries)]
    return parts[0] if len(parts) == 1 else union_all(*parts)


def _sorted(rows) -> dict[str, list]:
    """{kind: [row, ...]}, each branch in its order (earliest first)."""
    found: dict[str, list] = {kind: [] for kind in BRANCHES}
    for row in sorted(rows, key=lambda r: (r.branch, r.at is None, r.at or 0, r.ident or 0)):
        found[BRANCHES[row.branch]].append(row)
    return found


def _rows(case: Case, viewer, *, reviews: bool) -> dict[str, list]:
    """Every branch's rows, in one statement: {kind: [row, ...]} in each branch's order."""
    union = _union(case, viewer, reviews=reviews)
    return _sorted(db.session.execute(union) if union is not None else [])


def _flags(case: Case, found: dict[str, list]) -> list[Flag]:
    flags: list[Flag] = []
    same = tuple(r.number for r in found["same_parties"])
    if same:
        flags.append(Flag("same_parties", f"The same complainant has filed {len(same)} earlier "
                          "complaint(s) against the same respondent.", same))
    recent = tuple(r.number for r in found["respondent_cases"])
    if recent:
        flags.append(Flag("respondent_cases", f"{len(recent)} other open or recent case(s) "
                          "concern the same respondent.", recent))
    conduct = _similar(case, found["same_conduct"])
    if conduct:
        flags.append(Flag("same_conduct", "Already decided: case(s) against the same respondent "
                          "on overlapping dates with a similar account.", conduct))
    dismissed = tuple(r.number for r in found["repeat_dismissals"])
    threshold = current_app.config.get("REPEAT_DISMISSALS", 2)
    if len(dismissed) >= threshold:
        flags.append(Flag("repeat_dismissals", f"The complainant's earlier complaints were dismissed "
                          f"as unfounded {len(dismissed)} times.", dismissed))
    return flags


def _similar(case: Case, rows: list) -> tuple[str, ...]:
    """The candidates whose facts read like one of this case's allegations."""
    mine = _mine(case)
    found: list[str] = []
    for row in rows:  # bounded: at most LIMIT * 3 candidates
        if row.number not in found and any(
                fuzz.token_set_ratio(row.text, f) >= SIMILAR for _s, _e, f in mine):
            found.append(row.number)
    return tuple(found)


def flags_for(case: Case, viewer) -> list[Flag]:
    """The flags a case raises at intake, as this viewer may see them (empty: nothing to
    consider)."""
    return _flags(case, _rows(case, viewer, reviews=False))


def source(case: Case, viewer) -> Select | None:
    """The statement `section` reads (None: not at intake), for a caller that runs it as
    part of its own — the case page reads it as one branch of its small lists' UNION ALL.
    Its columns: branch, number, text, name, at, ident."""
    return _union(case, viewer, reviews=True) if case.status in INTAKE_STATES else None


def section(case: Case, viewer, rows=None) -> dict | None:
    """What the intake page shows of the flags (None: not at intake), in one statement,
    or in none when the caller read the rows of `source` already (`rows`: objects with
    its columns as attributes)."""
    if case.status not in INTAKE_STATES:
        return None
    found = _rows(case, viewer, reviews=True) if rows is None else _sorted(rows)
    return {"flags": _flags(case, found),
            "reviews": [Considered(r.name, r.at, r.text)
                        for r in sorted(found["review"], key=lambda r: r.ident)]}


def record_considered(case: Case, actor, reason: str) -> FlagReview:
    """Record that the chair considered the flags, with the reason (audited)."""
    flags = [{"kind": f.kind, "numbers": list(f.numbers)} for f in flags_for(case, actor)]
    review = FlagReview(case_id=case.id, by_id=actor.id, at=clock.now(), reason=reason.strip(),
                        flags=flags)
    db.session.add(review)
    db.session.flush()
    record("case.intake_flags_considered", actor=actor, target=case, number=case.number,
           flags=[f["kind"] for f in flags], review_id=review.id, personal={"reason": review.reason})
    return review
