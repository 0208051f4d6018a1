"""What waits on whom: the "due" dashboard of the home pages.

For a person: declarations to make, votes to cast, deadlines on the cases they serve on,
hearings they sit on, and (administrators) documents to issue. For the chair and
administrators, the same for the whole committee, each item naming who it waits on.
Every section is one query over the cases open to the viewer (`cleared_cases` /
`awaiting_cases`: never a recused case), ordered soonest first and limited, and all the
sections of a home run together as one statement (a UNION ALL of the capped queries), so
the page's statements do not grow with the number of cases or of sections.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    Date,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import aliased

from app import clock
from app.access import COMMITTEE_ROLES, awaiting_cases, cleared_cases, is_committee
from app.accounts.models import Role, User, UserRole
from app.cases.models import OPEN_STATES, Case, CaseEvent, Deadline
from app.coi.models import CoiDeclaration, Recusal
from app.documents.models import Document
from app.extensions import db
from app.proceedings.models import Assignment, Capacity, Hearing, Vote
from app.types import UTCDateTime

LIMIT = 50
# The stage at which members vote, by status, and who votes there (None: every cleared member)
VOTING = {"committee_review": ("review", None), "deliberation": ("hearing", Capacity.HEARING_PANEL),
          "under_appeal": ("appeal", Capacity.APPEAL_PANEL)}
# The document a case in a state calls for, and who it goes to
DOCUMENTS_DUE = (
    ("submitted", "receipt", "Receipt of complaint"),
    ("info_requested", "information_request", "Request for more information"),
    ("awaiting_response", "notice_of_complaint", "Notice of complaint"),
    ("hearing_scheduled", "notice_of_hearing", "Notice of hearing"),
    ("decided", "decision_and_order", "Decision and order"),
)
WAITS_ON_DEADLINE = {"response": "the respondent", "information": "the complainant",
                     "appeal": "the parties (appeal window)"}


@dataclass(frozen=True)
class Item:
    kind: str  # declaration, vote, deadline, hearing, document
    what: str
    number: str
    due: date | datetime | None
    waits_on: str = ""

    @property
    def overdue(self) -> bool:
        if self.due is None:
            return False
        due = self.due.date() if isinstance(self.due, datetime) else self.due
        return due < clock.today()

    @property
    def sort_key(self):
        due = self.due.date() if isinstance(self.due, datetime) else self.due
        return (due is None, due or date.max, self.number)


# Every section is a capped query with the same columns, so that all the sections a home
# shows run as ONE statement: a UNION ALL of the capped queries, each in its own subquery
# (its order and limit kept), told apart by the section's name.
def _columns(section: str, number, *, what=None, name=None, due_on=None, at=None) -> list:
    def typed(value, type_):
        return cast(null(), type_) if value is None else value
    return [cast(literal(section), String).label("section"), number.label("number"),
            typed(what, String).label("what"), typed(name, String).label("name"),
            typed(due_on, Date).label("due_on"), typed(at, UTCDateTime()).label("at")]


def _round_open(stage: str):
    """SQL: the case's current round of votes (see proceedings.services.current_round)."""
    arrivals = (select(func.count(CaseEvent.id)).where(
        CaseEvent.case_id == Case.id, CaseEvent.to_status == "committee_review",
        CaseEvent.from_status != "committee_review", CaseEvent.action != "continue")
        .correlate(Case).scalar_subquery())
    return case((arrivals > 1, arrivals), else_=1)


