"""Emails about cases, queued in the outbox with the change that causes them.

Every message is built here, so what a party is told (and what is withheld from
them, such as a complainant's identity) is decided in one place.
"""
from __future__ import annotations

from sqlalchemy import select

from app.access import active_representative, has_declared, is_party, is_recused
from app.accounts.models import Role, User, UserRole
from app.cases.models import Case, DismissalReason
from app.extensions import db
from app.notifications.services import queue_mail
from app.urls import external_url


def _send(to: str | None, subject: str, *, name: str = "", paragraphs: list[str],
          items: list[str] | None = None, link: tuple[str, str] | None = None) -> None:
    if not to:
        return
    queue_mail(to, "cases/message", subject, name=name, paragraphs=paragraphs,
               items=items or [], link_label=link[0] if link else None,
               link_url=link[1] if link else None)


def _case_link(case: Case, label: str = "Open the case") -> tuple[str, str]:
    return label, external_url("proceedings.detail", number=case.number)


def intake_staff(case: Case) -> list[User]:
    """Chairs who may act on the case: never a party to it, never recused from it.

    Some may not have declared on it yet: mail to them goes through `to_intake`,
    which tells them only the number and that a declaration is needed.
    """
    users = db.session.execute(
        select(User).join(UserRole).where(UserRole.role == Role.CHAIR, User.active.is_(True))
    ).scalars().unique().all()
    return [u for u in users if not is_party(u, case) and not is_recused(u, case)]


def _declaration_needed(case: Case, user: User) -> None:
    """What a committee member who has not declared may be told: the number, nothing else."""
    _send(user.email, f"{case.number}: your declaration of conflicts is needed", name=user.name,
          paragraphs=[f"There is news on case {case.number}. Before any detail of the case "
                      "opens to you, declare on its page whether you have a conflict of "
                      "interest with a party (S7)."],
          link=_case_link(case, "Declare on the case page"))


def to_intake(case: Case, subject: str, paragraphs: list[str], *,
               leave_out: tuple[int, ...] = ()) -> None:
    for user in intake_staff(case):
        if user.id in leave_out:
            continue
        # (not awaiting_declaration(): on submission the case is still a draft here)
        if not has_declared(user, case):
            _declaration_needed(case, user)
        else:
            _send(user.email, subject, name=user.name, paragraphs=paragraphs,
                  link=_case_link(case))


def _to_complainant(case: Case, subject: str, paragraphs: list[str], **kw) -> None:
    if case.complainant is not None:
        _send(case.complainant.email, subject, name=case.complainant.name,
              paragraphs=paragraphs, link=_case_link(case), **kw)
        to_representative(case, "complainant", subject, paragraphs, **kw)


def _to_respondent(case: Case, subject: str, paragraphs: list[str], **kw) -> None:
    if case.served_at is None:
        return
    user = case.respondent_user
    link = kw.pop("link", _case_link(case))
    _send(user.email if user else case.respondent_email, subject,
          name=user.name if user else case.respondent_display,
          paragraphs=paragraphs, link=link, **kw)
    to_representative(case, "respondent", subject, paragraphs, **kw)


def to_representative(case: Case, role: str, subject: str, paragraphs: list[str], **kw) -> None:
    """A copy, to the party's active representative, of what the party is sent: every mail
    to a party goes through here, so the representative never misses one (and is told no
    more than the party)."""
    representative = active_representative(case, role)
    if representative is None:
        return
    kw.pop("link", None)
    party = "the complainant" if role == "complainant" else "the respondent"
    _send(representative.email, subject, name=representative.name,
          paragraphs=[f"You receive this copy as the representative of {party} in case "
                      f"{case.number}."] + list(paragraphs),
          link=_case_link(case), **kw)


def allegation_lines(case: Case) -> list[str]:
    lines = []
    for a in case.allegations:
        when = a.conduct_from.isoformat() + (f" to {a.conduct_to.isoformat()}" if a.conduct_to else "")
        lines.append(f"{a.item.code} {a.item.title} (conduct on {when}): {a.facts}")
    return lines


