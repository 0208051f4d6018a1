"""The rules of the proceeding after the answer; the workflow's guards and effects call these.

Nothing here changes `case.status` (only `workflow.apply` does). Services flush and
never commit; each writes what it changes to the audit chain.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from app import clock

# who serves and votes is an access fact (app/access.py); the proceeding's rules use them too
from app.access import STAGE_OF as STAGE_OF
from app.access import document_requests as document_requests
from app.access import eligible_members as eligible
from app.access import latest_decision as latest_decision
from app.access import may_appeal as may_appeal
from app.access import members_in as members_in
from app.access import remembered
from app.access import serves_as as serves_as
from app.access import voters as voters
from app.access import witness_members as witness_members
from app.accounts.models import User
from app.audit.services import record
from app.cases import services as case_services
from app.cases.models import Allegation, Case, CaseEvent, Deadline
from app.extensions import db
from app.locks import lock_row
from app.proceedings.models import (
    Appeal,
    Assignment,
    Capacity,
    Decision,
    DocumentRequest,
    Finding,
    Hearing,
    HearingPostponement,
    InvestigationItem,
    Measure,
    Sanction,
    SanctionKind,
    Vote,
)
from app.registry import services as registry
from app.registry.models import CertStatus

# --- settings ---------------------------------------------------------------------


def quorum() -> int:
    return int(current_app.config["COMMITTEE_QUORUM"])


def hearing_notice_days() -> int:
    return int(current_app.config["HEARING_NOTICE_DAYS"])


def appeal_days() -> int:
    return int(current_app.config["APPEAL_DAYS"])


# --- who serves in which capacity ---------------------------------------------------

def panel_problems(case: Case, member_ids: list[int], capacity: str) -> list[str]:
    """Why these members cannot serve in this capacity; empty when they can."""
    problems = []
    ids = list(dict.fromkeys(member_ids))
    pool = {u.id: u for u in eligible(case)}
    if not ids:
        return ["Choose at least one member."]
    unfit = [i for i in ids if i not in pool]
    if unfit:
        names = [u.name for u in (db.session.get(User, i) for i in unfit) if u is not None]
        problems.append(f"{', '.join(names) or 'Someone chosen'} may not serve: only members "
                        "who have declared, are not recused and are not a party may.")
    if capacity in (Capacity.HEARING_PANEL, Capacity.APPEAL_PANEL):
        if len(ids) < quorum():
            problems.append(f"A panel needs at least {quorum()} members (the quorum); "
                            f"{len(ids)} chosen.")
        investigators = {u.id for u in members_in(case, Capacity.INVESTIGATOR)}
        if investigators & set(ids):
            problems.append("The case's investigator may not sit on its panel.")
        witnesses = [u for u in witness_members(case) if u.id in set(ids)]
        if witnesses:
            problems.append(f"{', '.join(u.name for u in witnesses)} is a witness in the case "
                            "and may not sit on its panel.")
    if capacity == Capacity.APPEAL_PANEL:
        hearing = {u.id for u in members_in(case, Capacity.HEARING_PANEL)}
        if hearing & set(ids):
            problems.append("No member of the hearing panel may sit on the appeal panel.")
    return problems


def assign(case: Case, member_ids: list[int], capacity: str, actor) -> list[Assignment]:
    """Put members on the case in a capacity (replacing an earlier choice for it)."""
    for old in db.session.execute(select(Assignment).where(
            Assignment.case_id == case.id, Assignment.capacity == capacity)).scalars():
        db.session.delete(old)
    db.session.flush()
    rows = [Assignment(case_id=case.id, member_id=i, capacity=capacity,
                       assigned_by_id=actor.id, assigned_at=clock.now())
            for i in dict.fromkeys(member_ids)]
    db.session.add_all(rows)
    db.session.flush()
    record(f"case.assigned_{capacity}", actor=actor, target=case, number=case.number,
           members=[r.member_id for r in rows])
    return rows


# --- the investigation file ----------------------------------------------------------

def add_item(case: Case, actor, kind: str, title: str, *, text: str = "",
             due_on: date | None = None, held_at: datetime | None = None,
             shareable: bool = False) -> InvestigationItem:
    item = InvestigationItem(case_id=case.id, kind=kind, title=title.strip()[:300],
                             text=text.strip(), due_on=due_on, held_at=held_at,
                             shareable=shareable, author_id=actor.id, created_at=clock.now())
    db.session.add(item)
    db.session.flush()
    record(f"investigation.{kind}_added", actor=actor, target=case, number=case.number,
           item=item.id, shareable=shareable)
    return item


def items(case: Case, kind: str | None = None) -> list[InvestigationItem]:
    query = select(InvestigationItem).where(InvestigationItem.case_id == case.id)
    if kind:
        query = query.where(InvestigationItem.kind == kind)
    return list(db.session.execute(query.order_by(InvestigationItem.id)).scalars())


def complete_task(item: InvestigationItem, actor) -> None:
    item.done_at = clock.now()
    record("investigation.task_done", actor=actor, target=item.case_id and
           db.session.get(Case, item.case_id), item=item.id)


def share_item(case: Case, item: InvestigationItem, actor) -> None:
    """Disclose a shareable note or interview record to the respondent (logged)."""
    item.shared_at = clock.now()
    case_services.disclose(case, "investigation", item.id, f"Investigation record: {item.title}",
                           how="case page", recipient_user=case.respondent_user, by=actor)
    case_services.add_event(case, actor, "share", f"Shared with you: {item.title}",
                            body=item.text, to_respondent=True)
    record("investigation.shared", actor=actor, target=case, number=case.number, item=item.id)


def open_request(case: Case, actor, data: dict) -> DocumentRequest:
    # each request has its own deadline (`case_services.open_deadline` would cancel the
    # deadlines of the requests still open)
    due = clock.due_after(int(data["days"]))
    # Only the respondent's deadline is "documents": missing it is a default under S9 (the
    # sweep records non-cooperation against the respondent). A witness's silence is not.
    respondent = data["addressee_role"] == "respondent"
    deadline = Deadline(case=case, kind="documents" if respondent else "witness_documents",
                        due_on=due, original_due_on=due, status="open", set_at=clock.now(),
                        reminders_sent=[])
    db.session.add(deadline)
    db.session.flush()
    name, email = ((case.respondent_display, case_services.service_address(case) or "")
                   if respondent else (data["addressee_name"].strip(), data["addressee_email"]))
    request = DocumentRequest(
        case_id=case.id, addressee_role=data["addressee_role"],
        addressee_name=name, addressee_email=email,
        what=data["text"].strip(), deadline_id=deadline.id, requested_by_id=actor.id,
        requested_at=clock.now())
    db.session.add(request)
    db.session.flush()
    return request


def open_requests(case: Case, role: str | None = None) -> list[DocumentRequest]:
    return [r for r in document_requests(case)
            if r.answered_at is None and role in (None, r.addressee_role)]


def already_read_requests(case: Case, requests: list[DocumentRequest]) -> None:
    """Remember for the request the case's requests for documents, read by the caller."""
    remembered(("document_requests", case.id), lambda: sorted(requests, key=lambda r: r.id))


