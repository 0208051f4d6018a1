"""What waits on whom, kept as rows (`WaitingItem`) so the homes read it through an index.

The definitions are SQL over the rows they derive from: declarations a committee member
has still to make on an open case, votes not yet cast in the case's current round,
open deadlines, scheduled hearings, documents the case's state calls for and that are
not in force. Nothing is maintained event by event: a transaction that touches a case
(its row, its events, votes, declarations, recusals, panel, documents, deadlines,
hearings, representatives) recomputes that case's items just before it commits, and a
change to a person's roles or to whether their account is active recomputes that
person's items. Recomputing is idempotent, so a case recomputed once too often costs two
statements and nothing else. `rebuild()` recomputes everything (`flask office
rebuild-waits`, and the nightly `office.rebuild_waits` job, which logs any drift it
corrects).
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import (
    Date,
    Select,
    String,
    and_,
    case,
    cast,
    delete,
    event,
    exists,
    func,
    insert,
    inspect,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from app.access import COMMITTEE_ROLES
from app.accounts.models import User, UserRole
from app.cases.models import OPEN_STATES, Case, CaseEvent, Deadline
from app.coi.models import CoiDeclaration, Recusal
from app.documents.models import Document
from app.office.models import WaitingItem
from app.proceedings.models import Assignment, Capacity, Hearing, Vote
from app.representatives.models import Representative
from app.types import UTCDateTime

# The stage at which members vote, by status, and who votes there (None: every cleared member)
VOTING = {"committee_review": ("review", None), "deliberation": ("hearing", Capacity.HEARING_PANEL),
          "under_appeal": ("appeal", Capacity.APPEAL_PANEL)}
# The document a case in a state calls for, and its title
DOCUMENTS_DUE = (
    ("submitted", "receipt", "Receipt of complaint"),
    ("info_requested", "information_request", "Request for more information"),
    ("awaiting_response", "notice_of_complaint", "Notice of complaint"),
    ("hearing_scheduled", "notice_of_hearing", "Notice of hearing"),
    ("decided", "decision_and_order", "Decision and order"),
)
# (served_deadline, panel_hearing: a deadline or hearing again for each member who serves
# on the case, so a member's own lists are an index range like the rest)
KINDS = ("declaration", "vote", "deadline", "hearing", "document", "served_deadline",
         "panel_hearing")
COLUMNS = ("case_id", "kind", "member_id", "what", "due_on", "at")
# The tables whose rows an item derives from, by the column naming their case
TOUCHES_CASE = {Case: "id", CaseEvent: "case_id", Vote: "case_id", CoiDeclaration: "case_id",
                Recusal: "case_id", Assignment: "case_id", Document: "case_id",
                Deadline: "case_id", Hearing: "case_id", Representative: "case_id"}
_CASES, _MEMBERS = "waits_cases", "waits_members"


def _row(case_id, kind: str, *, member_id=None, what=None, due_on=None, at=None) -> list:
    def typed(value, type_):
        return cast(null(), type_) if value is None else value
    return [case_id.label("case_id"), cast(literal(kind), String).label("kind"),
            (member_id if member_id is not None else cast(null(), Case.id.type))
            .label("member_id"),
            typed(what, String).label("what"), typed(due_on, Date).label("due_on"),
            typed(at, UTCDateTime()).label("at")]


def _members(member_ids):
    """The committee's active members (`member_ids`: only those), to cross with the cases:
    (the member, the join condition, the filter). The join goes through the few members'
    ids first, so the planner knows it crosses the cases with a handful of people."""
    member = aliased(User)
    ids = select(UserRole.user_id).where(UserRole.role.in_(sorted(COMMITTEE_ROLES)))
    if member_ids is not None:
        ids = ids.where(UserRole.user_id.in_(member_ids))
    committee = ids.distinct().subquery()
    return member, committee, member.active.is_(True)


def _round_open():
    """SQL: the case's current round of votes (see proceedings.services.current_round)."""
    arrivals = (select(func.count(CaseEvent.id)).where(
        CaseEvent.case_id == Case.id, CaseEvent.to_status == "committee_review",
        CaseEvent.from_status != "committee_review", CaseEvent.action != "continue")
        .correlate(Case).scalar_subquery())
    return case((arrivals > 1, arrivals), else_=1)


def _not_recused(member):
    return ~exists().where(Recusal.case_id == Case.id, Recusal.member_id == member.id,
                           Recusal.reinstated_at.is_(None))


