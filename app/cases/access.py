"""Facts about a person's place in a case, and the one query that lists cases.

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

from sqlalchemy import Select, exists, false, or_, select, true

from app.accounts.models import Role
from app.cases.models import Case
from app.coi.models import CoiDeclaration, Recusal
from app.extensions import db

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


def party_role(user, case: Case) -> str | None:
    """The party a person is in a case, once the case is theirs to follow.

    The respondent counts from service (or, for a self-report, from filing).
    """
    if is_complainant(user, case):
        return "complainant"
    if is_respondent(user, case) and (case.served_at is not None or case.kind == "self_report"):
        return "respondent"
    return None


def is_committee(user) -> bool:
    """Whether the person sits on the committee (and so must declare per case)."""
    return bool(user.role_names & COMMITTEE_ROLES)


def _standing(user, case: Case) -> tuple[bool, bool]:
    """(declared, recused) for a committee member on a case, in one query."""
    if case.id is None:
        return False, False
    declared = exists().where(CoiDeclaration.case_id == case.id,
                              CoiDeclaration.member_id == user.id)
    recused = exists().where(Recusal.case_id == case.id, Recusal.member_id == user.id,
                             Recusal.reinstated_at.is_(None))
    row = db.session.execute(select(declared.label("d"), recused.label("r"))).one()
    return bool(row.d), bool(row.r)


def _could_serve(user, case: Case) -> bool:
    """Staff, on a submitted case, not a party: before any question of conflicts."""
    return (bool(user.role_names & STAFF_ROLES) and case.status != "draft"
            and not is_party(user, case))


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


def _declared(user):
    """SQL: the member has declared on the case (EXISTS, never NULL)."""
    return exists().where(CoiDeclaration.case_id == Case.id, CoiDeclaration.member_id == user.id)


def _recused(user):
    """SQL: the member has an open recusal on the case (EXISTS, never NULL)."""
    return exists().where(Recusal.case_id == Case.id, Recusal.member_id == user.id,
                          Recusal.reinstated_at.is_(None))


def _as_staff(user):
    """SQL: the case is the person's as staff, cleared or awaiting declaration; never recused."""
    if not user.role_names & STAFF_ROLES:
        return false()
    staff = (Case.status != "draft") & ~_is_party(user)
    return staff & ~_recused(user) if is_committee(user) else staff


def _cleared(user):
    return _as_staff(user) & (_declared(user) if is_committee(user) else true())


def _awaiting(user):
    return _as_staff(user) & ~_declared(user) if is_committee(user) else false()


def party_cases(user) -> Select:
    """Select the cases in which a person is complainant or respondent."""
    return select(Case).where(_is_party(user))


def staff_cases(user) -> Select:
    """Select the cases a person has as committee or staff (never as a party, never recused).

    Includes the cases a committee member has still to declare on: pages that list
    them show only the number (see `awaiting_cases`); anything that filters, counts
    by status or shows content uses `cleared_cases`.
    """
    return select(Case).where(_as_staff(user))


def cleared_cases(user) -> Select:
    """Select the staff cases whose details are open to the person (declared, not recused)."""
    return select(Case).where(_cleared(user))


def awaiting_cases(user) -> Select:
    """Select the cases on which a committee member must declare before anything opens."""
    return select(Case).where(_awaiting(user))


def visible_cases(user) -> Select:
    """Select every case a person may see, in any capacity (recused cases never)."""
    return select(Case).where(or_(_is_party(user), _as_staff(user)))
