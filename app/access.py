"""Facts about a person's place in a case, and the queries that list cases.

The policy module asks these questions; lists, counts and searches go through
`visible_cases()` / `staff_cases()`, so nothing reaches a page that the policy would
refuse.

Committee members (the member and chair roles) are gated per case (S7): until they
declare a conflict of interest or none, they are "awaiting declaration" and see only
the case's number and the declaration form; once recused, the case does not exist for
them. An administrator who is not a committee member is staff of the body and is not
gated.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from flask import has_app_context
from sqlalchemy import Select, and_, bindparam, event, exists, false, or_, select, true, union
from sqlalchemy.orm import Session, joinedload, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts.models import Role, User, UserRole
from app.cases.models import Case
from app.coi.models import CoiDeclaration, Recusal
from app.extensions import db, request_cache
from app.proceedings.models import Assignment, Capacity, Decision, DocumentRequest, Vote
from app.representatives.models import Representative

STAFF_ROLES = {Role.ADMIN.value, Role.CHAIR.value, Role.MEMBER.value}
INTAKE_ROLES = {Role.ADMIN.value, Role.CHAIR.value}
COMMITTEE_ROLES = {Role.CHAIR.value, Role.MEMBER.value}


def is_complainant(user, case: Case) -> bool:
    return case.complainant_id is not None and case.complainant_id == user.id


def is_respondent(user, case: Case) -> bool:
    if case.respondent_user_id is not None and case.respondent_user_id == user.id:
        return True
    return (case.respondent_certificant_id is not None
            and user.certificant_id == case.respondent_certificant_id)


def is_party(user, case: Case) -> bool:
    return is_complainant(user, case) or is_respondent(user, case)


def own_party_role(user, case: Case) -> str | None:
    """The party a person is in a case themselves, once the case is theirs to follow.

    The respondent counts from service (or, for a self-report, from filing).
    """
    if is_complainant(user, case):
        return "complainant"
    if is_respondent(user, case) and _follows(case, "respondent"):
        return "respondent"
    return None


def _follows(case: Case, role: str) -> bool:
    """Whether the party in this role follows the case yet (the respondent: from service)."""
    if role == "respondent":
        return case.served_at is not None or case.kind == "self_report"
    return case.complainant_id is not None


def party_role(user, case: Case) -> str | None:
    """The party whose view of the case a person has: their own, or, for an active
    representative, the party they act for (who then sees exactly what that party sees)."""
    if is_party(user, case):
        return own_party_role(user, case)
    return represented_role(user, case)


# --- representatives: a party's counsel or another person acting for them ----------------

def representatives_of(case: Case) -> list[Representative]:
    """Every representative named on the case, active or revoked (loaded with the case)."""
    return list(case.representatives) if case.id is not None else []


def named_representative(case: Case, role: str) -> Representative | None:
    """The party's representative named and not revoked, acting or waiting for the office's
    confirmation (at most one per party)."""
    return next((r for r in representatives_of(case)
                 if r.party_role == role and r.revoked_at is None), None)


def active_representative(case: Case, role: str) -> Representative | None:
    """The party's representative now acting (confirmed, not revoked)."""
    rep = named_representative(case, role)
    return rep if rep is not None and rep.active else None


def representation(user, case: Case) -> Representative | None:
    """The active representation this person holds on the case, if any."""
    if user is None or getattr(user, "id", None) is None:
        return None
    return next((r for r in representatives_of(case)
                 if r.user_id == user.id and r.active), None)


def represented_role(user, case: Case) -> str | None:
    """The party an active representative acts for, once that party follows the case."""
    rep = representation(user, case)
    if rep is None or not _follows(case, rep.party_role):
        return None
    return rep.party_role


def was_representative(user, case: Case) -> bool:
    """Whether the person acted for a party of the case at any time (revoked included)."""
    return any(r.user_id == user.id for r in representatives_of(case))


def side_ids(case: Case, role: str) -> set[int]:
    """The accounts that file for a party: the party's own and every representative the
    party named (what one of them filed is the party's)."""
    ids = {r.user_id for r in representatives_of(case)
           if r.party_role == role and r.user_id is not None}
    own = case.complainant_id if role == "complainant" else case.respondent_user_id
    if own is not None:
        ids.add(own)
    return ids