def _declared(member):
    return exists().where(CoiDeclaration.case_id == Case.id, CoiDeclaration.member_id == member.id)


def _not_a_party(member):
    """SQL: the member is not a party to the case nor acting for one (as `access._as_staff`)."""
    return and_(
        or_(Case.complainant_id.is_(None), Case.complainant_id != member.id),
        or_(Case.respondent_user_id.is_(None), Case.respondent_user_id != member.id),
        or_(Case.respondent_certificant_id.is_(None), member.certificant_id.is_(None),
            Case.respondent_certificant_id != member.certificant_id),
        ~exists().where(Representative.case_id == Case.id, Representative.user_id == member.id))


def _declarations(member_ids=None) -> Select:
    """A committee member who has not declared on an open case (never a party to it, nor
    anyone acting for a party)."""
    member, committee, active = _members(member_ids)
    return (select(*_row(Case.id, "declaration", member_id=member.id, at=Case.submitted_at))
            .select_from(Case).join(committee, true())
            .join(member, member.id == committee.c.user_id)
            .where(Case.status.in_([s.value for s in OPEN_STATES]), active,
                   ~_declared(member), _not_recused(member), _not_a_party(member)))


def _votes(member_ids=None) -> Select:
    """A member who may vote on the case at its stage and has not in the current round:
    declared, not recused, not a party; on the panel where the stage has one. (Both
    definitions hold the member's own clearance on the case, so the member's home reads
    their own items without checking it again.)"""
    member, committee, active = _members(member_ids)
    stages = []
    for status, (stage, capacity) in VOTING.items():
        on_panel = (exists().where(Assignment.case_id == Case.id, Assignment.member_id == member.id,
                                   Assignment.capacity == capacity) if capacity else true())
        voted = exists().where(Vote.case_id == Case.id, Vote.member_id == member.id,
                               Vote.stage == stage, Vote.question == "outcome",
                               Vote.round >= _round_open())
        stages.append(and_(Case.status == status, on_panel, ~voted))
    return (select(*_row(Case.id, "vote", member_id=member.id, what=Case.status,
                         at=Case.submitted_at))
            .select_from(Case).join(committee, true())
            .join(member, member.id == committee.c.user_id)
            .where(Case.status.in_(list(VOTING)), active, _declared(member),
                   _not_recused(member), _not_a_party(member), or_(*stages)))


def _deadlines() -> Select:
    return (select(*_row(Case.id, "deadline", what=Deadline.kind, due_on=Deadline.due_on))
            .select_from(Deadline).join(Case, Deadline.case_id == Case.id)
            .where(Deadline.status == "open"))


def _hearings() -> Select:
    return (select(*_row(Case.id, "hearing", what=Hearing.place, at=Hearing.starts_at))
            .select_from(Hearing).join(Case, Hearing.case_id == Case.id)
            .where(Hearing.status == "scheduled"))


def _served(kind: str, member_ids, source, *, capacity=None, what, due_on=None,
            at=None) -> Select:
    """The items of `source` (deadlines, hearings) again for each member assigned to the
    case (in that capacity) who is cleared on it: declared, not recused, not a party."""
    member, committee, active = _members(member_ids)
    assigned = [Assignment.case_id == Case.id, Assignment.member_id == member.id]
    if capacity is not None:
        assigned.append(Assignment.capacity == capacity)
    return (select(*_row(Case.id, kind, member_id=member.id, what=what, due_on=due_on, at=at))
            .select_from(source).join(Case, source.case_id == Case.id)
            .join(committee, true()).join(member, member.id == committee.c.user_id)
            .where(active, exists().where(*assigned), _declared(member), _not_recused(member),
                   _not_a_party(member)))


def _served_deadlines(member_ids=None) -> Select:
    return _served("served_deadline", member_ids, Deadline, what=Deadline.kind,
                   due_on=Deadline.due_on).where(Deadline.status == "open")


def _panel_hearings(member_ids=None) -> Select:
    return _served("panel_hearing", member_ids, Hearing, capacity=Capacity.HEARING_PANEL,
                   what=Hearing.place, at=Hearing.starts_at).where(Hearing.status == "scheduled")


