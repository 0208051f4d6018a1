"""Declarations, objections, recusals and reinstatements (S7).

Services flush and never commit; each writes an audit entry and queues its mail.
Who may call which is the policy's (`coi.*`); what must be true at the time
(the objection window, standing objections) is decided here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload

from app import access, clock
from app.access import committee_members as committee_members
from app.access import eligible_members as eligible_members
from app.accounts.models import User
from app.audit.services import record
from app.cases import notices
from app.cases import services as case_services
from app.cases.models import OPEN_STATES, Case, CaseKind, Deadline
from app.coi.models import (
    CoiDeclaration,
    CoiObjection,
    DeclarationKind,
    PartyRole,
    Recusal,
    RecusalCause,
    Relationship,
)
from app.extensions import db
from app.locks import lock_row
from app.proceedings.models import Assignment


class CoiError(Exception):
    """A conflict-of-interest rule was not met; the message is for the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def objection_days() -> int:
    return int(current_app.config["COI_OBJECTION_DAYS"])


# --- reading ---------------------------------------------------------------------

def declaration_of(member, case: Case) -> CoiDeclaration | None:
    return db.session.execute(
        select(CoiDeclaration).where(CoiDeclaration.case_id == case.id,
                                     CoiDeclaration.member_id == member.id)
    ).scalar_one_or_none()


def declarations(case: Case) -> list[CoiDeclaration]:
    return list(db.session.execute(
        select(CoiDeclaration).where(CoiDeclaration.case_id == case.id)
        .order_by(CoiDeclaration.declared_at, CoiDeclaration.id)).scalars())


def recusals(case: Case) -> list[Recusal]:
    return list(db.session.execute(
        select(Recusal).where(Recusal.case_id == case.id).order_by(Recusal.at, Recusal.id)
    ).scalars())


def open_recusal(member_id: int, case: Case) -> Recusal | None:
    return db.session.execute(
        select(Recusal).where(Recusal.case_id == case.id, Recusal.member_id == member_id,
                              Recusal.reinstated_at.is_(None)).order_by(Recusal.id).limit(1)
    ).scalar_one_or_none()


def objection_deadline(declaration: CoiDeclaration, role: str) -> date | None:
    """The last day a party may object to a disclosure (None: not yet shown to them).

    The window runs from when the party could first read the disclosure: the
    declaration, or the party's own first sight of the case (the respondent's
    service), whichever is later; a last day on a weekend moves to the Monday.
    """
    case = declaration.case
    if role == PartyRole.COMPLAINANT:
        seen = case.submitted_at
    else:
        seen = case.served_at or (case.submitted_at if case.kind == CaseKind.SELF_REPORT else None)
    if seen is None:
        return None
    start = max(declaration.declared_at, seen)
    # a member appointed to a panel in place of another: the parties learn of it then
    appointed = db.session.execute(select(Assignment.assigned_at).where(
        Assignment.case_id == case.id, Assignment.member_id == declaration.member_id,
        Assignment.replaces_id.is_not(None)).order_by(Assignment.assigned_at.desc()).limit(1)
    ).scalar()
    if appointed is not None:
        start = max(start, appointed)
    return clock.due_after(objection_days(), start.date())


@dataclass
class PartyDisclosure:
    """A disclosure as one party sees it: the deadline and their own objections."""

    declaration: CoiDeclaration
    deadline: date | None
    window_open: bool
    mine: list[CoiObjection] = field(default_factory=list)
    member_recused: bool = False

    @property
    def standing(self) -> CoiObjection | None:
        return next((o for o in self.mine if o.withdrawn_at is None), None)


def disclosures_for_party(case: Case, user) -> list[PartyDisclosure]:
    """The disclosures a party reads on their case page (none before they follow the case)."""
    role = access.party_role(user, case)
    if role is None:
        return []
    out = []
    # one statement: the disclosures with their member and objections (joined: a case has
    # a few), and whether the member is recused (an EXISTS column)
    recused = exists().where(Recusal.case_id == case.id,
                             Recusal.member_id == CoiDeclaration.member_id,
                             Recusal.reinstated_at.is_(None))
    rows = db.session.execute(
        select(CoiDeclaration, recused.label("recused"))
        .options(joinedload(CoiDeclaration.member).lazyload(User.roles),
                 joinedload(CoiDeclaration.objections))
        .where(CoiDeclaration.case_id == case.id,
               CoiDeclaration.kind == DeclarationKind.DISCLOSURE)
        .order_by(CoiDeclaration.declared_at, CoiDeclaration.id)).unique().all()
    for declaration, member_recused in rows:
        deadline = objection_deadline(declaration, role)
        out.append(PartyDisclosure(
            declaration=declaration, deadline=deadline,
            window_open=deadline is not None and clock.today() <= deadline,
            # the party's side: their own objection or their representative's
            mine=[o for o in declaration.objections if o.party_role == role],
            member_recused=bool(member_recused)))
    return out