def answer_request(request: DocumentRequest, text: str) -> None:
    request.answered_at = clock.now()
    request.answer = text.strip()
    deadline = request.deadline
    if deadline.status == "open":
        deadline.status, deadline.closed_at = "met", clock.now()


def report_of(case: Case) -> InvestigationItem | None:
    """The latest findings report, read once a request."""
    def ask():
        found = items(case, "report")
        return found[-1] if found else None
    return remembered(("report", case.id), ask)


def already_read_report(case: Case, report: InvestigationItem | None,
                        postponement: HearingPostponement | None) -> None:
    """Remember for the request the latest findings report and the pending request to
    postpone the latest hearing, read by the caller (the case page's one-of-a-kind rows)."""
    remembered(("report", case.id), lambda: report)
    remembered(("pending_postponement", case.id), lambda: postponement)


# --- votes ---------------------------------------------------------------------------

REVIEW_CHOICES = {
    "dismiss": "Dismiss: no violation, or insufficient evidence",
    "caution": "Dismiss with a cautionary letter",
    "consent": "Offer a consent agreement",
    "hearing": "Refer to a hearing",
}
APPEAL_CHOICES = {"affirm": "Affirm", "modify": "Modify the sanction", "reverse": "Reverse",
                  "remand": "Remand to the committee"}


def current_round(case: Case, stage: str) -> int:
    """Each time the case comes (back) before the committee (referred by the investigator,
    remanded on appeal, returned after a missed condition) a new round of votes starts, at
    review and at every stage after it (a second hearing, a second appeal), so that the
    votes of one round never decide the next."""
    return remembered(("round", case.id), lambda: max(1, db.session.execute(
        select(arrivals_before_committee(case.id))).scalar_one()))