def _documents() -> Select:
    wanted = or_(*(and_(Case.status == status, ~exists().where(
        Document.case_id == Case.id, Document.kind == kind, Document.status == "issued"))
        for status, kind, _title in DOCUMENTS_DUE))
    title = case(*((Case.status == status, title) for status, _kind, title in DOCUMENTS_DUE))
    return (select(*_row(Case.id, "document", what=title, at=Case.submitted_at))
            .where(Case.status.in_([status for status, _kind, _title in DOCUMENTS_DUE]),
                   wanted))


def computed(case_ids: Iterable[int] | None = None,
             member_ids: Iterable[int] | None = None, *, members: bool = True,
             others: bool = True) -> Select:
    """Every item as the rows it derives from say it is now, for some cases (None: all):
    `members`, those that name a member (only these members, if given); `others`, those
    that name no member (deadlines, hearings, documents; never with `member_ids`)."""
    people = None if member_ids is None else sorted(member_ids)
    sections = [_declarations(people), _votes(people), _served_deadlines(people),
                _panel_hearings(people)] if members else []
    if others and people is None:
        sections += [_deadlines(), _hearings(), _documents()]
    if case_ids is not None:
        sections = [query.where(Case.id.in_(sorted(case_ids))) for query in sections]
    union = union_all(*sections).subquery()
    return select(*(union.c[name] for name in COLUMNS))


def _replace(session: Session, kept, now: Select, *, count: bool = False) -> int:
    """Replace the kept rows `kept` (a condition on the table) by the rows of `now`; with
    `count`, how many rows differed first (both ways)."""
    table = WaitingItem.__table__
    drift = 0
    if count:
        rows = select(*(table.c[name] for name in COLUMNS)).where(kept)
        drift = sum(session.execute(select(func.count()).select_from(
            one.except_(other).subquery())).scalar_one() for one, other in ((rows, now),
                                                                            (now, rows)))
    session.execute(delete(table).where(kept))
    session.execute(insert(table).from_select(COLUMNS, now))
    return drift


def refresh(session: Session, case_ids: Iterable[int] = (),
            member_ids: Iterable[int] = ()) -> None:
    """Recompute the items of these cases (locked first: three statements) and of these
    members (two)."""
    table = WaitingItem.__table__
    case_ids, member_ids = sorted(set(case_ids)), sorted(set(member_ids))
    if case_ids:
        # one transaction at a time recomputes a case: without the row lock, two at once
        # could each delete the rows the other had not yet written, and write theirs twice
        # (PostgreSQL; SQLite has one writer and renders no FOR UPDATE)
        session.execute(select(Case.id).where(Case.id.in_(case_ids)).with_for_update())
        _replace(session, table.c.case_id.in_(case_ids), computed(case_ids=case_ids))
    if member_ids:
        _replace(session, table.c.member_id.in_(member_ids), computed(member_ids=member_ids))


def rebuild(session: Session) -> int:
    """Recompute every item, one member at a time and then the items that name no member
    (a person crossed with every open case at once misleads the planner); how many rows
    changed (0: the kept items were right)."""
    table = WaitingItem.__table__
    people = set(session.scalars(select(UserRole.user_id).where(
        UserRole.role.in_(sorted(COMMITTEE_ROLES)))))
    people |= set(session.scalars(select(table.c.member_id).where(
        table.c.member_id.is_not(None)).distinct()))
    drift = _replace(session, table.c.member_id.is_(None), computed(members=False),
                     count=True)
    for person in sorted(people):
        drift += _replace(session, table.c.member_id == person,
                          computed(member_ids=[person]), count=True)
    return drift


# --- keeping the items: what a transaction touched, recomputed before it commits --------

def _note(session: Session) -> None:
    cases = session.info.setdefault(_CASES, set())
    members = session.info.setdefault(_MEMBERS, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        column = TOUCHES_CASE.get(type(obj))
        if column is not None:
            case_id = getattr(obj, column)
            if case_id is not None:
                cases.add(case_id)
        elif isinstance(obj, UserRole):
            members.add(obj.user_id)
        elif isinstance(obj, User) and obj.id is not None and (
                obj in session.deleted or inspect(obj).attrs.active.history.has_changes()):
            members.add(obj.id)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context) -> None:
    # still the pre-flush lists here: what this flush wrote
    _note(session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    session.flush()  # the last changes, noted by after_flush
    cases, members = session.info.pop(_CASES, None), session.info.pop(_MEMBERS, None)
    if cases or members:
        refresh(session, cases or (), members or ())


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is not None:  # a savepoint: the outer transaction still commits
        return
    session.info.pop(_CASES, None)
    session.info.pop(_MEMBERS, None)