def receipt(case: Case) -> None:
    paragraphs = [
        f"We have received your {'self-report' if case.kind == 'self_report' else 'complaint'} "
        f"and given it the number {case.number}.",
        "The committee reviews every submission. You will be told whether it is accepted, "
        "dismissed, or whether more information is needed.",
    ]
    if case.kind == "self_report":
        user = case.respondent_user
        _send(user.email, f"Self-report {case.number} received", name=user.name,
              paragraphs=paragraphs, items=allegation_lines(case), link=_case_link(case))
    else:
        _to_complainant(case, f"Complaint {case.number} received", paragraphs,
                        items=allegation_lines(case))


def new_complaint_to_intake(case: Case) -> None:
    to_intake(case, f"New {case.kind.replace('_', '-')} {case.number} to review",
               [f"{case.number} was submitted and waits in the intake queue."])


def accepted(case: Case) -> None:
    _to_complainant(case, f"Complaint {case.number} accepted", [
        "The committee has accepted your complaint and served notice on the respondent, "
        "who has a set time to answer. You will be told of the next steps."])


def dismissed(case: Case) -> None:
    reason = DismissalReason(case.outcome_reason).title
    _to_complainant(case, f"Complaint {case.number} dismissed", [
        f"The committee has dismissed your complaint. Reason: {reason}.", case.outcome_text])


def info_requested(case: Case, text: str) -> None:
    deadline = case.open_deadline("information")
    _to_complainant(case, f"More information needed for complaint {case.number}", [
        "Before deciding whether to accept your complaint, the committee asks for more "
        "information:", text,
        f"Please answer on the case page by {deadline.due_on.isoformat()}. Without an answer "
        "by then, the complaint will be closed."])


def info_provided(case: Case) -> None:
    to_intake(case, f"{case.number}: the complainant sent more information",
               [f"The complainant answered the request for information on {case.number}; "
                "the complaint is back in the intake queue."])


def abandoned(case: Case) -> None:
    _to_complainant(case, f"Complaint {case.number} closed", [
        "The information the committee asked for did not arrive by the deadline, so the "
        "complaint has been closed as abandoned. You may file a new complaint."])


def notice_of_complaint(case: Case, email: str, respondent: User | None, deadline) -> None:
    complainant = ("withheld at the complainant's request" if case.withhold_identity
                   else (case.complainant.name if case.complainant else "the committee"))
    paragraphs = [
        f"A complaint ({case.number}) has been made against you to the committee. "
        f"Complainant: {complainant}.",
        "The allegations are listed below. You are asked to answer them in writing, with "
        f"any documents, by {deadline.due_on.isoformat()}. You may ask the chair for more time.",
        "Cooperating with the committee's proceedings is itself a duty under the code (S9).",
    ]
    if respondent is None:
        paragraphs.append(
            "You do not have an account yet. Create one with this email address, confirm it, "
            "and the case will appear under 'Matters concerning me'.")
        link = ("Create an account", external_url("accounts.register"))
    else:
        link = _case_link(case, "Read the allegations and answer")
    _send(email, f"Notice of complaint {case.number}",
          name=respondent.name if respondent else case.respondent_display,
          paragraphs=paragraphs, items=allegation_lines(case), link=link)


def response_received(case: Case) -> None:
    to_intake(case, f"{case.number}: the respondent answered",
               [f"The respondent answered the notice on {case.number}; it is now under investigation."])


def default_recorded(case: Case) -> None:
    to_intake(case, f"{case.number}: no answer by the deadline", [
        f"The respondent on {case.number} did not answer by the deadline. A default has been "
        "recorded and the duty to cooperate (S9) added as a possible allegation."])
    _to_respondent(case, f"{case.number}: no answer received", [
        "Your answer to the notice of complaint did not arrive by the deadline. The committee "
        "will proceed without it and may consider a breach of the duty to cooperate (S9)."])


def extension_requested(case: Case) -> None:
    to_intake(case, f"{case.number}: extension requested",
               [f"The respondent on {case.number} asks for more time to answer."])


def extension_decided(case: Case, request) -> None:
    if request.status == "granted":
        text = f"The chair has granted more time. Your new deadline is {request.new_due_on.isoformat()}."
    else:
        deadline = case.open_deadline("response")
        text = ("The chair has refused the extension. Your deadline stays "
                f"{deadline.due_on.isoformat()}.")
    _to_respondent(case, f"{case.number}: extension {request.status}",
                   [text] + ([request.decision_note] if request.decision_note else []))