def arrivals_before_committee(case_id):
    """SQL: how many times the case came (back) before the committee (see current_round);
    a scalar, so that the case page reads it with the case's other single facts."""
    return select(func.count(CaseEvent.id)).where(
        CaseEvent.case_id == case_id, CaseEvent.to_status == "committee_review",
        CaseEvent.from_status != "committee_review", CaseEvent.action != "continue"
    ).scalar_subquery()


def already_counted(case: Case, arrivals: int) -> None:
    """Remember for the request the round of votes, counted by the caller's own query."""
    remembered(("round", case.id), lambda: max(1, arrivals))


def cast_vote(case: Case, member, stage: str, question: str, choice: str,
              reasons: str = "") -> Vote:
    """Record or change a member's vote before the decision is taken."""
    lock_row(Case, case.id)  # the same vote sent twice at once: the second one changes it
    if member.id not in {u.id for u in voters(case, stage)}:
        raise ValueError("You may not vote on this case at this stage.")
    rnd = current_round(case, stage)
    vote = db.session.execute(select(Vote).where(
        Vote.case_id == case.id, Vote.stage == stage, Vote.round == rnd,
        Vote.question == question, Vote.member_id == member.id)).scalar_one_or_none()
    if vote is None:
        vote = Vote(case_id=case.id, stage=stage, round=rnd, question=question,
                    member_id=member.id)
        db.session.add(vote)
    vote.choice, vote.reasons, vote.at = choice, reasons.strip(), clock.now()
    db.session.flush()
    # the audit entry records that a vote was cast, not how (votes stay confidential)
    record("case.vote_cast", actor=member, target=case, number=case.number, stage=stage,
           question=question)
    return vote


def votes(case: Case, stage: str, question: str | None = None) -> list[Vote]:
    rnd = current_round(case, stage)
    cast = remembered(("votes", case.id, stage, rnd), lambda: list(db.session.execute(
        select(Vote).where(Vote.case_id == case.id, Vote.stage == stage, Vote.round == rnd)
        .order_by(Vote.id)).scalars()))
    counted = {u.id for u in voters(case, stage)}  # a recused member's vote no longer counts
    return [v for v in cast if v.member_id in counted and (not question or v.question == question)]


def majority(case: Case, stage: str, question: str) -> tuple[str | None, Counter]:
    """The choice with more than half of the votes cast, if the quorum voted."""
    cast = votes(case, stage, question)
    tally = Counter(v.choice for v in cast)
    if len(cast) < quorum():
        return None, tally
    choice, count = tally.most_common(1)[0] if tally else (None, 0)
    return (choice if count * 2 > len(cast) else None), tally


def vote_problem(case: Case, stage: str, question: str, wanted: str) -> str | None:
    """Why the committee's votes do not carry this outcome; None if they do."""
    cast = votes(case, stage, question)
    if len(cast) < quorum():
        return (f"The quorum is {quorum()} eligible members and {len(cast)} have voted; "
                "wait for more votes.")
    choice, tally = majority(case, stage, question)
    if choice != wanted:
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(tally.items()))
        return f"The votes ({counts}) do not carry this outcome by a majority."
    return None


# --- decisions, findings, sanctions ------------------------------------------------------

def record_decision(case: Case, actor, stage: str, outcome: str, reasons: str, *,
                    findings: dict[int, tuple[bool, str]] | None = None,
                    sanctions: list[dict] | None = None, appealable: bool = True,
                    details: dict | None = None) -> Decision:
    decision = Decision(case_id=case.id, stage=stage, outcome=outcome, reasons=reasons.strip(),
                        decided_at=clock.now(), recorded_by_id=actor.id,
                        details=details or {})
    for allegation_id, (violated, why) in (findings or {}).items():
        decision.findings.append(Finding(allegation_id=allegation_id, violated=violated,
                                         reasons=why))
    for s in sanctions or []:
        decision.sanctions.append(Sanction(
            kind=s["kind"], terms=s.get("terms", ""), conditions=s.get("conditions", []),
            starts_on=s.get("starts_on"), ends_on=s.get("ends_on"),
            bar_years=s.get("bar_years"), status="pending"))
    db.session.add(decision)
    db.session.flush()
    if appealable:
        deadline = case_services.open_deadline(case, "appeal", appeal_days())
        decision.appeal_due_on = deadline.due_on
    record("case.decision_recorded", actor=actor, target=case, number=case.number, stage=stage,
           outcome=outcome, sanctions=[s.kind for s in decision.sanctions])
    return decision


