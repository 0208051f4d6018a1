"""Disclosure rules: record, send personal links, take answers, withdraw, flag, open a case.

Services flush and never commit. The parties answer through a signed link bound
to their row and to a nonce the row holds; sending a new link replaces the
nonce, so an older link stops working, and an answer, once given, stands.
"""
from __future__ import annotations

import hmac
import secrets
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import Select, select

from app import clock
from app.accounts.models import Role, User, UserRole
from app.accounts.tokens import TokenError, make_token, read_token
from app.audit.services import record
from app.cases import services as case_services
from app.cases.models import Allegation, Case, CaseKind
from app.cases.notices import to_intake
from app.catalogue.services import governing_version
from app.coi.services import recuse_party_members
from app.extensions import db
from app.notifications.services import queue_mail
from app.practice_disclosures.models import (
    Answer,
    DisclosureKind,
    DisclosureParty,
    DisclosureStatus,
    PartyRole,
    PracticeDisclosure,
)
from app.urls import external_url

TOKEN_PURPOSE = "practice_disclosure.answer"
S = DisclosureStatus


class DisclosureError(Exception):
    """A disclosure rule was not met; the message is for the user, `field` says where."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class AlreadyAnswered(DisclosureError):
    """The party has answered; the link cannot change the answer."""


def link_days() -> int:
    return int(current_app.config["PRACTICE_DISCLOSURE_LINK_DAYS"])


def withdrawal_days() -> int:
    return int(current_app.config["PRACTICE_DISCLOSURE_WITHDRAWAL_DAYS"])


# --- links ----------------------------------------------------------------------

def answer_url(party: DisclosureParty) -> str:
    token = make_token(TOKEN_PURPOSE, {"pid": party.id, "n": party.link_nonce})
    return external_url("practice_disclosures.answer", token=token)


def _send_link(party: DisclosureParty) -> None:
    """Give the party a fresh link (the previous one dies) and mail it."""
    party.link_nonce = secrets.token_hex(16)
    party.link_sent_at = clock.now()
    party.link_expires_at = clock.now() + timedelta(days=link_days())
    db.session.flush()
    disclosure = party.disclosure
    certificant = disclosure.certificant
    queue_mail(party.email, "practice_disclosures/party_link",
               f"{certificant.name} has disclosed a {_kind_words(disclosure)} that concerns you",
               party=party, certificant=certificant, kind=_kind_words(disclosure),
               url=answer_url(party), expires_on=party.link_expires_at.date().isoformat())


def party_for_token(token: str) -> DisclosureParty:
    """Return the one party a link belongs to, or raise TokenError."""
    # The row's expiry (on the app clock) decides; the signature's age is a backstop.
    data = read_token(TOKEN_PURPOSE, token, max_age=(link_days() + 1) * 86400)
    pid = data.get("pid") if isinstance(data, dict) else None
    nonce = data.get("n") if isinstance(data, dict) else None
    if not isinstance(pid, int) or not isinstance(nonce, str):
        raise TokenError("This link is not valid.")
    party = db.session.get(DisclosureParty, pid)
    if party is None or not hmac.compare_digest(party.link_nonce, nonce):
        raise TokenError("This link is no longer valid: a newer link has been sent to you, "
                         "or the disclosure no longer exists.")
    if clock.now() >= party.link_expires_at:
        raise TokenError("This link has expired. Ask the case manager who sent the "
                         "disclosure to send you a new one.", expired=True)
    return party


# --- recording a disclosure ----------------------------------------------------------

def _kind_words(disclosure: PracticeDisclosure) -> str:
    return {"conflict": "conflict of interest",
            "dual_relationship": "dual relationship"}[disclosure.kind]


def create_disclosure(owner, *, kind: str, description: str,
                      parties: list[dict]) -> PracticeDisclosure:
    """Record a disclosure and send each affected party a personal link."""
    if owner.certificant_id is None:
        raise DisclosureError("Link your account to your registry record first.")
    if kind not in {k.value for k in DisclosureKind}:
        raise DisclosureError("Choose what you are disclosing.", field="kind")
    if not parties:
        raise DisclosureError("Name at least one affected party.", field="parties")
    if any(p["role"] not in {r.value for r in PartyRole} for p in parties):
        raise DisclosureError("Choose each party's role.", field="parties")
    disclosure = PracticeDisclosure(
        owner_id=owner.id, certificant_id=owner.certificant_id, kind=kind,
        description=description.strip(), status=S.AWAITING, disclosed_on=clock.today(),
        created_at=clock.now())
    disclosure.parties = [
        DisclosureParty(name=p["name"].strip()[:200], email=p["email"].strip().lower(),
                        role=p["role"], link_nonce="", link_expires_at=clock.now())
        for p in parties]
    db.session.add(disclosure)
    db.session.flush()
    for party in disclosure.parties:
        _send_link(party)
    record("practice_disclosure.created", actor=owner, target=disclosure, kind=kind,
           parties=[{"id": p.id, "role": p.role} for p in disclosure.parties])
    return disclosure


def resend_link(disclosure: PracticeDisclosure, party: DisclosureParty, actor) -> None:
    """Send a party who has not answered a new link; the old one stops working."""
    if party.disclosure_id != disclosure.id:
        raise DisclosureError("That party is not on this disclosure.")
    if party.answer is not None:
        raise DisclosureError(f"{party.name} has already answered; their answer stands.")
    _send_link(party)
    record("practice_disclosure.link_resent", actor=actor, target=disclosure, party_id=party.id)


# --- the party's answer -----------------------------------------------------------

def _locked(disclosure_id: int) -> PracticeDisclosure:
    """Load a disclosure under a row lock, so two answers at once are applied in turn."""
    return db.session.execute(
        select(PracticeDisclosure).where(PracticeDisclosure.id == disclosure_id)
        .with_for_update().execution_options(populate_existing=True)
    ).scalar_one()


def record_answer(party: DisclosureParty, answer: str, text: str) -> PracticeDisclosure:
    """Record a party's answer once; an objection obliges the certificant to withdraw."""
    disclosure = _locked(party.disclosure_id)
    db.session.refresh(party)  # what was committed before the lock is what counts
    if party.answer is not None:
        raise AlreadyAnswered(
            f"This link has already been used: your answer ({Answer(party.answer).title.lower()}, "
            f"{party.answered_at:%Y-%m-%d}) is recorded and cannot be changed through the link.")
    if answer not in {a.value for a in Answer}:
        raise DisclosureError("Choose whether you acknowledge the disclosure or object to it.",
                              field="answer")
    party.answer = answer
    party.answer_text = text.strip()
    party.answered_at = clock.now()
    before = disclosure.status
    if answer == Answer.OBJECTED:
        if disclosure.status in (S.AWAITING, S.ACKNOWLEDGED):
            disclosure.status = S.WITHDRAWAL_REQUIRED
            disclosure.withdrawal_due_on = clock.due_after(withdrawal_days())
    elif disclosure.status == S.AWAITING and all(
            p.answer == Answer.ACKNOWLEDGED for p in disclosure.parties):
        disclosure.status = S.ACKNOWLEDGED
    db.session.flush()
    record("practice_disclosure.answered", target=disclosure, actor_label=f"party {party.email}",
           party_id=party.id, answer=answer, from_status=before, to_status=disclosure.status,
           withdrawal_due_on=(disclosure.withdrawal_due_on.isoformat()
                              if disclosure.withdrawal_due_on else None))
    _tell_owner_of_answer(disclosure, party, before)
    return disclosure


