"""Naming, revoking and linking a party's representative. Services flush, never commit.

A party (the complainant, or the respondent once served) names one representative at a
time: counsel or another person, by name and email. The representative gets a copy of
every mail and document the party gets (app/cases/notices.py, app/documents/services.py),
files what the party may file, and sees the case as the party does (app/access.py:
`party_role` answers the party's role for an active representative). Revoking ends all
of that at once.
"""
from __future__ import annotations

from sqlalchemy import func, select

from app import access, clock
from app.accounts.models import User
from app.audit.services import record
from app.cases import notices
from app.cases import services as case_services
from app.cases.models import Case
from app.coi import services as coi
from app.extensions import db
from app.locks import lock_row
from app.representatives.models import Representative, RepresentativeKind

NAME_MAX = 200
REASON_MAX = 2000


class RepresentativeError(Exception):
    """A rule about representatives was not met; the message is for the user, `field` says
    which field it is about."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _forget(case: Case) -> None:
    """The case's representatives changed: read them again when next asked."""
    db.session.flush()
    db.session.expire(case, ["representatives"])


def _account(email: str) -> User | None:
    """The verified account holding this email, if any."""
    return db.session.execute(select(User).where(
        func.lower(User.email) == email, User.email_verified_at.is_not(None))
    ).scalar_one_or_none()


def _other_party_emails(case: Case, role: str) -> set[str]:
    """The addresses of the party the representative would act against."""
    if role == "complainant":
        emails = {case_services.service_address(case) or "",
                  case.respondent_user.email if case.respondent_user else ""}
    else:
        emails = {case.complainant.email if case.complainant else ""}
    return {e.lower() for e in emails if e}


CONFLICT = ("This person cannot act for you in this case: they have a part in it already. "
            "Choose someone else; the office can tell you more.")


def _serves(account) -> bool:
    """A member of the committee or its staff never appears before it for a party (nor
    could a party so take a member it dislikes off its case: naming one would recuse them)."""
    return account is not None and bool(account.role_names & access.STAFF_ROLES)


def _other_side(case: Case, role: str, email: str, account) -> bool:
    """Whether the person has a part on the other side: the other party, or anyone who acts
    or has acted for them (revoked included: a representative never changes sides)."""
    other_role = "respondent" if role == "complainant" else "complainant"
    if email in _other_party_emails(case, role):
        return True
    if account is not None and access.is_party(account, case):
        return True
    return any(r.party_role == other_role and (
        r.email.lower() == email or (account is not None and r.user_id == account.id))
        for r in access.representatives_of(case))


def waits_for_the_office(case: Case, role: str) -> bool:
    """Whether a naming by this party takes effect only once the office confirms it: the
    respondent's, where the complainant's identity is withheld. The form then answers every
    naming alike, and the office, which knows the complainant, checks the other side, so
    the form never tells the respondent whether an address is the complainant's."""
    return role == "respondent" and bool(case.withhold_identity)


def other_side_conflicts(case: Case) -> set[int]:
    """The waiting namings whose person has a part on the other side (for the office)."""
    out = set()
    for r in access.representatives_of(case):
        if r.pending:
            account = db.session.get(User, r.user_id) if r.user_id else _account(r.email)
            if _other_side(case, r.party_role, r.email.lower(), account):
                out.add(r.id)
    return out


def name(case: Case, party, *, name: str, email: str, kind: str) -> Representative:
    """The party names their representative; refused with a message when they may not be."""
    lock_row(Case, case.id)  # one active representative per party: check after the lock
    db.session.expire(case, ["representatives"])
    role = access.own_party_role(party, case)
    if role is None:
        raise RepresentativeError("Only a party to the case may name a representative.")
    name, email = (name or "").strip(), (email or "").strip().lower()
    if not name:
        raise RepresentativeError("Give the representative's name.", "name")
    if "@" not in email:
        raise RepresentativeError("Give the representative's email address.", "email")
    if kind not in {k.value for k in RepresentativeKind}:
        raise RepresentativeError("Choose counsel or another person.", "kind")
    current = access.named_representative(case, role)
    if current is not None:
        raise RepresentativeError(
            f"{current.name} already represents you in this case: revoke that authority "
            "first, then name someone else.")
    if email == party.email.lower():
        raise RepresentativeError("You cannot name yourself as your representative.", "email")
    account = _account(email)
    waits = waits_for_the_office(case, role)
    # one answer for every conflict; where the complainant is withheld the other side is the
    # office's to check, so the form cannot test whether an address is the complainant's
    if _serves(account) or (not waits and _other_side(case, role, email, account)):
        raise RepresentativeError(CONFLICT, "email")
    representative = Representative(
        case_id=case.id, party_role=role, name=name[:NAME_MAX], email=email, kind=kind,
        user_id=account.id if account is not None else None, named_at=clock.now(),
        named_by_id=party.id, revoke_reason="", confirmed_at=None if waits else clock.now())
    db.session.add(representative)
    _forget(case)
    if waits:
        case_services.add_event(
            case, party, "representative_named",
            f"{RepresentativeKind(kind).title} named to represent the {role}: {name}, "
            "waiting for the office's confirmation", to_respondent=True)
        record("representative.named", actor=party, target=case, number=case.number,
               party_role=role, kind=kind, representative_id=representative.id,
               linked=account is not None, name=name, email=email, waits=True)
        notices.to_intake(case, f"{case.number}: the {role} named a representative to confirm", [
            f"The {role} named {name} ({RepresentativeKind(kind).title.lower()}, {email}) to "
            f"represent them on {case.number}. The complainant's identity is withheld, so the "
            "naming takes effect only once the office confirms it on the case page; refuse "
            "it if the person has a part on the complainant's side."])
        return representative
    # a committee member who represents a party is named in the case: recused from it
    coi.recuse_party_members(case)
    title = RepresentativeKind(kind).title
    case_services.add_event(
        case, party, "representative_named", f"{title} named to represent the {role}: {name}",
        to_complainant=role == "complainant", to_respondent=role == "respondent")
    record("representative.named", actor=party, target=case, number=case.number,
           party_role=role, kind=kind, representative_id=representative.id,
           linked=account is not None, name=name, email=email)
    _tell_named(case, representative, party)
    return representative