def operative_decision(case: Case) -> Decision | None:
    """The decision that binds: an appeal's outcome if there is one, else the last one."""
    return latest_decision(case)


def sanction_from_form(kind: str, terms: str, starts_on: date | None, ends_on: date | None,
                       bar_years: int | None, conditions: list[dict]) -> dict:
    return {"kind": kind, "terms": terms.strip(), "starts_on": starts_on, "ends_on": ends_on,
            "bar_years": bar_years, "conditions": conditions}


def sanction_problems(s: dict) -> list[str]:
    kind = s.get("kind")
    if kind not in SanctionKind._value2member_map_:
        return ["Choose a sanction."]
    problems = []
    if kind == SanctionKind.SUSPENSION and not (s.get("starts_on") and s.get("ends_on")
                                                and s["ends_on"] > s["starts_on"]):
        problems.append("A suspension needs a start and a later end date.")
    if kind == SanctionKind.PROBATION and not s.get("ends_on"):
        problems.append("Probation needs the date its term ends.")
    if kind == SanctionKind.REVOCATION and not (s.get("bar_years") or 0) > 0:
        problems.append("A revocation needs the number of years before reapplying.")
    if kind in (SanctionKind.CORRECTIVE, SanctionKind.PROBATION) and not s.get("conditions"):
        problems.append("Give the conditions, each with its due date.")
    return problems


def finalize(case: Case, actor=None) -> Decision:
    """The appeal window closed (or the appeal was decided): sanctions take effect."""
    decision = operative_decision(case)
    decision.final_at = clock.now()
    end_interim_suspension(case, "Replaced by the final decision.", actor)
    certificant = case.respondent_certificant
    for sanction in decision.sanctions:
        sanction.status = "in_force"
        if certificant is None:
            continue
        if sanction.kind == SanctionKind.SUSPENSION and sanction.starts_on \
                and sanction.starts_on > clock.today():
            continue  # the registry shows it from its start date (the sweep: start_suspension)
        if sanction.kind in (SanctionKind.SUSPENSION, SanctionKind.REVOCATION):
            sanction.registry_status_before = registry.change_status(
                certificant, CertStatus.SUSPENDED if sanction.kind == SanctionKind.SUSPENSION
                else CertStatus.REVOKED, actor=actor, reason="final sanction",
                case_number=case.number, sanction=sanction.id)
    case_services.close_deadlines(case, "met", kinds=("appeal",))
    for sanction in decision.sanctions:  # the end of a revocation's bar is a clock too
        ends = bar_ends_on(sanction)
        if ends is not None:
            open_dated_deadline(case, "reinstatement_bar", ends)
    return decision


def open_dated_deadline(case: Case, kind: str, due: date) -> Deadline:
    """A clock that ends on a given day (not counted in days from today)."""
    deadline = Deadline(case=case, kind=kind, due_on=due, original_due_on=due, status="open",
                        set_at=clock.now(), reminders_sent=[])
    db.session.add(deadline)
    db.session.flush()
    return deadline


def sanctions_due(today: date) -> list[tuple[Sanction, str]]:
    """(sanction, what happens) for the sweep: suspensions that ended, conditions missed,
    terms completed."""
    due = []
    in_force = db.session.execute(select(Sanction).where(Sanction.status == "in_force")
                                  .order_by(Sanction.id)).scalars()
    for s in in_force:
        missed = [c for c in s.conditions or [] if not c.get("met_on")
                  and date.fromisoformat(c["due_on"]) < today]
        if missed:
            due.append((s, "breached"))
        elif s.ends_on and s.ends_on < today:
            due.append((s, "completed"))
        elif not s.ends_on and s.kind not in (SanctionKind.REVOCATION,) and \
                all(c.get("met_on") for c in s.conditions or []):
            due.append((s, "completed"))
    return due


def suspensions_starting(today: date) -> list[Sanction]:
    """Final suspensions whose start date has come and that the registry does not show yet."""
    return list(db.session.execute(select(Sanction).where(
        Sanction.status == "in_force", Sanction.kind == SanctionKind.SUSPENSION,
        Sanction.starts_on <= today, Sanction.registry_status_before.is_(None))
        .order_by(Sanction.id)).scalars())