def _notice(to: str, subject: str, *, name: str, paragraphs: list[str],
            link: tuple[str, str] | None = None) -> None:
    queue_mail(to, "practice_disclosures/notice", subject, name=name,
               paragraphs=[p for p in paragraphs if p],
               link_label=link[0] if link else None, link_url=link[1] if link else None)


def _detail_link(disclosure: PracticeDisclosure) -> tuple[str, str]:
    return ("Open the disclosure",
            external_url("practice_disclosures.detail", disclosure_id=disclosure.id))


def _tell_owner_of_answer(disclosure: PracticeDisclosure, party: DisclosureParty,
                          before: str) -> None:
    owner = disclosure.owner
    said = "acknowledged" if party.answer == Answer.ACKNOWLEDGED else "objected to"
    paragraphs = [f"{party.name} ({party.role_title.lower()}) has {said} your disclosure of "
                  f"{disclosure.disclosed_on.isoformat()}.",
                  f"Their comment: {party.answer_text}" if party.answer_text else ""]
    if disclosure.status == S.WITHDRAWAL_REQUIRED and before != S.WITHDRAWAL_REQUIRED:
        paragraphs.append(
            "Standard S7 requires you to withdraw from further participation in the case "
            f"after an objection. Withdraw and confirm it on the disclosure page by "
            f"{disclosure.withdrawal_due_on.isoformat()}. An unconfirmed withdrawal is reported "
            "to the committee's staff.")
    elif disclosure.status == S.ACKNOWLEDGED and before != S.ACKNOWLEDGED:
        paragraphs.append("Every affected party has now acknowledged the disclosure.")
    _notice(owner.email, f"Your disclosure: {party.name} has {party.answer}",
            name=owner.name, paragraphs=paragraphs, link=_detail_link(disclosure))