def represented_cases(user) -> Select:
    """Select the cases where the person acts for a party (an active representation; the
    respondent's once served). One IN over the person's representations (an index on the
    representative), then the party's condition on each case found: an OR of two IN lists
    was read as a scan of every case."""
    def active(*where):
        return select(Representative.case_id).where(
            Representative.user_id == user.id, Representative.revoked_at.is_(None),
            Representative.confirmed_at.is_not(None), *where)
    for_complainant = active(Representative.party_role == "complainant")
    return select(Case).where(Case.status != "draft", Case.id.in_(active()), or_(
        Case.served_at.is_not(None), Case.kind == "self_report", Case.id.in_(for_complainant)))


def is_committee(user) -> bool:
    """Whether the person sits on the committee (and so must declare per case)."""
    return bool(user.role_names & COMMITTEE_ROLES)


@dataclass(frozen=True)
class Viewer:
    """Everything the SQL of this module reads from a person: their id, registry record
    and roles. A statement built from a Viewer (rather than the account) depends on nothing
    else of the person, so it can be built once and kept under the Viewer as its key
    (the homes' statements: app/office/due.py, app/main/views.py); whether a case is open
    to them (declarations, recusals, representation) is read by the statement when it
    runs."""
    id: int
    certificant_id: int | None
    role_names: frozenset[str]

    def has_role(self, role) -> bool:
        return str(role) in self.role_names


def viewer(user) -> Viewer:
    return Viewer(user.id, user.certificant_id, frozenset(user.role_names))


# --- facts asked many times per page, remembered for the request ---------------------
#
# One case page asks a member's standing a dozen times and the latest decision several
# times. The answers are kept for the request (or CLI command) and forgotten at every
# flush, so a declaration, recusal or decision written in the same unit of work is seen.