def start_suspension(sanction: Sanction) -> bool:
    """The suspension's start date has come: the registry shows the certificant suspended."""
    case = db.session.get(Case, sanction.decision.case_id)
    certificant = case.respondent_certificant
    if certificant is None:
        return False
    sanction.registry_status_before = registry.change_status(
        certificant, CertStatus.SUSPENDED, reason="suspension begins",
        case_number=case.number, sanction=sanction.id)
    return True


def bar_ends_on(sanction: Sanction) -> date | None:
    """The day a revocation's bar on reapplying ends (from the day it became final)."""
    final_at = sanction.decision.final_at
    if sanction.kind != SanctionKind.REVOCATION or final_at is None or not sanction.bar_years:
        return None
    start = final_at.date()
    try:
        return start.replace(year=start.year + sanction.bar_years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + sanction.bar_years, day=28)


def running_sanctions(case: Case) -> list[Sanction]:
    """Sanctions in force that still run their course (a revocation stays for good)."""
    return [s for s in open_sanctions(case) if s.kind != SanctionKind.REVOCATION]


def condition_reminders(today: date) -> list[tuple[Sanction, dict, int]]:
    """Conditions of sanctions in force coming due (7 and 1 days before, by the
    REMINDER_DAYS_BEFORE setting), each reminder once; marks them sent."""
    marks = sorted(current_app.config["REMINDER_DAYS_BEFORE"], reverse=True)
    due = []
    in_force = db.session.execute(select(Sanction).where(Sanction.status == "in_force")
                                  .order_by(Sanction.id)).scalars()
    for sanction in in_force:
        conditions = [dict(c) for c in sanction.conditions or []]
        changed = False
        for condition in conditions:
            if condition.get("met_on"):
                continue
            days_left = (date.fromisoformat(condition["due_on"]) - today).days
            sent = set(condition.get("reminded", []))
            mark = next((m for m in reversed(marks) if days_left <= m and m not in sent), None)
            if mark is None or days_left < 0:
                continue
            condition["reminded"] = sorted(sent | {m for m in marks if m >= days_left})
            changed = True
            due.append((sanction, condition, days_left))
        if changed:
            sanction.conditions = conditions
    return due


def end_sanction(sanction: Sanction, status: str, actor=None) -> None:
    """A sanction is completed (its term ran out, its conditions met) or breached."""
    sanction.status = status
    case = db.session.get(Case, sanction.decision.case_id)
    certificant = case.respondent_certificant
    if status == "completed" and sanction.kind == SanctionKind.SUSPENSION and certificant \
            and certificant.status == CertStatus.SUSPENDED:
        registry.change_status(certificant, sanction.registry_status_before or CertStatus.ACTIVE,
                               actor=actor, reason="suspension ended", case_number=case.number,
                               sanction=sanction.id)
    record(f"sanction.{status}", actor=actor, target=case, number=case.number,
           sanction=sanction.id, kind=sanction.kind)


def meet_condition(sanction: Sanction, index: int, actor) -> None:
    conditions = [dict(c) for c in sanction.conditions]
    conditions[index]["met_on"] = clock.today().isoformat()
    sanction.conditions = conditions
    case = db.session.get(Case, sanction.decision.case_id)
    record("sanction.condition_met", actor=actor, target=case, number=case.number,
           sanction=sanction.id, condition=index)


def open_sanctions(case: Case) -> list[Sanction]:
    decision = operative_decision(case)
    return [s for s in decision.sanctions if s.status == "in_force"] if decision else []


# --- hearings ---------------------------------------------------------------------------

def current_hearing(case: Case) -> Hearing | None:
    return remembered(("hearing", case.id), lambda: db.session.execute(
        select(Hearing).where(Hearing.case_id == case.id).order_by(Hearing.id.desc()).limit(1)
    ).scalar_one_or_none())


def hearing_problems(case: Case, starts_at: datetime | None, allegation_ids: list[int],
                     *, notice_days: int | None = None) -> list[str]:
    problems = []
    days = hearing_notice_days() if notice_days is None else notice_days
    if starts_at is None:
        problems.append("Give the date and time of the hearing.")
    elif starts_at.date() < clock.today() + timedelta(days=days):
        problems.append(f"The parties must have at least {days} days' notice: the hearing "
                        f"cannot be before {clock.today() + timedelta(days=days)}.")
    mine = {a.id for a in case.allegations}
    if not allegation_ids or not set(allegation_ids) <= mine:
        problems.append("Choose the allegations to be heard.")
    return problems


