"""Facts about a person's place in a case, and the one query that lists cases.

The policy module asks these questions; lists, counts and searches go through
`visible_cases()`, so nothing reaches a page that the policy would refuse.
"""
from __future__ import annotations

from sqlalchemy import Select, false, or_, select

from app.accounts.models import Role
from app.cases.models import Case

STAFF_ROLES = {Role.ADMIN.value, Role.CHAIR.value, Role.MEMBER.value}
INTAKE_ROLES = {Role.ADMIN.value, Role.CHAIR.value}


def is_complainant(user, case: Case) -> bool:
    return case.complainant_id is not None and case.complainant_id == user.id


def is_respondent(user, case: Case) -> bool:
    if case.respondent_user_id is not None and case.respondent_user_id == user.id:
        return True
    return (case.respondent_certificant_id is not None
            and user.certificant_id == case.respondent_certificant_id)


def is_party(user, case: Case) -> bool:
    return is_complainant(user, case) or is_respondent(user, case)


def is_staff_on(user, case: Case) -> bool:
    """Committee or staff acting on a submitted case in which they are not a party."""
    return (bool(user.role_names & STAFF_ROLES) and case.status != "draft"
            and not is_party(user, case))


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


def _as_staff(user):
    if not user.role_names & STAFF_ROLES:
        return false()
    return (Case.status != "draft") & ~_is_party(user)


def party_cases(user) -> Select:
    """Select the cases in which a person is complainant or respondent."""
    return select(Case).where(_is_party(user))


def staff_cases(user) -> Select:
    """Select the cases a person sees as committee or staff (never as a party)."""
    return select(Case).where(_as_staff(user))


def visible_cases(user) -> Select:
    """Select every case a person may see, in any capacity."""
    return select(Case).where(or_(_is_party(user), _as_staff(user)))
