"""What waits on whom: the "due" dashboard of the home pages.

For a person: declarations to make, votes to cast, deadlines on the cases they serve on,
hearings they sit on, and (administrators) documents to issue. For the chair and
administrators, the same for the whole committee, each item naming who it waits on.
Every section is one query over the cases open to the viewer (`cleared_cases` /
`awaiting_cases`: never a recused case), ordered soonest first and limited, so the
page's statements do not grow with the number of cases.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, exists, func, or_, select, true
from sqlalchemy.orm import aliased

from app import clock
from app.access import COMMITTEE_ROLES, awaiting_cases, cleared_cases, is_committee
from app.accounts.models import Role, User, UserRole
from app.cases.models import OPEN_STATES, Case, CaseEvent, Deadline
from app.coi.models import CoiDeclaration, Recusal
from app.documents.models import Document
from app.extensions import db
from app.proceedings.models import Assignment, Capacity, Hearing, Vote

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


def _ids(query):
    return query.with_only_columns(Case.id).correlate(None)


def _round_open(stage: str):
    """SQL: the case's current round of votes (see proceedings.services.current_round)."""
    arrivals = (select(func.count(CaseEvent.id)).where(
        CaseEvent.case_id == Case.id, CaseEvent.to_status == "committee_review",
        CaseEvent.from_status != "committee_review", CaseEvent.action != "continue")
        .correlate(Case).scalar_subquery())
    return case((arrivals > 1, arrivals), else_=1)


def _votes_pending(user_filter, cases) -> list[tuple]:
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
    query = (select(Case.number, Case.status, member.name, Case.submitted_at)
             .select_from(Case).join(member, true())
             .where(Case.id.in_(cases), eligible, or_(*conditions), user_filter(member))
             .order_by(Case.submitted_at, member.name).limit(LIMIT))
    return db.session.execute(query).all()


def _declarations_pending(cases) -> list[tuple]:
    """(number, member name, filed) for committee members who have not declared on a case."""
    member = aliased(User)
    query = (select(Case.number, member.name, Case.submitted_at).select_from(Case)
             .join(member, true())
             .where(Case.id.in_(cases), Case.status.in_([s.value for s in OPEN_STATES]),
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
    return db.session.execute(query).all()


def _deadlines(cases, served_by=None) -> list[tuple]:
    query = (select(Case.number, Deadline.kind, Deadline.due_on).join(Case, Deadline.case_id == Case.id)
             .where(Deadline.case_id.in_(cases), Deadline.status == "open"))
    if served_by is not None:
        query = query.where(exists().where(Assignment.case_id == Case.id,
                                           Assignment.member_id == served_by.id))
    return db.session.execute(query.order_by(Deadline.due_on, Deadline.id).limit(LIMIT)).all()


def _hearings(cases, member=None) -> list[tuple]:
    query = (select(Case.number, Hearing.starts_at, Hearing.place).join(Case, Hearing.case_id == Case.id)
             .where(Hearing.case_id.in_(cases), Hearing.status == "scheduled",
                    Hearing.starts_at >= clock.now()))
    if member is not None:
        query = query.where(exists().where(
            Assignment.case_id == Case.id, Assignment.member_id == member.id,
            Assignment.capacity == Capacity.HEARING_PANEL))
    return db.session.execute(query.order_by(Hearing.starts_at).limit(LIMIT)).all()


def _documents(cases) -> list[tuple]:
    wanted = or_(*(and_(Case.status == status, ~exists().where(
        Document.case_id == Case.id, Document.kind == kind, Document.status == "issued"))
        for status, kind, _title in DOCUMENTS_DUE))
    title = case(*((Case.status == status, title) for status, _kind, title in DOCUMENTS_DUE))
    query = (select(Case.number, title, Case.submitted_at)
             .where(Case.id.in_(cases), wanted).order_by(Case.submitted_at).limit(LIMIT))
    return db.session.execute(query).all()


def _deadline_items(rows) -> list[Item]:
    return [Item("deadline", f"{kind.capitalize()} due", number, due,
                 WAITS_ON_DEADLINE.get(kind, "")) for number, kind, due in rows]


def _hearing_items(rows, waits_on="") -> list[Item]:
    return [Item("hearing", "Hearing" + (f", {place}" if place else ""), number, starts, waits_on)
            for number, starts, place in rows]


def for_person(user) -> list[Item]:
    """What waits on this person, soonest first."""
    cleared = _ids(cleared_cases(user))
    items: list[Item] = []
    if is_committee(user):
        awaiting = db.session.execute(awaiting_cases(user).with_only_columns(
            Case.number, Case.submitted_at).order_by(Case.submitted_at).limit(LIMIT)).all()
        items += [Item("declaration", "Declare any conflict of interest", number, None, "you")
                  for number, _filed in awaiting]
        items += [Item("vote", f"Vote ({status.replace('_', ' ')})", number, None, "you")
                  for number, status, _name, _filed in
                  _votes_pending(lambda m: m.id == user.id, cleared)]
        items += _deadline_items(_deadlines(cleared, served_by=user))
        items += _hearing_items(_hearings(cleared, member=user), "you (on the panel)")
    if user.has_role(Role.ADMIN):
        items += [Item("document", f"Issue: {title}", number, None, "you (administrators)")
                  for number, title, _filed in _documents(cleared)]
    return sorted(items, key=lambda i: i.sort_key)


def for_committee(user) -> list[Item]:
    """What waits on anyone in the committee, on the cases open to the viewer, soonest first."""
    cleared = _ids(cleared_cases(user))
    items = [Item("declaration", "Declare any conflict of interest", number, None, name)
             for number, name, _filed in _declarations_pending(cleared)]
    items += [Item("vote", f"Vote ({status.replace('_', ' ')})", number, None, name)
              for number, status, name, _filed in _votes_pending(lambda m: true(), cleared)]
    items += _deadline_items(_deadlines(cleared))
    items += _hearing_items(_hearings(cleared), "the hearing panel")
    items += [Item("document", f"Issue: {title}", number, None, "the administrators")
              for number, title, _filed in _documents(cleared)]
    return sorted(items, key=lambda i: i.sort_key)