def withdrawn(case: Case, text: str) -> None:
    to_intake(case, f"{case.number} withdrawn by the complainant",
               ["The complainant withdrew the complaint. The committee may continue it on "
                "its own motion.", text])
    _to_respondent(case, f"{case.number} withdrawn", [
        "The complainant has withdrawn the complaint. The committee may still decide to "
        "continue it; you will be told if it does."])


def continued(case: Case, text: str) -> None:
    paragraphs = ["The committee will continue this case on its own motion.", text]
    _to_complainant(case, f"{case.number} continues", paragraphs)
    _to_respondent(case, f"{case.number} continues", paragraphs)


def reminder(case: Case, deadline, days_left: int) -> None:
    when = "tomorrow" if days_left == 1 else f"in {days_left} days"
    if deadline.kind == "response":
        _to_respondent(case, f"Reminder: your answer on {case.number} is due {when}", [
            f"Your answer to the notice of complaint is due on {deadline.due_on.isoformat()}."])
    elif deadline.kind == "information":
        _to_complainant(case, f"Reminder: information for {case.number} is due {when}", [
            f"The information the committee asked for is due on {deadline.due_on.isoformat()}."])


# --- conflicts of interest (S7) ------------------------------------------------------

def coi_disclosure(case: Case, declaration, role: str, deadline) -> None:
    """Tell a party of a member's disclosure and until when they may object."""
    paragraphs = [
        f"{declaration.member.name}, a member of the committee, has disclosed a relationship "
        f"with a party to {case.number}: {declaration.relationship_title.lower()}.",
        declaration.text,
        "Under S7 an objection after full disclosure means withdrawal: if you object, the "
        f"member takes no further part in the case. You may object on the case page until "
        f"{deadline.isoformat()}.",
    ]
    subject = f"{case.number}: a committee member's disclosure"
    if role == "complainant":
        _to_complainant(case, subject, paragraphs)
    elif case.kind == "self_report":
        user = case.respondent_user
        _send(user.email, subject, name=user.name, paragraphs=paragraphs, link=_case_link(case))
        to_representative(case, "respondent", subject, paragraphs)
    else:
        _to_respondent(case, subject, paragraphs)


def coi_recused_after_objection(case: Case, member: User, role: str) -> None:
    party = "the complainant" if role == "complainant" else "the respondent"
    _send(member.email, f"{case.number}: you are recused after an objection", name=member.name,
          paragraphs=[
              f"After {party} objected to your disclosure, you are recused from {case.number}: "
              "under S7, after full disclosure, an objection means withdrawal. The case is no "
              "longer open to you.",
              "If every objection is withdrawn, the chair may reinstate you."])
    to_intake(case, f"{case.number}: {member.name} recused after an objection", [
        f"{party.capitalize()} objected to {member.name}'s disclosure on {case.number}; "
        f"{member.name} is recused and cannot serve on the case.",
        "The conflicts page of the case shows every declaration and who may serve."],
        leave_out=(member.id,))


def coi_member_withdrew(case: Case, member: User) -> None:
    to_intake(case, f"{case.number}: {member.name} withdrew from the case", [
        f"{member.name} recused themselves from {case.number} and cannot serve on it.",
        "The conflicts page of the case shows their reason and who may serve."],
        leave_out=(member.id,))


def coi_objection_withdrawn(case: Case, member: User, *, everything_withdrawn: bool) -> None:
    paragraphs = [f"A party withdrew their objection to {member.name}'s disclosure on "
                  f"{case.number}."]
    paragraphs.append("No objection stands any more: you may reinstate the member from the "
                      "conflicts page, giving a reason." if everything_withdrawn else
                      "Another objection still stands; the member stays recused.")
    to_intake(case, f"{case.number}: an objection was withdrawn", paragraphs,
               leave_out=(member.id,))


def coi_reinstated(case: Case, member: User) -> None:
    _send(member.email, f"{case.number}: you are reinstated", name=member.name,
          paragraphs=[f"Every objection to your disclosure on {case.number} was withdrawn and "
                      "the chair has reinstated you. The case is open to you again."],
          link=_case_link(case))
