"""Guards, readiness and effects of the workflow rows that keep the proceeding fair
(issue 14): a withdrawal after acceptance decided by the committee, panels completed
after a recusal, disclosure before the hearing, representatives.

The table that names them is `app/proceedings/workflow.py`'s ACTIONS, as for
`actions.py`; the rules they call are in `services.py`.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from app import access, clock
from app.accounts.models import User
from app.audit.services import record
from app.cases import notices as case_notices
from app.cases import services as case_services
from app.cases.models import Case, Disclosure
from app.coi import services as coi
from app.documents import services as documents
from app.extensions import db
from app.proceedings import actions as pa
from app.proceedings import notices
from app.proceedings import services as p
from app.proceedings.models import Assignment, Capacity, SanctionKind
from app.registry import services as registry
from app.registry.models import CertStatus


def _pending(case: Case, asked: str, decided: str) -> bool:
    """A request (`asked`) was made after the last decision on one (`decided`)."""
    for event in reversed(case.events):
        if event.action == decided:
            return False
        if event.action == asked:
            return True
    return False


# --- withdrawal after acceptance: a request the committee decides ---------------------------

def withdrawal_pending(case: Case) -> bool:
    return _pending(case, "request_withdrawal", "decide_withdrawal")


def respondents_own_appeal(case: Case) -> bool:
    """The case is before the appeal panel on the respondent's own appeal."""
    appeal = p.appeal_of(case)
    return (case.status == "under_appeal" and appeal is not None
            and appeal.appellant_role == "respondent")


def guard_withdrawal_request(case: Case, data: dict) -> str | None:
    if withdrawal_pending(case):
        return "Your request to withdraw is already waiting for the committee's decision."
    return None if str(data.get("text") or "").strip() else \
        "Say why you wish to withdraw; the committee reads it before deciding."


def guard_withdrawal_decision(case: Case, data: dict) -> str | None:
    if not withdrawal_pending(case):
        return "There is no request to withdraw to decide."
    if data.get("close") is None:
        return "Choose whether the case goes on or closes."
    if data["close"] and respondents_own_appeal(case):
        return ("The respondent's own appeal goes on: the complainant's withdrawal cannot "
                "close it. Continue the case.")
    return None if str(data.get("text") or "").strip() else \
        "Give the committee's reasons; both parties receive them."


def request_withdrawal(case: Case, actor, data: dict) -> None:
    notices.to_intake(case, "The complainant asks to withdraw the complaint", [
        "The complaint has been accepted, so the committee decides whether the case goes on "
        "in the public interest or closes.", data["text"].strip()])


def decide_withdrawal(case: Case, actor, data: dict) -> None:
    if data["close"]:
        case.status_before_withdrawal = case.status
        case.closed_at = clock.now()
        case_notices.withdrawn(case, data["text"].strip())
        notices.to_parties(case, "The complaint is withdrawn", [
            "The committee accepted the complainant's withdrawal: the case is closed.",
            data["text"].strip()])
    else:
        notices.to_parties(case, "The case goes on", [
            "The complainant asked to withdraw; the committee decided that the case goes on "
            "in the public interest.", data["text"].strip()])


# --- panels that can be completed ---------------------------------------------------------

def unfit_panel_members(case: Case) -> list:
    """Hearing-panel members who can no longer serve (recused, withdrew, deactivated, or
    now kept apart as a witness)."""
    pool = {u.id for u in p.voters(case, "hearing")}
    return [u for u in p.members_in(case, Capacity.HEARING_PANEL) if u.id not in pool]


def panel_needs_replacing(case: Case) -> bool:
    return bool(unfit_panel_members(case))


def prepare_replacement(case: Case, form, fresh: bool) -> None:
    sitting = {u.id for u in p.members_in(case, Capacity.HEARING_PANEL)}
    apart = access.separated_ids(case)
    form.member_ids.choices = [SelectChoice(u.id, u.name) for u in p.eligible(case)
                               if u.id not in sitting and u.id not in apart]


def guard_replacement(case: Case, data: dict) -> str | None:
    unfit = unfit_panel_members(case)
    if not unfit:
        return "Every member of the hearing panel may still serve: there is no one to replace."
    chosen = list(dict.fromkeys(data.get("member_ids") or []))
    if len(chosen) != len(unfit):
        return (f"Choose {len(unfit)} member{'s' if len(unfit) != 1 else ''} to replace "
                f"{', '.join(u.name for u in unfit)}.")
    sitting = {u.id for u in p.members_in(case, Capacity.HEARING_PANEL)}
    if sitting & set(chosen):
        return "A member chosen already sits on the panel."
    gone = {u.id for u in unfit}
    rest = [u.id for u in p.members_in(case, Capacity.HEARING_PANEL) if u.id not in gone]
    return " ".join(p.panel_problems(case, rest + chosen, Capacity.HEARING_PANEL)) or None