def _votes_pending(section: str, user_filter, cleared) -> Select:
    """(number, status, member name) for each member who may vote on a case and has not."""
    member = aliased(User)
    conditions = []
    for status, (stage, capacity) in VOTING.items():
        on_panel = (exists().where(Assignment.case_id == Case.id, Assignment.member_id == member.id,
                                   Assignment.capacity == capacity) if capacity else true())
        voted = exists().where(Vote.case_id == Case.id, Vote.member_id == member.id,
                               Vote.stage == stage, Vote.question == "outcome",
                               Vote.round >= _round_open(stage))
        conditions.append(and_(Case.status == status, on_panel, ~voted))
    eligible = and_(
        exists().where(CoiDeclaration.case_id == Case.id, CoiDeclaration.member_id == member.id),
        ~exists().where(Recusal.case_id == Case.id, Recusal.member_id == member.id,
                        Recusal.reinstated_at.is_(None)),
        exists().where(UserRole.user_id == member.id, UserRole.role.in_(sorted(COMMITTEE_ROLES))),
        member.active.is_(True))
    return (select(*_columns(section, Case.number, what=Case.status, name=member.name,
                             at=Case.submitted_at))
            .select_from(Case).join(member, true())
            .where(cleared, eligible, or_(*conditions), user_filter(member))
            .order_by(Case.submitted_at, member.name).limit(LIMIT))


def _declarations_pending(cleared) -> Select:
    """(number, member name, filed) for committee members who have not declared on a case."""
    member = aliased(User)
    return (select(*_columns("declarations", Case.number, name=member.name,
                             at=Case.submitted_at)).select_from(Case)
            .join(member, true())
            .where(cleared, Case.status.in_([s.value for s in OPEN_STATES]),
                   exists().where(UserRole.user_id == member.id,
                                  UserRole.role.in_(sorted(COMMITTEE_ROLES))),
                   member.active.is_(True),
                   ~exists().where(CoiDeclaration.case_id == Case.id,
                                   CoiDeclaration.member_id == member.id),
                   ~exists().where(Recusal.case_id == Case.id, Recusal.member_id == member.id,
                                   Recusal.reinstated_at.is_(None)),
                   # a party to the case is never staff on it
                   or_(Case.complainant_id.is_(None), Case.complainant_id != member.id),
                   or_(Case.respondent_user_id.is_(None), Case.respondent_user_id != member.id))
            .order_by(Case.submitted_at, member.name).limit(LIMIT))


def _deadlines(section: str, cleared, served_by=None) -> Select:
    query = (select(*_columns(section, Case.number, what=Deadline.kind, due_on=Deadline.due_on))
             .select_from(Deadline).join(Case, Deadline.case_id == Case.id)
             .where(Deadline.status == "open"))
    if served_by is not None:
        query = query.where(cleared, exists().where(Assignment.case_id == Case.id,
                                                    Assignment.member_id == served_by.id))
    else:  # every open deadline, soonest first: the cleared cases as a set is cheaper here
        query = query.where(Deadline.case_id.in_(select(Case.id).where(cleared).correlate(None)))
    return query.order_by(Deadline.due_on, Deadline.id).limit(LIMIT)


def _hearings(section: str, cleared, member=None) -> Select:
    query = (select(*_columns(section, Case.number, what=Hearing.place, at=Hearing.starts_at))
             .select_from(Hearing).join(Case, Hearing.case_id == Case.id)
             .where(cleared, Hearing.status == "scheduled",
                    Hearing.starts_at >= clock.now()))
    if member is not None:
        query = query.where(exists().where(
            Assignment.case_id == Case.id, Assignment.member_id == member.id,
            Assignment.capacity == Capacity.HEARING_PANEL))
    return query.order_by(Hearing.starts_at).limit(LIMIT)


def _documents(cleared) -> Select:
    wanted = or_(*(and_(Case.status == status, ~exists().where(
        Document.case_id == Case.id, Document.kind == kind, Document.status == "issued"))
        for status, kind, _title in DOCUMENTS_DUE))
    title = case(*((Case.status == status, title) for status, _kind, title in DOCUMENTS_DUE))
    return (select(*_columns("documents", Case.number, what=title, at=Case.submitted_at))
            # the states named first, so the status index narrows the walk
            .where(Case.status.in_([status for status, _kind, _title in DOCUMENTS_DUE]),
                   cleared, wanted).order_by(Case.submitted_at).limit(LIMIT))