# --- withdrawal -------------------------------------------------------------------

def confirm_withdrawal(disclosure: PracticeDisclosure, actor, withdrawn_on: date) -> None:
    """The certificant confirms they withdrew from the case, and when."""
    if disclosure.status != S.WITHDRAWAL_REQUIRED:
        raise DisclosureError("No withdrawal is required for this disclosure, or it has "
                              "already been confirmed.")
    if withdrawn_on > clock.today():
        raise DisclosureError("The date cannot be in the future.", field="withdrawn_on")
    if withdrawn_on < disclosure.disclosed_on:
        raise DisclosureError("The date cannot be before the disclosure "
                              f"({disclosure.disclosed_on.isoformat()}).", field="withdrawn_on")
    disclosure.status = S.WITHDRAWN
    disclosure.withdrawn_on = withdrawn_on
    disclosure.withdrawal_confirmed_at = clock.now()
    db.session.flush()
    late = clock.today() > disclosure.withdrawal_due_on
    record("practice_disclosure.withdrawal_confirmed", actor=actor, target=disclosure,
           withdrawn_on=withdrawn_on.isoformat(),
           due_on=disclosure.withdrawal_due_on.isoformat(), late=late)
    certificant = disclosure.certificant
    for party in disclosure.parties:
        _notice(party.email, f"{certificant.name} has withdrawn from the case", name=party.name,
                paragraphs=[f"{certificant.name} ({certificant.cert_number}) confirms having "
                            f"withdrawn from further participation in the case on "
                            f"{withdrawn_on.isoformat()}, following the disclosure of "
                            f"{disclosure.disclosed_on.isoformat()}."])
    if disclosure.flagged_at is not None:
        for user in _staff_recipients(disclosure):
            _notice(user.email, f"Practice disclosure {disclosure.id}: withdrawal confirmed late",
                    name=user.name, link=_detail_link(disclosure),
                    paragraphs=[f"{certificant.name} ({certificant.cert_number}) has now "
                                f"confirmed withdrawing on {withdrawn_on.isoformat()}; it was due "
                                f"by {disclosure.withdrawal_due_on.isoformat()}."])


# --- the sweep ----------------------------------------------------------------------

def _staff_recipients(disclosure: PracticeDisclosure) -> list[User]:
    """Chairs and administrators, never the certificant who made the disclosure."""
    users = db.session.execute(
        select(User).join(UserRole)
        .where(UserRole.role.in_([Role.CHAIR, Role.ADMIN]), User.active.is_(True))
        .order_by(User.id)
    ).scalars().unique().all()
    return [u for u in users if u.id != disclosure.owner_id]


def flag_overdue_withdrawals() -> list[str]:
    """Flag each withdrawal left unconfirmed past its date, once, and tell staff."""
    today = clock.today()
    overdue = db.session.execute(
        select(PracticeDisclosure).where(
            PracticeDisclosure.status == S.WITHDRAWAL_REQUIRED,
            PracticeDisclosure.flagged_at.is_(None),
            PracticeDisclosure.withdrawal_due_on < today)
        .order_by(PracticeDisclosure.id)
    ).scalars().all()
    lines = []
    for disclosure in overdue:
        disclosure.flagged_at = clock.now()
        certificant = disclosure.certificant
        record("practice_disclosure.flagged", target=disclosure,
               certificant=certificant.cert_number,
               due_on=disclosure.withdrawal_due_on.isoformat())
        for user in _staff_recipients(disclosure):
            _notice(user.email, f"Practice disclosure {disclosure.id}: withdrawal not confirmed",
                    name=user.name,
                    link=("See the flagged disclosures",
                          external_url("practice_disclosures.flagged")),
                    paragraphs=[
                        f"{certificant.name} ({certificant.cert_number}) disclosed a "
                        f"{_kind_words(disclosure)} on {disclosure.disclosed_on.isoformat()}. "
                        "An affected party objected, so standard S7 requires withdrawal from "
                        f"the case; it was due by {disclosure.withdrawal_due_on.isoformat()} "
                        "and has not been confirmed.",
                        "A chair or administrator may open a case from the disclosure."])
        lines.append(f"practice disclosure {disclosure.id} ({certificant.cert_number}) "
                     f"withdrawal due {disclosure.withdrawal_due_on}")
    db.session.flush()
    return lines