def earliest_after_replacement(case: Case) -> date:
    """The earliest day a hearing may take place after a panel member is replaced: after
    the parties' window to object to the new member, and the notice period from today."""
    window_ends = clock.due_after(coi.objection_days())
    return max(window_ends + timedelta(days=1),
               clock.today() + timedelta(days=p.hearing_notice_days()))


def move_hearing(case: Case, actor, starts_at: datetime, why: str):
    """Postpone the current hearing to a new time (a new hearing row; the notice of the old
    one superseded; both parties and the panel sent the new notice and invitation)."""
    old = p.current_hearing(case)
    old.status = "postponed"
    documents.mark_superseded(
        case, "notice_of_hearing", f"The hearing set for {clock.local_text(old.starts_at)} "
        f"was postponed ({why}); a new notice of hearing replaces this one.", actor)
    p.answer_pending_postponements(case, actor, "postponed")
    new = p.schedule_hearing(case, actor, {
        "starts_at": starts_at, "place": old.place, "video_link": old.video_link,
        "allegation_ids": old.allegation_ids})
    db.session.flush()
    record("case.hearing_moved", actor=actor, target=case, number=case.number,
           starts_at=starts_at.isoformat(), why=why)
    notices.hearing_scheduled(case, new, postponed_from=old)
    return new


def replace_panel_members(case: Case, actor, data: dict) -> None:
    unfit = unfit_panel_members(case)
    rows = db.session.execute(select(Assignment).where(
        Assignment.case_id == case.id, Assignment.capacity == Capacity.HEARING_PANEL,
        Assignment.member_id.in_([u.id for u in unfit]))).scalars().all()
    new_members = []
    for old, member_id in zip(rows, list(dict.fromkeys(data["member_ids"])), strict=True):
        db.session.delete(old)
        db.session.flush()
        db.session.add(Assignment(case_id=case.id, member_id=member_id,
                                  capacity=Capacity.HEARING_PANEL, assigned_by_id=actor.id,
                                  assigned_at=clock.now(), replaces_id=old.member_id))
        new_members.append(db.session.get(User, member_id))
    db.session.flush()
    names = ", ".join(u.name for u in new_members)
    replaced = ", ".join(u.name for u in unfit)
    record("case.panel_member_replaced", actor=actor, target=case, number=case.number,
           replaced=[u.id for u in unfit], members=[u.id for u in new_members])
    window_ends = clock.due_after(coi.objection_days())
    notices.to_parties(case, "A new member sits on the hearing panel", [
        f"{names} replaces {replaced} on the hearing panel.",
        f"You may object to the new member's disclosure of any conflict of interest on your "
        f"case page until {window_ends.isoformat()}."])
    for member in new_members:
        declaration = coi.declaration_of(member, case)
        if declaration is not None and declaration.is_disclosure:
            for role in ("complainant", "respondent"):
                due = coi.objection_deadline(declaration, role)
                if due is not None:
                    coi.open_objection_window(case, role, due)
    notices.to_members(case, new_members, "You sit on a hearing panel",
                       [f"The chair appointed you to the hearing panel in place of {replaced}."])
    hearing = p.current_hearing(case)
    earliest = earliest_after_replacement(case)
    if hearing is not None and hearing.status == "scheduled" and \
            hearing.starts_at.date() < earliest:
        day = clock.next_weekday(earliest)
        move_hearing(case, actor, hearing.starts_at.replace(
            year=day.year, month=day.month, day=day.day),
            "a panel member was replaced: the parties' window to object to the new member "
            "and the notice period must run first")


# --- sanctions over time: reinstatement -----------------------------------------------------

def _reinstatable(case: Case) -> list:
    """The suspensions and revocations in force a petition may ask to end (a suspension
    served is over: nothing to reinstate from)."""
    decision = p.operative_decision(case)
    return [s for s in (decision.sanctions if decision else []) if s.status == "in_force"
            and s.kind in (SanctionKind.SUSPENSION, SanctionKind.REVOCATION)]