def schedule_hearing(case: Case, actor, data: dict) -> Hearing:
    hearing = Hearing(case_id=case.id, starts_at=data["starts_at"], place=data.get("place", ""),
                      video_link=data.get("video_link", ""),
                      allegation_ids=list(data["allegation_ids"]), scheduled_by_id=actor.id,
                      scheduled_at=clock.now())
    db.session.add(hearing)
    db.session.flush()
    return hearing


def pending_postponement(case: Case) -> HearingPostponement | None:
    hearing = current_hearing(case)
    if hearing is None:
        return None
    return remembered(("pending_postponement", case.id), lambda: db.session.execute(
        select(HearingPostponement).where(HearingPostponement.hearing_id == hearing.id,
                                          HearingPostponement.status == "pending")
    ).scalar_one_or_none())


def heard_allegations(case: Case) -> list[Allegation]:
    hearing = current_hearing(case)
    ids = set(hearing.allegation_ids) if hearing else set()
    return [a for a in case.allegations if a.id in ids]


def set_aside(case: Case, decision: Decision, outcome: str, reasons: str, actor) -> None:
    """An appeal panel set aside the decision appealed (remand, reverse), and on a remand
    the hearing it came from: each is marked, with the reasons, wherever it shows."""
    how = "sent back to the committee" if outcome == "remand" else "reversed"
    why = f"Set aside on appeal ({how}): {reasons.strip()}"
    decision.set_aside_at, decision.set_aside_reason = clock.now(), why
    hearing = current_hearing(case)
    if outcome == "remand" and hearing is not None and hearing.status == "held" \
            and hearing.set_aside_at is None:
        hearing.set_aside_at, hearing.set_aside_reason = clock.now(), why
    record("case.set_aside", actor=actor, target=case, number=case.number,
           decision=decision.id, hearing=hearing.id if outcome == "remand" and hearing else None)


def answer_pending_postponements(case: Case, actor, how: str) -> None:
    """Holding or moving the hearing answers every request to postpone it still pending."""
    hearing = current_hearing(case)
    if hearing is None:
        return
    for request in db.session.execute(select(HearingPostponement).where(
            HearingPostponement.hearing_id == hearing.id,
            HearingPostponement.status == "pending")).scalars():
        request.status = "granted" if how == "postponed" else "refused"
        request.decided_at, request.decided_by_id = clock.now(), getattr(actor, "id", None)
        request.note = f"Answered when the hearing was {how}."


# --- appeals ----------------------------------------------------------------------------

def appeal_of(case: Case) -> Appeal | None:
    return db.session.execute(select(Appeal).where(Appeal.case_id == case.id)
                              .order_by(Appeal.id.desc()).limit(1)).scalar_one_or_none()


# --- measures ---------------------------------------------------------------------------

def already_read(case: Case, hearing: Hearing | None, measures: list[Measure]) -> None:
    """Remember for the request the latest hearing and the open measures, read by the caller
    in a query of its own (the case page reads the case's one-of-a-kind rows together)."""
    remembered(("hearing", case.id), lambda: hearing)
    remembered(("open_measures", case.id), lambda: sorted(measures, key=lambda m: m.id))


def open_measure(case: Case, kind: str) -> Measure | None:
    measures = remembered(("open_measures", case.id), lambda: list(db.session.execute(
        select(Measure).where(Measure.case_id == case.id, Measure.lifted_at.is_(None))
        .order_by(Measure.id)).scalars()))
    return next((m for m in measures if m.kind == kind), None)


def end_interim_suspension(case: Case, reason: str, actor=None) -> None:
    """An interim suspension lasts until the case is decided for good (final, or dismissed):
    then it ends and the registry status it replaced comes back, before any final sanction
    is applied (so that a suspension ending later restores the status before the measure,
    and a closed case never leaves the certificant suspended by a measure nobody can lift)."""
    measure = open_measure(case, "interim_suspension")
    if measure is None:
        return
    measure.lifted_at, measure.lifted_reason = clock.now(), reason
    case_services.close_deadlines(case, "cancelled", kinds=("interim_review",))
    certificant = case.respondent_certificant
    if certificant is not None and certificant.status == CertStatus.SUSPENDED:
        registry.change_status(certificant, measure.registry_status_before or CertStatus.ACTIVE,
                               actor=actor, reason="interim suspension ended",
                               case_number=case.number)