def revoke(representative: Representative, party, reason: str = "") -> Representative:
    """The party ends their representative's authority; from now the representative has no
    access to the case, and is told so."""
    case = representative.case
    lock_row(Case, case.id)
    db.session.refresh(representative)
    if representative.revoked_at is not None:
        raise RepresentativeError("This representative's authority has already ended.")
    if access.own_party_role(party, case) != representative.party_role:
        raise RepresentativeError("Only the party who named the representative may revoke it.")
    representative.revoked_at = clock.now()
    representative.revoked_by_id = party.id
    representative.revoke_reason = (reason or "").strip()[:REASON_MAX]
    _forget(case)
    case_services.add_event(
        case, party, "representative_revoked",
        f"The {representative.party_role}'s representative ({representative.name}) no "
        "longer acts for them",
        to_complainant=representative.party_role == "complainant",
        to_respondent=representative.party_role == "respondent")
    record("representative.revoked", actor=party, target=case, number=case.number,
           party_role=representative.party_role, representative_id=representative.id,
           name=representative.name, reason=representative.revoke_reason)
    if representative.confirmed_at is None:  # never took effect: nothing to tell them
        return representative
    notices._send(representative.email, f"{case.number}: your authority to represent has ended",
                  name=representative.name, paragraphs=[
                      f"The {representative.party_role} in case {case.number} has revoked "
                      f"your authority to act for them, as of "
                      f"{clock.local_text(representative.revoked_at)}.",
                      "You no longer receive the case's notices and documents, and the case "
                      "is no longer open to you."])
    return representative


def decide(representative: Representative, actor, *, confirm: bool,
           reason: str = "") -> Representative:
    """The office confirms a waiting naming (it takes effect: the representative is told and
    acts from now) or refuses it (the party is told, in words that name no conflict)."""
    case = representative.case
    lock_row(Case, case.id)
    db.session.refresh(representative)
    if not representative.pending:
        raise RepresentativeError("This naming has already been decided.")
    party = db.session.get(User, representative.named_by_id)
    if confirm:
        if representative.id in other_side_conflicts(case):
            raise RepresentativeError(
                "This person has a part on the other side of the case (the complainant, or "
                "someone who acts or acted for them): refuse the naming.", "decision")
        representative.confirmed_at, representative.confirmed_by_id = clock.now(), actor.id
        _forget(case)
        coi.recuse_party_members(case)
        case_services.add_event(
            case, actor, "representative_confirmed",
            f"The office confirmed {representative.name} as the {representative.party_role}'s "
            "representative", to_respondent=representative.party_role == "respondent",
            to_complainant=representative.party_role == "complainant")
        record("representative.confirmed", actor=actor, target=case, number=case.number,
               representative_id=representative.id)
        _tell_named(case, representative, party)
        return representative
    representative.revoked_at, representative.revoked_by_id = clock.now(), actor.id
    representative.revoke_reason = (reason or "").strip()[:REASON_MAX]
    _forget(case)
    words = (f"The office could not accept {representative.name} as your representative in "
             f"case {case.number}. You may name someone else on the case page.")
    case_services.add_event(case, actor, "representative_refused", words,
                            to_respondent=representative.party_role == "respondent",
                            to_complainant=representative.party_role == "complainant")
    record("representative.refused", actor=actor, target=case, number=case.number,
           representative_id=representative.id, reason=representative.revoke_reason)
    if party is not None:
        notices._send(party.email, f"{case.number}: your representative was not accepted",
                      name=party.name, paragraphs=[words], link=notices._case_link(case))
    return representative


def _tell_named(case: Case, representative: Representative, party) -> None:
    role = representative.party_role
    paragraphs = [
        f"{party.name} has named you to represent them, as the {role}, in case "
        f"{case.number} before the ethics committee.",
        "From now you receive a copy of the notices and documents they receive, and you may "
        "read the case and file on their behalf on the case page.",
    ]
    if representative.user_id is None:
        paragraphs.append("Create an account with this email address and confirm it: the case "
                          "then opens to you.")
    notices._send(representative.email, f"{case.number}: you represent the {role}",
                  name=representative.name, paragraphs=paragraphs,
                  link=notices._case_link(case))
    notices.to_intake(case, f"{case.number}: the {role} named a representative", [
        f"The {role} named {representative.name} "
        f"({RepresentativeKind(representative.kind).title.lower()}) to represent them on "
        f"{case.number}. They receive copies of what the {role} is sent."])


def link_account(user) -> int:
    """Give a newly verified account the representations named at its address (and recuse
    it where it sits on the committee). Return how many were linked."""
    rows = db.session.execute(select(Representative).where(
        Representative.user_id.is_(None), Representative.revoked_at.is_(None),
        func.lower(Representative.email) == user.email.lower())).scalars().all()
    for representative in rows:
        representative.user_id = user.id
        record("representative.account_linked", actor=user, target=representative.case,
               number=representative.case.number, representative_id=representative.id)
    db.session.flush()
    for representative in rows:
        db.session.expire(representative.case, ["representatives"])
        coi.recuse_party_members(representative.case)
    return len(rows)