def guard_reinstatement(case: Case, data: dict) -> str | None:
    if pa.petition_pending(case):
        return "A petition is already waiting for the committee's decision."
    running = _reinstatable(case)
    if not running:
        return "There is no suspension or revocation in force to be reinstated from."
    if all(s.kind == SanctionKind.REVOCATION for s in running):
        ends = max(p.bar_ends_on(s) or clock.today() for s in running)
        if clock.today() < ends:
            return (f"The bar on reapplying runs until {ends.isoformat()}: a petition for "
                    "reinstatement may be filed from that day.")
    return pa.needs("text", message="Give the grounds of the petition.")(case, data)


def decide_reinstatement(case: Case, actor, data: dict) -> None:
    reasons = str(data.get("text") or "").strip()
    if data.get("grant"):
        for s in _reinstatable(case):
            p.end_sanction(s, "lifted", actor)
        if case.respondent_certificant is not None:
            registry.change_status(case.respondent_certificant, CertStatus.ACTIVE, actor=actor,
                                   reason="reinstated", case_number=case.number)
    else:
        record("sanction.reinstatement_refused", actor=actor, target=case, number=case.number)
    notices.to_parties(case, "The petition for reinstatement is decided", [
        "Granted: the certification is reinstated." if data.get("grant") else
        "Refused: the sanction stays as it is.", reasons])


# --- hearings -------------------------------------------------------------------------------

def ready_postponement_request(case: Case) -> str | None:
    hearing = p.current_hearing(case)
    if hearing is not None and hearing.starts_at <= clock.now():
        return "The hearing has begun: a postponement can no longer be asked."
    return None


def hold(case: Case, actor, data: dict) -> None:
    p.answer_pending_postponements(case, actor, "held")
    pa.hold(case, actor, data)


# --- disclosure before the hearing -------------------------------------------------------------

def disclosure_days() -> int:
    return int(current_app.config["DISCLOSURE_DAYS"])


def panel_file(case: Case) -> list[tuple[str, int, str, object]]:
    """What the hearing panel will see that the respondent must have first: the findings
    report and every item of evidence (not the respondent's own files, not an excluded
    item, not the hearing's exhibits): (item type, id, label, the row)."""
    out = []
    report = p.report_of(case)
    if report is not None:
        out.append(("report", report.id, "Findings report", report))
    mine = {case.respondent_user_id} - {None}
    for e in case.evidence:
        if e.excluded_at is None and e.uploaded_by_id not in mine and e.context != "exhibit":
            out.append(("evidence", e.id, e.original_name, e))
    return out


def _first_disclosed(case: Case) -> dict[tuple[str, int], datetime]:
    """When each item was first disclosed, read once a request (forgotten at each
    disclosure: `cases.services.disclose`)."""
    return access.remembered(("first_disclosed", case.id), lambda: _first_of(db.session.execute(
        select(Disclosure.item_type, Disclosure.item_id, Disclosure.at)
        .where(Disclosure.case_id == case.id)).all()))


def already_read_disclosures(case: Case, rows: list[tuple[str, int | None, datetime]]) -> None:
    """Remember for the request the disclosure log's (item type, item id, time), read by the
    caller (the case page's small lists)."""
    access.remembered(("first_disclosed", case.id), lambda: _first_of(rows))


def _first_of(rows) -> dict[tuple[str, int], datetime]:
    first: dict[tuple[str, int], datetime] = {}
    for item_type, item_id, at in sorted(rows, key=lambda row: row[2]):
        first.setdefault((item_type, item_id), at)
    return first


def disclose_file(case: Case, actor) -> list[str]:
    """Disclose to the respondent, through the disclosure log, whatever of the panel's file
    they do not have yet; returns what was disclosed."""
    first = _first_disclosed(case)
    address = case_services.service_address(case)
    done = []
    for item_type, item_id, label, row in panel_file(case):
        if (item_type, item_id) in first:
            continue
        case_services.disclose(case, item_type, item_id, label, how="case page",
                               recipient_user=case.respondent_user, recipient_email=address,
                               by=actor)
        if item_type == "evidence":
            row.disclosed_to_respondent = True
        done.append(label)
    if done:
        db.session.flush()
        notices.to_respondent_only(case, "What the hearing panel will see", [
            "These are disclosed to you on your case page, for the hearing: "
            + ", ".join(done) + "."])
    return done


def _waived_at(case: Case) -> datetime | None:
    waived = [e.at for e in case.events if e.action == "waive_disclosure"]
    return max(waived) if waived else None