@dataclass
class PanelRow:
    """One committee member on a case, for the chair."""

    member: User
    declaration: CoiDeclaration | None
    recusals: list[Recusal]
    party: bool
    eligible: bool

    @property
    def open_recusal(self) -> Recusal | None:
        return next((r for r in self.recusals if r.is_open), None)


def panel(case: Case) -> list[PanelRow]:
    """Every committee member with their declaration, objections, recusals and eligibility."""
    by_member = {d.member_id: d for d in declarations(case)}
    recusals_by: dict[int, list[Recusal]] = {}
    for r in recusals(case):
        recusals_by.setdefault(r.member_id, []).append(r)
    members = {u.id: u for u in committee_members()}
    # a member who has left the committee since still shows if they took part
    for member_id in (set(by_member) | set(recusals_by)) - set(members):
        members[member_id] = db.session.get(User, member_id)
    rows = []
    for member in sorted(members.values(), key=lambda u: (u.name, u.id)):
        declaration = by_member.get(member.id)
        mine = recusals_by.get(member.id, [])
        party = access.is_party(member, case)
        rows.append(PanelRow(
            member=member, declaration=declaration, recusals=mine, party=party,
            eligible=(declaration is not None and not party and member.active
                      and access.is_committee(member) and not any(r.is_open for r in mine))))
    return rows


# --- declaring ----------------------------------------------------------------------

def declare(case: Case, member, kind: str, relation: str | None = None,
            text: str = "") -> CoiDeclaration:
    """Record a member's declaration; a disclosure is shown to the parties, who may object."""
    lock_row(Case, case.id)  # the form sent twice at once: the second finds the first
    if declaration_of(member, case) is not None:
        raise CoiError("You have already declared on this case.")
    if kind not in {k.value for k in DeclarationKind}:
        raise CoiError("Choose one of the two declarations.", "kind")
    text = (text or "").strip()
    if kind == DeclarationKind.DISCLOSURE:
        if relation not in {r.value for r in Relationship}:
            raise CoiError("Choose the relationship you disclose.", "relation")
        if not text:
            raise CoiError("Describe the relationship: the parties read it.", "text")
    else:
        relation, text = None, ""
    declaration = CoiDeclaration(case_id=case.id, member_id=member.id, kind=kind,
                                 relation=relation, text=text, declared_at=clock.now())
    db.session.add(declaration)
    db.session.flush()
    declaration.case = case
    record("coi.declared", actor=member, target=case, number=case.number, kind=kind,
           relationship=relation, declaration_id=declaration.id)
    if declaration.is_disclosure:
        for role in (PartyRole.COMPLAINANT, PartyRole.RESPONDENT):
            deadline = objection_deadline(declaration, role)
            if deadline is not None:
                notices.coi_disclosure(case, declaration, role, deadline)
                open_objection_window(case, role, deadline)
    return declaration


def open_objection_window(case: Case, role: str, due: date) -> None:
    """A party's window to object to a disclosure is a clock: reminded, and swept when it
    ends (deadline kind objection_<role>)."""
    db.session.add(Deadline(case=case, kind=f"objection_{role}", due_on=due, original_due_on=due,
                            status="open", set_at=clock.now(), reminders_sent=[]))


def tell_served_respondent(case: Case) -> None:
    """On service, tell the respondent of the disclosures they may now object to."""
    for declaration in declarations(case):
        if declaration.is_disclosure and open_recusal(declaration.member_id, case) is None:
            deadline = objection_deadline(declaration, PartyRole.RESPONDENT)
            if deadline is not None:
                notices.coi_disclosure(case, declaration, PartyRole.RESPONDENT, deadline)
                open_objection_window(case, PartyRole.RESPONDENT, deadline)


# --- recusal ----------------------------------------------------------------------

def _recuse(case: Case, member, cause: str, reason: str, *, by=None,
            objection: CoiObjection | None = None) -> Recusal:
    recusal = Recusal(case_id=case.id, member_id=member.id, cause=cause, reason=reason,
                      objection_id=objection.id if objection else None, at=clock.now(),
                      by_id=getattr(by, "id", None))
    db.session.add(recusal)
    db.session.flush()
    record("coi.recused", actor=by, target=case, number=case.number, member_id=member.id,
           member=member.email, cause=cause, recusal_id=recusal.id,
           objection_id=recusal.objection_id)
    return recusal


def recuse_self(case: Case, member, reason: str) -> Recusal:
    """A member withdraws from a case, at any time, with a reason. It cannot be undone."""
    reason = (reason or "").strip()
    if not reason:
        raise CoiError("Give the reason you withdraw from the case.", "reason")
    if open_recusal(member.id, case) is not None:
        raise CoiError("You are already recused from this case.")
    recusal = _recuse(case, member, RecusalCause.SELF, reason, by=member)
    notices.coi_member_withdrew(case, member)
    return recusal


def link_respondent_account(user) -> int:
    """Give a newly verified account the cases served at its address; recuse it where it sits
    on the committee. Return how many cases were linked."""
    cases = case_services.link_respondent_cases(user)
    for case in cases:
        recuse_party_members(case)
    return len(cases)