def _awaiting_mine(user) -> Select:
    return (awaiting_cases(user).with_only_columns(
        *_columns("my_declarations", Case.number, at=Case.submitted_at))
        .order_by(Case.submitted_at).limit(LIMIT))


def _run(sections: list[Select]) -> dict[str, list]:
    """Run the sections' capped queries as one statement; their rows by section."""
    rows: dict[str, list] = {}
    if sections:
        union = union_all(*(select(*query.subquery().c) for query in sections))
        for row in db.session.execute(union):
            rows.setdefault(row.section, []).append(row)
    return rows


def _deadline_items(rows) -> list[Item]:
    return [Item("deadline", f"{r.what.capitalize()} due", r.number, r.due_on,
                 WAITS_ON_DEADLINE.get(r.what, "")) for r in rows]


def _hearing_items(rows, waits_on="") -> list[Item]:
    return [Item("hearing", "Hearing" + (f", {r.what}" if r.what else ""), r.number, r.at,
                 waits_on) for r in rows]


def _vote_items(rows, mine: bool) -> list[Item]:
    return [Item("vote", f"Vote ({r.what.replace('_', ' ')})", r.number, None,
                 "you" if mine else r.name) for r in rows]


def _document_items(rows, waits_on: str) -> list[Item]:
    return [Item("document", f"Issue: {r.what}", r.number, None, waits_on) for r in rows]


def dashboards(user, committee: bool) -> tuple[list[Item], list[Item] | None]:
    """What waits on this person, and (`committee`) on anyone in the committee, on the
    cases open to the viewer, each soonest first: one statement for both."""
    # the viewer's clearance as a condition on each section's own case row (correlated
    # EXISTS through the indexes), not an IN list that reads every case the viewer has
    cleared = cleared_cases(user).whereclause
    mine = is_committee(user)
    admin = user.has_role(Role.ADMIN)
    sections = []
    if mine:
        sections += [_awaiting_mine(user),
                     _votes_pending("my_votes", lambda m: m.id == user.id, cleared),
                     _deadlines("my_deadlines", cleared, served_by=user),
                     _hearings("my_hearings", cleared, member=user)]
    if admin or committee:
        sections.append(_documents(cleared))  # the same list for the person and the committee
    if committee:
        sections += [_declarations_pending(cleared),
                     _votes_pending("votes", lambda m: true(), cleared),
                     _deadlines("deadlines", cleared), _hearings("hearings", cleared)]
    rows = _run(sections)

    person: list[Item] = []
    if mine:
        person += [Item("declaration", "Declare any conflict of interest", r.number, None, "you")
                   for r in rows.get("my_declarations", [])]
        person += _vote_items(rows.get("my_votes", []), mine=True)
        person += _deadline_items(rows.get("my_deadlines", []))
        person += _hearing_items(rows.get("my_hearings", []), "you (on the panel)")
    if admin:
        person += _document_items(rows.get("documents", []), "you (administrators)")
    if not committee:
        return sorted(person, key=lambda i: i.sort_key), None
    everyone = [Item("declaration", "Declare any conflict of interest", r.number, None, r.name)
                for r in rows.get("declarations", [])]
    everyone += _vote_items(rows.get("votes", []), mine=False)
    everyone += _deadline_items(rows.get("deadlines", []))
    everyone += _hearing_items(rows.get("hearings", []), "the hearing panel")
    everyone += _document_items(rows.get("documents", []), "the administrators")
    return (sorted(person, key=lambda i: i.sort_key),
            sorted(everyone, key=lambda i: i.sort_key))


def for_person(user) -> list[Item]:
    """What waits on this person, soonest first."""
    return dashboards(user, committee=False)[0]


def for_committee(user) -> list[Item]:
    """What waits on anyone in the committee, on the cases open to the viewer, soonest first."""
    return dashboards(user, committee=True)[1]