def remembered(key: tuple, compute):
    """The answer to a question about a case, computed once per request (or command).

    Forgotten at every flush and rollback; not kept while the session holds unflushed
    changes (the query then runs, and its autoflush writes them first).
    """
    if not has_app_context():
        return compute()
    session = db.session
    if session.new or session.dirty or session.deleted:
        return compute()
    memo = request_cache().setdefault("case_facts", {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


# Rows that only record what happened (the audit trail, mail, the disclosure log): no
# remembered fact depends on them, so writing them (every page view does) forgets nothing.
RECORD_TABLES = frozenset({"audit_entries", "outbox_messages", "disclosures",
                           "evidence_accesses"})


@event.listens_for(Session, "after_flush")
def _forget_after_flush(session, flush_context):
    # still the pre-flush lists here: what this flush wrote
    if any(getattr(obj, "__tablename__", None) not in RECORD_TABLES
           for obj in (*session.new, *session.dirty, *session.deleted)):
        _forget_case_facts()


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session, previous_transaction):
    _forget_case_facts()


def forget(key: tuple) -> None:
    """Forget one remembered fact (written in a table whose writes forget nothing)."""
    if has_app_context():
        request_cache().get("case_facts", {}).pop(key, None)


def _forget_case_facts() -> None:
    if has_app_context():
        request_cache().pop("case_facts", None)


def _standing(user, case: Case) -> tuple[bool, bool]:
    """(declared, recused) for a committee member on a case, in one query per request."""
    if case.id is None:
        return False, False

    def ask() -> tuple[bool, bool]:
        declared = exists().where(CoiDeclaration.case_id == case.id,
                                  CoiDeclaration.member_id == user.id)
        recused = exists().where(Recusal.case_id == case.id, Recusal.member_id == user.id,
                                 Recusal.reinstated_at.is_(None))
        row = db.session.execute(select(declared.label("d"), recused.label("r"))).one()
        return bool(row.d), bool(row.r)

    return remembered(("standing", user.id, case.id), ask)


def standing_columns(member_id) -> tuple:
    """SQL columns (declared, recused) of a committee member (an id, or a parameter) on the
    case being selected: asked with the case's own row (`policy.load_case`) instead of a
    statement of their own."""
    return _declared_by(member_id).label("declared"), _recused_by(member_id).label("recused")


def note_standing(user, case: Case, declared: bool, recused: bool) -> None:
    """Remember for the request a member's standing read with the case's row."""
    remembered(("standing", user.id, case.id), lambda: (bool(declared), bool(recused)))


def _could_serve(user, case: Case) -> bool:
    """Staff, on a submitted case, not a party nor anyone who has acted for one (an
    administrator who was counsel in a case never reads it as staff): before any question
    of conflicts."""
    return (bool(user.role_names & STAFF_ROLES) and case.status != "draft"
            and not is_party(user, case) and not was_representative(user, case))


def is_recused(user, case: Case) -> bool:
    """Whether a committee member is recused from the case (it does not exist for them)."""
    return is_committee(user) and _standing(user, case)[1]


def has_declared(user, case: Case) -> bool:
    return _standing(user, case)[0]


def awaiting_declaration(user, case: Case) -> bool:
    """A committee member who could serve on the case but has not declared yet."""
    if not is_committee(user) or not _could_serve(user, case):
        return False
    declared, recused = _standing(user, case)
    return not declared and not recused


def is_staff_on(user, case: Case) -> bool:
    """Staff on a submitted case, not a party; a committee member declared and not recused."""
    if not _could_serve(user, case):
        return False
    if not is_committee(user):
        return True
    declared, recused = _standing(user, case)
    return declared and not recused


def can_run_intake(user, case: Case) -> bool:
    return bool(user.role_names & INTAKE_ROLES) and is_staff_on(user, case)


def _is_party(user):
    """SQL for "the person is a party" that is never NULL (so NOT works)."""
    def same(column, value):
        return column.is_not(None) & (column == value)

    party = [same(Case.complainant_id, user.id), same(Case.respondent_user_id, user.id)]
    if user.certificant_id is not None:
        party.append(same(Case.respondent_certificant_id, user.certificant_id))
    return or_(*party)


def _represented(user):
    """SQL: the person acts or has acted for a party of the case (EXISTS, never NULL)."""
    return exists().where(Representative.case_id == Case.id, Representative.user_id == user.id)


def _declared_by(member_id):
    """SQL: the member has declared on the case (EXISTS, never NULL)."""
    return exists().where(CoiDeclaration.case_id == Case.id,
                          CoiDeclaration.member_id == member_id)


def _recused_by(member_id):
    """SQL: the member has an open recusal on the case (EXISTS, never NULL)."""
    return exists().where(Recusal.case_id == Case.id, Recusal.member_id == member_id,
                          Recusal.reinstated_at.is_(None))


def _declared(user):
    return _declared_by(user.id)


def _recused(user):
    return _recused_by(user.id)


def _as_staff(user):
    """SQL: the case is the person's as staff, cleared or awaiting declaration; never recused."""
    if not user.role_names & STAFF_ROLES:
        return false()
    # (a case leaves draft only through `submit`, which stamps submitted_at, and the
    # database holds it, ck_cases_submitted: the second condition says it again so that
    # the lists, newest first through the submitted_at index, do not read past every
    # draft, whose NULLs a descending scan meets first)
    staff = ((Case.status != "draft") & Case.submitted_at.is_not(None)
             & ~_is_party(user) & ~_represented(user))
    return staff & ~_recused(user) if is_committee(user) else staff


def declared_on(user):
    """SQL: the case's details are open to the person as staff (declared, for a committee
    member; always, for staff who are not on the committee). Never NULL."""
    return _declared(user) if is_committee(user) else true()


def _cleared(user):
    return _as_staff(user) & (_declared(user) if is_committee(user) else true())


def _awaiting(user):
    return _as_staff(user) & ~_declared(user) if is_committee(user) else false()


def party_cases(user) -> Select:
    """Select the cases in which a person is complainant or respondent."""
    return select(Case).where(_is_party(user))


def respondent_cases(user) -> Select:
    """Select the cases a person follows as respondent: served on them, or self-reported."""
    mine = Case.respondent_user_id == user.id
    if user.certificant_id is not None:
        mine = or_(mine, Case.respondent_certificant_id == user.certificant_id)
    return select(Case).where(mine, Case.status != "draft",
                              or_(Case.served_at.is_not(None), Case.kind == "self_report"))


def staff_cases(user) -> Select:
    """Select the cases a person has as committee or staff (never as a party, never recused).

    Includes the cases a committee member has still to declare on: pages that list
    them show only the number (see `awaiting_cases`); anything that filters, counts
    by status or shows content uses `cleared_cases`.
    """
    return select(Case).where(_as_staff(user))


def cleared_cases(user) -> Select:
    """Select the staff cases whose details are open to the person (declared, not recused)."""
    return _cleared_select(viewer(user))


def awaiting_cases(user) -> Select:
    """Select the cases on which a committee member must declare before anything opens."""
    return _awaiting_select(viewer(user))


# Built once per person (their Viewer: id, registry record, roles) and kept: a Select is
# never changed in place, so every caller's filters, columns and order make a new one from
# it. Building the conditions took ~1 ms of Python a case list (twice for a committee
# member's: the list and the cases awaiting their declaration).

@lru_cache(maxsize=64)
def _cleared_select(person: Viewer) -> Select:
    return select(Case).where(_cleared(person))


@lru_cache(maxsize=64)
def _awaiting_select(person: Viewer) -> Select:
    return select(Case).where(_awaiting(person))


def visible_cases(user) -> Select:
    """Select every case a person may see, in any capacity (recused cases never)."""
    return select(Case).where(or_(_is_party(user), _as_staff(user)))


# --- committee members and the capacities they serve in --------------------------------

def committee_members(*, active_only: bool = True) -> list[User]:
    """Everyone holding the member or chair role, by name."""
    query = (select(User).join(UserRole)
             .where(UserRole.role.in_(sorted(COMMITTEE_ROLES))))
    if active_only:
        query = query.where(User.active.is_(True))
    return list(db.session.execute(query.order_by(User.name, User.id)).scalars().unique())


@dataclass(frozen=True)
class Standing:
    """A committee member (active or not) and their standing on one case."""

    member: User
    declared: bool
    recused: bool


def committee_on(case: Case) -> list[Standing]:
    """Everyone holding the member or chair role, by name, each with whether they declared
    on the case and are recused from it: one statement, read once a request (voters,
    eligibility and witnesses are asked many times by one page)."""
    def ask() -> list[Standing]:
        declared = exists().where(CoiDeclaration.case_id == case.id,
                                  CoiDeclaration.member_id == User.id)
        recused = exists().where(Recusal.case_id == case.id, Recusal.member_id == User.id,
                                 Recusal.reinstated_at.is_(None))
        committee = select(UserRole.user_id).where(UserRole.role.in_(sorted(COMMITTEE_ROLES)))
        rows = db.session.execute(
            select(User, declared.label("d"), recused.label("r"))
            # (their roles are not what a case asks of them: not loaded with them)
            .options(lazyload(User.roles))
            .where(User.id.in_(committee)).order_by(User.name, User.id)).all()
        return [Standing(u, bool(d), bool(r)) for u, d, r in rows]
    return remembered(("committee_on", case.id), ask)


@lru_cache(maxsize=2)
def _people_statement(with_votes: bool) -> Select:
    """`read_people`'s statement, with a round's votes or without; the case, stage and
    round are parameters (`case_id`, `stage`, `round_no`). Built once per process."""
    case_id = bindparam("case_id")
    committee = select(UserRole.user_id).where(UserRole.role.in_(sorted(COMMITTEE_ROLES)))
    assigned = select(Assignment.member_id).where(Assignment.case_id == case_id)
    declared = exists().where(CoiDeclaration.case_id == case_id,
                              CoiDeclaration.member_id == User.id)
    recused = exists().where(Recusal.case_id == case_id, Recusal.member_id == User.id,
                             Recusal.reinstated_at.is_(None))
    query = (select(User, User.id.in_(committee).label("on_committee"), declared.label("d"),
                    recused.label("r"), Assignment)
             .options(lazyload(User.roles))
             .outerjoin(Assignment, and_(Assignment.case_id == case_id,
                                         Assignment.member_id == User.id))
             # one IN over both sets (an OR of two INs made PostgreSQL read every account:
             # 54 ms at 100,000 cases, against a handful of primary-key reads)
             .where(User.id.in_(union(committee, assigned)))
             .order_by(User.name, User.id))
    if with_votes:
        query = query.add_columns(Vote).outerjoin(Vote, and_(
            Vote.case_id == case_id, Vote.member_id == User.id,
            Vote.stage == bindparam("stage"), Vote.round == bindparam("round_no")))
    return query


def read_people(case: Case, stage: str | None = None, round_no: int | None = None) -> None:
    """Read the people of the case in one statement and remember them for the request:
    every committee member with their standing (`committee_on`), every assignment with its
    member (`assignments`) and, given a stage and its round, that round's votes
    (`proceedings.services.votes`). A member's row repeats once per assignment and vote of
    theirs (a handful); a vote by someone neither on the committee nor assigned is not
    read, since only an eligible member's vote counts."""
    params = {"case_id": case.id}
    if stage is not None:
        params.update(stage=stage, round_no=round_no)
    standing: dict[int, Standing] = {}
    held: dict[int, Assignment] = {}
    cast: dict[int, Vote] = {}
    for user, on_committee, d, r, assignment, *vote in db.session.execute(
            _people_statement(stage is not None), params):
        if on_committee and user.id not in standing:
            standing[user.id] = Standing(user, bool(d), bool(r))
        if assignment is not None:
            set_committed_value(assignment, "member", user)
            held[assignment.id] = assignment
        if vote and vote[0] is not None:
            cast[vote[0].id] = vote[0]
    remembered(("committee_on", case.id), lambda: list(standing.values()))
    remembered(("assignments", case.id), lambda: [held[k] for k in sorted(held)])
    if stage is not None:
        remembered(("votes", case.id, stage, round_no), lambda: [cast[k] for k in sorted(cast)])


def eligible_members(case: Case) -> list[User]:
    """Committee members who may serve on the case: declared, not recused, not a party."""
    return [s.member for s in committee_on(case) if s.member.active and s.declared
            and not s.recused and not is_party(s.member, case)]


def assignments(case: Case) -> list[Assignment]:
    """Every assignment on the case (investigators, panels) with its member, in order."""
    # (the members' roles are not what a case page shows of them: not loaded with them)
    return remembered(("assignments", case.id), lambda: list(db.session.execute(
        select(Assignment).options(joinedload(Assignment.member).lazyload(User.roles))
        .where(Assignment.case_id == case.id).order_by(Assignment.id)).scalars()))


def members_in(case: Case, capacity: str) -> list[User]:
    """The members assigned to the case in a capacity (investigator, a panel), in order."""
    return [a.member for a in assignments(case) if a.capacity == capacity]


def serves_as(user, case: Case, capacity: str) -> bool:
    return any(a.member_id == user.id and a.capacity == capacity for a in assignments(case))


# The stage at which members vote, by the case's status.
STAGE_OF = {"committee_review": "review", "deliberation": "hearing", "under_appeal": "appeal"}


def witness_members(case: Case) -> list[User]:
    """Committee members named as witnesses in the case (asked for documents as one, or
    heard as one at a hearing)."""
    emails = {r.addressee_email.lower() for r in document_requests(case)
              if r.addressee_role == "witness" and r.addressee_email}
    return [s.member for s in committee_on(case) if s.member.email.lower() in emails]


def document_requests(case: Case) -> list[DocumentRequest]:
    """Every request for documents on the case (answered or not), in order, read once a
    request (the case page reads them with its deadlines: `proceedings.page`)."""
    return remembered(("document_requests", case.id), lambda: list(db.session.execute(
        select(DocumentRequest).where(DocumentRequest.case_id == case.id)
        .order_by(DocumentRequest.id)).scalars()))


def separation_reason(user, case: Case) -> str | None:
    """Why a member keeps apart from deciding the case (separation of functions), in the
    words the case page shows them; None if they do not."""
    if case.id is None:
        return None
    if serves_as(user, case, Capacity.INVESTIGATOR):
        return ("You investigated this case: you present the findings, and you do not vote "
                "at review, sit on its panels or advise the panel; the quorum is counted "
                "without you.")
    if is_complainant(user, case):
        return "You filed this case: you take no part in deciding it."
    if user.id in {u.id for u in witness_members(case)}:
        return ("You are a witness in this case: you do not vote at review or sit on its "
                "panels; the quorum is counted without you.")
    return None


def separated_ids(case: Case) -> set[int]:
    """The members who never vote on the case nor sit on its panels: its investigator, its
    filer, its witnesses."""
    ids = {u.id for u in members_in(case, Capacity.INVESTIGATOR)}
    ids |= {u.id for u in witness_members(case)}
    if case.complainant_id is not None:
        ids.add(case.complainant_id)
    return ids


def voters(case: Case, stage: str) -> list[User]:
    """Who may vote at this stage: every eligible member at review; the panel after;
    never the investigator, the filer or a witness (separation of functions)."""
    apart = separated_ids(case)
    if stage == "review":
        return [u for u in eligible_members(case) if u.id not in apart]
    capacity = Capacity.HEARING_PANEL if stage == "hearing" else Capacity.APPEAL_PANEL
    pool = {u.id for u in eligible_members(case)} - apart
    return [u for u in members_in(case, capacity) if u.id in pool]


@lru_cache(maxsize=1)
def _decisions_statement() -> Select:
    """`decisions_of`'s statement, the case a parameter (built once per process)."""
    return select(Decision).options(joinedload(Decision.sanctions),
                                    joinedload(Decision.findings)) \
        .where(Decision.case_id == bindparam("case_id")).order_by(Decision.id.desc())


def decisions_of(case: Case) -> list[Decision]:
    """The case's decisions, newest first, with their sanctions and findings: a case has a
    handful, each with a few of both, so one joined query, read once a request."""
    return remembered(("decisions", case.id), lambda: list(db.session.execute(
        _decisions_statement(), {"case_id": case.id}).unique().scalars()))


def latest_decision(case: Case, stage: str | None = None) -> Decision | None:
    """The case's latest decision (at a stage)."""
    return next((d for d in decisions_of(case) if stage is None or d.stage == stage), None)


def may_appeal(user, case: Case) -> bool:
    """The respondent; the complainant only against a dismissal after a hearing."""
    decision = latest_decision(case)
    if decision is None:
        return False
    role = party_role(user, case)  # (a representative appeals for the party)
    if role == "respondent" and case.served_at is not None:
        return True
    return (role == "complainant" and case.kind != "self_report" and decision.stage == "hearing"
            and decision.outcome == "no_violation")


# --- what a person reads of a case ------------------------------------------------------

# The panel deliberates (a hearing panel after the hearing, an appeal panel on appeal):
# what it writes then is its own, never the investigator's or a witness's to read.
PANEL_STATES = frozenset({"deliberation", "under_appeal"})


def kept_apart_from_panel(user, case: Case) -> bool:
    """Whether this member is kept out of the panel's deliberation (separation of functions:
    the investigator, a witness, the filer), while the panel deliberates or sits on appeal."""
    return case.status in PANEL_STATES and user.id in separated_ids(case)


def _panel_notes(case: Case) -> set[int]:
    """The internal notes written while a panel deliberated (by status at the time)."""
    status, out = "draft", set()
    for e in case.events:
        if e.to_status:
            status = e.to_status
        elif e.internal and status in PANEL_STATES:
            out.add(e.id)
    return out


def events_for(user, case: Case) -> list:
    """The timeline lines this person may read: all of them for staff on the case (but the
    notes of a panel's deliberation, for the members kept apart from it); for a party, the
    lines addressed to them (never internal notes)."""
    if is_staff_on(user, case):
        hidden = _panel_notes(case)  # (no query: the events are read anyway)
        if hidden and is_committee(user) and user.id in separated_ids(case):
            return [e for e in case.events if e.id not in hidden]
        return list(case.events)
    role = party_role(user, case)
    if role is None:
        return []
    if case.kind == "self_report":  # the certificant filed it: what a filer is told too
        return [e for e in case.events if (e.to_complainant or e.to_respondent)
                and not e.internal]
    flag = "to_complainant" if role == "complainant" else "to_respondent"
    return [e for e in case.events if getattr(e, flag) and not e.internal]


def evidence_for(user, case: Case) -> list:
    """The evidence files this person may open: every file for staff on the case; a
    party's own uploads, and for the respondent what was disclosed to them."""
    if is_staff_on(user, case):
        return list(case.evidence)
    role = party_role(user, case)
    if role is None:
        return []
    side = side_ids(case, role)  # the party's files, their representatives' included
    return [e for e in case.evidence
            if (e.uploaded_by_id in side and own_file(user, case, e))
            or (role == "respondent" and e.disclosed_to_respondent)]


def own_file(user, case: Case, evidence) -> bool:
    """Of the files the party's side filed, those this reader has: what was filed in the
    case (the complaint, the answer, requests) whoever of the side filed it; a file sent in
    a message thread only to whoever sent it, since each thread is its owner's alone (the
    party does not read their representative's thread, nor the representative the
    party's)."""
    return evidence.context != "message" or evidence.uploaded_by_id == user.id


# --- case messages: whose thread is whose --------------------------------------------

@dataclass(frozen=True)
class ThreadRef:
    """A party's thread on a case, named by its key ("complainant", "respondent",
    "witness-<link id>", "representative-<user id>"), whether or not it has a message."""

    case: Case
    key: str


def thread_key(user, case: Case) -> str | None:
    """The key of the one thread a person has on a case as a party (None: no thread).

    A party's thread with the office is theirs alone: their representative has a thread of
    their own ("representative-<user id>") while they act, and does not read the party's.
    """
    own = own_party_role(user, case)
    if own is not None or is_party(user, case):
        return own
    return f"representative-{user.id}" if represented_role(user, case) else None


def may_read_thread(user, ref: ThreadRef) -> bool:
    """Staff cleared on the case read every thread; a party only their own."""
    if ref.case.status == "draft":
        return False
    return is_staff_on(user, ref.case) or thread_key(user, ref.case) == ref.key