# --- a staff-initiated case ---------------------------------------------------------

def case_facts(disclosure: PracticeDisclosure) -> str:
    """The facts of the S7 allegation, taken from the disclosure."""
    lines = [f"On {disclosure.disclosed_on.isoformat()} the certificant disclosed a "
             f"{_kind_words(disclosure)}: {disclosure.description}", "", "Affected parties:"]
    for party in disclosure.parties:
        answer = (f"{party.answer_title.lower()} on {party.answered_at:%Y-%m-%d}"
                  if party.answer else "no answer")
        comment = f" — “{party.answer_text}”" if party.answer_text else ""
        lines.append(f"- {party.name} ({party.role_title.lower()}): {answer}{comment}")
    lines.append("")
    lines.append(f"After the objection, withdrawal from the case was required by "
                 f"{disclosure.withdrawal_due_on.isoformat()}. No withdrawal had been confirmed "
                 f"when the deadline sweep flagged it on {disclosure.flagged_at:%Y-%m-%d}.")
    if disclosure.withdrawn_on:
        lines.append(f"The certificant later confirmed withdrawing on "
                     f"{disclosure.withdrawn_on.isoformat()}.")
    return "\n".join(lines)


def open_staff_case(disclosure: PracticeDisclosure, actor) -> Case:
    """Open a staff-initiated case against the certificant, S7 alleged, ready for intake."""
    if disclosure.flagged_at is None:
        raise DisclosureError("A case can be opened only from a flagged disclosure.")
    if disclosure.case_id is not None:
        raise DisclosureError(f"A case has already been opened from this disclosure "
                              f"({disclosure.case.number}).")
    version = governing_version(disclosure.disclosed_on)
    item = next((i for i in version.items if i.code == "S7"), None) if version else None
    if item is None:
        raise DisclosureError("No code of conduct with standard S7 was in force on "
                              f"{disclosure.disclosed_on.isoformat()}.")
    owner = disclosure.owner
    now = clock.now()
    # A new case is created already submitted: creation, not a change of status.
    case = Case(kind=CaseKind.STAFF, status="submitted", complainant_id=None,
                respondent_certificant_id=disclosure.certificant_id,
                respondent_user_id=owner.id, respondent_email=owner.email,
                created_at=now, submitted_at=now)
    case.allegations = [Allegation(code_item_id=item.id, conduct_from=disclosure.disclosed_on,
                                   facts=case_facts(disclosure), source="committee")]
    db.session.add(case)
    db.session.flush()
    case_services.assign_number(case)
    disclosure.case_id = case.id
    case_services.add_event(
        case, actor, "open", f"Opened by staff from practice disclosure {disclosure.id}: "
        "withdrawal after an objection not confirmed", to_status="submitted")
    db.session.flush()
    record("case.opened_by_staff", actor=actor, target=case, number=case.number,
           kind=CaseKind.STAFF.value, practice_disclosure_id=disclosure.id,
           allegation=f"{item.code} ({version.name})")
    record("practice_disclosure.case_opened", actor=actor, target=disclosure,
           number=case.number)
    # members who are a party are recused by the system, as for any submitted case; the
    # chairs are told through the intake notice, which shows an undeclared chair only
    # the number
    recuse_party_members(case)
    to_intake(case, f"Staff case {case.number} opened: waiting in the intake queue",
               [f"{actor.name} opened {case.number} from a certificant's practice disclosure. "
                "It waits in the intake queue."], leave_out=(actor.id,))
    return case


# --- lists ----------------------------------------------------------------------------

def disclosures_of(user) -> list[PracticeDisclosure]:
    return list(db.session.execute(
        select(PracticeDisclosure).where(PracticeDisclosure.owner_id == user.id)
        .order_by(PracticeDisclosure.created_at.desc(), PracticeDisclosure.id.desc())
    ).scalars())


def flagged_for(user) -> Select:
    """Select the flagged disclosures a staff member may see (never their own)."""
    return (select(PracticeDisclosure).where(PracticeDisclosure.flagged_at.is_not(None),
                                             PracticeDisclosure.owner_id != user.id)
            .order_by(PracticeDisclosure.case_id.is_not(None), PracticeDisclosure.flagged_at,
                      PracticeDisclosure.id))