def recuse_new_member(user) -> int:
    """An account just given a committee role: recuse it at once from every open case it is
    a party to (or filed), as if it had sat on the committee when the case began. Return
    how many recusals were made."""
    if not access.is_committee(user):
        return 0
    made = 0
    running = sorted(OPEN_STATES | {"draft", "final"})
    for query in (access.party_cases(user), access.represented_cases(user)):
        for case in db.session.execute(query.where(Case.status.in_(running))).scalars():
            made += len(recuse_party_members(case))
    return made


def recuse_party_members(case: Case) -> list[Recusal]:
    """Recuse every committee member who is a party to the case, filed it, or represents a
    party in it (the system: each is named in the case)."""
    out = []
    for member in committee_members(active_only=False):
        representation = access.representation(member, case)
        party = access.is_party(member, case)
        if (party or representation is not None) and open_recusal(member.id, case) is None:
            filed = (access.is_complainant(member, case)
                     or (case.kind == CaseKind.SELF_REPORT and access.is_respondent(member, case)))
            reason = ("Filed the case." if filed else "Party to the case (the respondent)."
                      if party else f"Represents {representation.party_title} in the case.")
            out.append(_recuse(case, member, RecusalCause.PARTY, reason))
    return out


# --- objections ------------------------------------------------------------------

def object_to(declaration: CoiDeclaration, user, text: str = "") -> CoiObjection:
    """A party objects to a disclosure within the window; the member is recused at once."""
    case = declaration.case
    role = access.party_role(user, case)
    if role is None or not declaration.is_disclosure:
        raise CoiError("Only the parties may object to a member's disclosure.")
    if any(o.party_role == role and o.withdrawn_at is None for o in declaration.objections):
        raise CoiError("You have already objected to this disclosure; your objection stands.")
    deadline = objection_deadline(declaration, role)
    if deadline is None or clock.today() > deadline:
        raise CoiError(
            f"The time to object to this disclosure ended on {deadline.isoformat()} "
            f"({objection_days()} days after it was shown to you). Your objection was not "
            "recorded. If something new has come to light, write to the chair."
            if deadline else "This disclosure is not open to your objection yet.", "text")
    objection = CoiObjection(declaration=declaration, party_role=role, user_id=user.id,
                             text=(text or "").strip(), at=clock.now())
    db.session.add(objection)
    db.session.flush()
    record("coi.objected", actor=user, target=case, number=case.number,
           declaration_id=declaration.id, member_id=declaration.member_id,
           party_role=role, objection_id=objection.id)
    member = declaration.member
    if open_recusal(member.id, case) is None:
        _recuse(case, member, RecusalCause.OBJECTION,
                f"{PartyRole(role).title} objected to the disclosure.", objection=objection)
        notices.coi_recused_after_objection(case, member, role)
    return objection


def withdraw_objection(objection: CoiObjection, user, reason: str = "") -> CoiObjection:
    """The objector withdraws their objection (recorded); the chair may then reinstate."""
    if objection.withdrawn_at is not None:
        raise CoiError("This objection was already withdrawn.")
    objection.withdrawn_at = clock.now()
    objection.withdrawn_reason = (reason or "").strip()
    db.session.flush()
    declaration = objection.declaration
    case = declaration.case
    record("coi.objection_withdrawn", actor=user, target=case, number=case.number,
           objection_id=objection.id, declaration_id=declaration.id,
           member_id=declaration.member_id)
    notices.coi_objection_withdrawn(case, declaration.member,
                                    everything_withdrawn=not declaration.standing_objections)
    return objection


def reinstate(recusal: Recusal, actor, reason: str) -> Recusal:
    """Lift a recusal that followed an objection, once every objection is withdrawn."""
    reason = (reason or "").strip()
    if not recusal.is_open:
        raise CoiError("This member was already reinstated.")
    if recusal.cause != RecusalCause.OBJECTION:
        raise CoiError("Only a recusal that followed an objection can be lifted: a member "
                       "who withdrew, or who is a party, stays recused.")
    case = db.session.get(Case, recusal.case_id)
    declaration = declaration_of(recusal.member, case)
    standing = declaration.standing_objections if declaration else []
    if standing:
        raise CoiError(
            f"{len(standing)} objection(s) to this member's disclosure still stand "
            f"({', '.join(o.party_title.lower() for o in standing)}). A member can be "
            "reinstated only once every objection is withdrawn.")
    if not reason:
        raise CoiError("Give the reason for the reinstatement; it is recorded.", "reason")
    recusal.reinstated_at = clock.now()
    recusal.reinstated_by_id = actor.id
    recusal.reinstatement_reason = reason
    db.session.flush()
    record("coi.reinstated", actor=actor, target=case, number=case.number,
           member_id=recusal.member_id, recusal_id=recusal.id)
    notices.coi_reinstated(case, recusal.member)
    return recusal