def late_items(case: Case) -> list[str]:
    """What the panel has that the respondent did not have at least DISCLOSURE_DAYS before
    the hearing (and did not waive in writing)."""
    hearing = p.current_hearing(case)
    if hearing is None or hearing.status != "scheduled":
        return []
    limit = hearing.starts_at.date() - timedelta(days=disclosure_days())
    first, waived = _first_disclosed(case), _waived_at(case)
    late = []
    for item_type, item_id, label, _row in panel_file(case):
        at = first.get((item_type, item_id))
        if at is None:
            late.append(label)
        elif at.date() > limit and not (waived is not None and waived >= at):
            late.append(label)
    return late


def ready_hold(case: Case) -> str | None:
    problem = pa.ready_hearing_held(case)
    if problem:
        return problem
    late = late_items(case)
    if late:
        return (f"Not disclosed to the respondent at least {disclosure_days()} days before the "
                f"hearing: {', '.join(late)}. The chair moves the hearing or excludes it, "
                "unless the respondent waives the time in writing.")
    return None


def undisclosed(case: Case) -> bool:
    first = _first_disclosed(case)
    return any((t, i) not in first for t, i, _, _ in panel_file(case))


def guard_waiver(case: Case, data: dict) -> str | None:
    if not late_items(case):
        return "Everything the panel has was disclosed to you in time: there is nothing to waive."
    if undisclosed(case):
        return ("Something the panel has was not disclosed to you yet: it cannot be waived "
                "before you have it.")
    return None if str(data.get("text") or "").strip() else \
        "Write your waiver: that you had enough time to read what was disclosed late."


def waive_disclosure(case: Case, actor, data: dict) -> None:
    record("case.disclosure_waived", actor=actor, target=case, number=case.number,
           items=late_items(case))
    notices.to_intake(case, "The respondent waived the disclosure period", [
        data["text"].strip()])


def guard_late_evidence(case: Case, data: dict) -> str | None:
    late = late_items(case)
    if not late:
        return "Everything the panel has was disclosed in time: there is nothing to decide."
    if data.get("move") is None:
        return "Choose whether the hearing moves or the late evidence is excluded."
    if data["move"]:
        starts_at, hearing = data.get("starts_at"), p.current_hearing(case)
        earliest = clock.today() + timedelta(days=disclosure_days())
        if starts_at is None or starts_at.date() < earliest or starts_at <= hearing.starts_at:
            return (f"Give a later date for the hearing, on or after {earliest.isoformat()} "
                    f"({disclosure_days()} days after disclosing it now).")
    elif "Findings report" in late:
        return "The findings report cannot be excluded: move the hearing."
    return None if str(data.get("text") or "").strip() else \
        "Give the chair's reasons; both parties receive them."


def decide_late_evidence(case: Case, actor, data: dict) -> None:
    late = late_items(case)
    reasons = data["text"].strip()
    if data["move"]:
        disclose_file(case, actor)
        move_hearing(case, actor, data["starts_at"],
                     "evidence was disclosed to the respondent too late for the date set")
    else:
        first, waived = _first_disclosed(case), _waived_at(case)
        limit = p.current_hearing(case).starts_at.date() - timedelta(days=disclosure_days())
        for item_type, item_id, _label, row in panel_file(case):
            at = first.get((item_type, item_id))
            if item_type == "evidence" and (at is None or (
                    at.date() > limit and not (waived is not None and waived >= at))):
                row.excluded_at, row.excluded_reason = clock.now(), reasons
        record("case.evidence_excluded", actor=actor, target=case, number=case.number,
               items=late)
    notices.to_parties(case, "Evidence disclosed late", [
        ("The hearing is moved so that the respondent has the evidence in time: "
         if data["move"] else "The late evidence is excluded: the panel will not see it: ")
        + ", ".join(late) + ".", reasons])


def set_hearing(case: Case, actor, data: dict) -> None:
    pa.set_hearing(case, actor, data)
    disclose_file(case, actor)  # the respondent has the panel's file with the notice


# --- accounts and cases that change ------------------------------------------------------------

def fresh_deadlines(case: Case) -> None:
    """A withdrawn case the committee continues: every open clock runs again, in full, from
    the day it continues (so a deadline that passed meanwhile never records a default)."""
    for deadline in case.deadlines:
        if deadline.status != "open":
            continue
        length = max(1, (deadline.original_due_on - deadline.set_at.date()).days)
        deadline.due_on = clock.due_after(length)
        deadline.reminders_sent = []
