"""The workflow table, walked: every action from every state, by the right and the wrong people.

Cases are put straight into each state in the database; `apply()` must allow exactly
what `ACTIONS` says and refuse the rest, changing nothing when it refuses.
"""
from __future__ import annotations

import ast
import html as html_lib
import re
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from case_helpers import (
    DECIDED_STATES,
    HEARD_STATES,
    INVESTIGATED_STATES,
    SERVED_STATES,
    action_buttons,
    case_in_state,
)
from conftest import PASSWORD, Cast
from sqlalchemy import event, func, select

from app import clock
from app.accounts.models import User
from app.audit.models import AuditEntry
from app.cases import services
from app.cases.models import Case, CaseEvent, Deadline, ExtensionRequest
from app.coi import services as coi
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.proceedings import actions as pa
from app.proceedings import adjustments, workflow
from app.proceedings import fairness as fair
from app.proceedings import services as p
from app.proceedings.models import (
    Appeal,
    Assignment,
    Decision,
    DocumentRequest,
    Hearing,
    HearingPostponement,
    InvestigationItem,
    Measure,
    Sanction,
    Vote,
)
from app.proceedings.workflow import ACTIONS, SYSTEM, NotAllowed, StaleCase, State, WorkflowError
from app.records.models import DisposalBatch, DisposalItem
from app.registry.models import Certificant

APP_DIR = Path(__file__).resolve().parent.parent / "app"

# Who takes each kind of action, by the permission the table names. The member is the
# case's investigator (`_build` assigns them from the investigation on).
TAKER = {
    "case.submit": "complainant", "case.provide_info": "complainant",
    "case.withdraw": "complainant", "case.intake": "chair",
    "case.respond": "respondent", "case.request_extension": "respondent", SYSTEM: None,
    "case.chair": "chair", "case.investigate": "member", "case.respondent": "respondent",
    "case.appeal": "respondent", "case.compliance": "chair", "case.party": "complainant",
}
# Who else may take it (the policy also gives administrators intake and compliance).
ALSO = {"case.intake": ("admin",), "case.compliance": ("admin",),
        "case.party": ("respondent",)}
EVERYONE = ("complainant", "respondent", "chair", "member", "admin", "outsider")


def _may_take(permission: str) -> set[str]:
    taker = TAKER[permission]
    return set() if taker is None else {taker, *ALSO.get(permission, ())}


def _wrong(permission: str) -> list[str]:
    """Who must be refused (NotAllowed) whatever the state: everyone else. The complainant
    is refused an appeal because the decisions `case_in_state` builds find a violation."""
    return [w for w in EVERYONE if w not in _may_take(permission)]


@pytest.fixture(scope="module")
def people(module_make):
    """The cast, made once for the module; each test rolls back to it. The respondent's
    registry record has no email on file."""
    return Cast(module_make)("complainant", "respondent", "chair", "member", "admin", "outsider",
                             "record", record_email=None)


@pytest.fixture
def status_writes():
    """Every change of Case.status made from code under app/, with where it was made.

    Setting the status of a new case (its creation) is not a change and is not listed.
    """
    writes = []

    def on_set(target, value, oldvalue, initiator):
        if not isinstance(oldvalue, str):  # a new object: creation, not a transition
            return
        frame = sys._getframe(1)
        while frame is not None:
            path = Path(frame.f_code.co_filename)
            if APP_DIR in path.parents:
                writes.append((path.relative_to(APP_DIR).as_posix(), frame.f_code.co_name,
                               oldvalue, value))
                return
            frame = frame.f_back

    event.listen(Case.status, "set", on_set, active_history=True)
    yield writes
    event.remove(Case.status, "set", on_set)


def _load(people) -> dict:
    return {k: db.session.get(User, v.id) for k, v in people.items() if k != "record"}


# The quorum stays at its default (COMMITTEE_QUORUM=3), so the tests need more committee
# members than the people above: extra members, created when a state or an action needs
# them. Extras 1 and 2 sit with the chair on the hearing panel (and vote at review with
# the chair); extras 3 to 5 are the appeal panel. The investigator sits on neither panel.
HEARING_PANEL_EXTRAS, APPEAL_PANEL_EXTRAS = (1, 2), (3, 4, 5)


def _extra_email(n: int) -> str:
    return f"extra{n}@example.com"


def _existing_extras(numbers) -> list[User]:
    """The extra members already created (never creates: safe inside a snapshot)."""
    found = [db.session.execute(select(User).where(User.email == _extra_email(n)))
             .scalar_one_or_none() for n in numbers]
    return [u for u in found if u is not None]


def _extras(case: Case, numbers) -> list[User]:
    """Extra committee members, created if need be, each declared "no conflict" on the case."""
    from app.accounts.services import create_user

    members = []
    for n in numbers:
        [user] = _existing_extras([n]) or [create_user(
            _extra_email(n), f"Eli Extra {n}", PASSWORD, verified=True, roles=("member",))]
        if case is not None and coi.declaration_of(user, case) is None:
            coi.declare(case, user, "none")
        members.append(user)
    db.session.commit()
    return members


def _hearing_panel(users) -> list[User]:
    return [users["chair"], *_existing_extras(HEARING_PANEL_EXTRAS)]


def _build(people, users, state: str) -> Case:
    record = db.session.get(Certificant, people["record"].id)
    extras = _extras(None, HEARING_PANEL_EXTRAS) if state in HEARD_STATES else []
    case = case_in_state(state, users["complainant"], record, users["respondent"],
                         investigator=users["member"], chair=users["chair"],
                         panel=[users["chair"], *extras])
    if state != "draft":  # S7: the committee members declare "no conflict" first
        for who in ("chair", "member"):
            coi.declare(case, users[who], "none")
        for extra in extras:
            coi.declare(case, extra, "none")
    db.session.commit()
    return case


def _snapshot(case: Case) -> dict:
    """What a refused action must leave as it was."""
    count = lambda model: db.session.execute(select(func.count()).select_from(model)).scalar_one()  # noqa: E731
    record = case.respondent_certificant
    return {
        "status": case.status, "row_version": case.row_version, "closed_at": case.closed_at,
        "number": case.number, "events": count(CaseEvent), "audit": count(AuditEntry),
        "outbox": count(OutboxMessage), "extensions": count(ExtensionRequest),
        "deadlines": sorted((d.kind, d.status, d.due_on) for d in db.session.execute(
            select(Deadline).where(Deadline.case_id == case.id)).scalars()),
        # the proceeding after the answer
        "rows": {m.__name__: count(m) for m in (
            Assignment, InvestigationItem, DocumentRequest, Vote, Decision, Hearing,
            HearingPostponement, Appeal, Measure)},
        "hearings": sorted((h.id, h.status, h.starts_at) for h in db.session.execute(
            select(Hearing).where(Hearing.case_id == case.id)).scalars()),
        "sanctions": sorted((s.id, s.status, repr(s.conditions)) for s in db.session.execute(
            select(Sanction)).scalars()),
        "consent": repr(getattr(pa.pending_consent(case), "details", None)),
        "registry": record.status if record is not None else None,
    }


# --- what each action needs to go through, and attempts its guard refuses ---------------------

def _allegation_ids(case: Case) -> list[int]:
    return [a.id for a in case.allegations if not a.proposed]


def _open_condition(case: Case) -> tuple[int | None, int | None]:
    for s in p.open_sanctions(case):
        for i, c in enumerate(s.conditions or []):
            if not c.get("met_on"):
                return s.id, i
    return None, None


def _good(name: str, case: Case, users) -> dict:
    """Data with which the action goes through (see _prepare for what the case needs)."""
    today = clock.today()
    if name == "dispose":  # the batch _prepare warned and confirmed, if any
        item = db.session.execute(select(DisposalItem).where(
            DisposalItem.case_id == case.id)).scalar_one_or_none()
        return {"batch": item.batch if item else None}
    if name == "decide_extension":
        deadline = case.open_deadline("response")
        due = deadline.due_on if deadline else today
        return {"grant": True, "new_due_on": due + timedelta(days=14), "text": "Granted once."}
    if name == "set_hearing":
        return {"member_ids": [u.id for u in _hearing_panel(users)],
                "starts_at": clock.now().replace(hour=10, minute=0, second=0, microsecond=0)
                + timedelta(days=p.hearing_notice_days() + 7),
                "place": "Hearing room 2", "video_link": "",
                "allegation_ids": _allegation_ids(case)}
    if name == "decide_postponement":
        hearing = p.current_hearing(case)
        when = hearing.starts_at if hearing else clock.now() + timedelta(days=60)
        return {"grant": True, "starts_at": when + timedelta(days=14),
                "text": "Granted: counsel is unavailable."}
    if name == "set_appeal_panel":
        return {"member_ids": [u.id for u in _existing_extras(APPEAL_PANEL_EXTRAS)]}
    if name == "decide_late_evidence":
        hearing = p.current_hearing(case)
        when = hearing.starts_at if hearing else clock.now() + timedelta(days=60)
        return {"move": True, "starts_at": when + timedelta(days=14),
                "text": "The respondent needs time to read the report."}
    if name == "replace_panel_member":  # extra 3 in place of extra 2 (recused: _prepare)
        return {"member_ids": [u.id for u in _existing_extras(APPEAL_PANEL_EXTRAS[:1])]}
    if name == "record_compliance":
        sanction_id, index = _open_condition(case)
        return {"sanction_id": sanction_id, "condition": index}
    return {
        "accept": {"respondent_email": "rory@example.com"},
        "dismiss": {"reason": "duplicate", "text": "Same as EC-2026-00001."},
        "request_info": {"text": "Which client file is this about?"},
        "provide_info": {"text": "File 42, March 2025."},
        "respond": {"text": "I deny the allegations."},
        "request_extension": {"text": "I am abroad until January."},
        "withdraw": {"text": "We settled."},
        "waive_disclosure": {"text": "I have read the report and am ready."},
        "request_withdrawal": {"text": "We settled."},
        # (the respondent's own appeal is never closed by a withdrawal: case_in_state's is)
        "decide_withdrawal": {"close": case.status != "under_appeal",
                              "text": "The committee has decided."},
        "continue": {"text": "The conduct concerns the public."},
        "assign_investigators": {"member_ids": [users["member"].id]},
        "request_documents": {"addressee_role": "respondent", "addressee_name": "",
                              "addressee_email": "", "text": "The client file of March 2025.",
                              "days": 14},
        "answer_request": {"text": "The file is attached."},
        "refer": {"text": "Findings: the evidence supports the allegation of S7."},
        "review_dismiss": {"text": "The evidence does not support the allegation."},
        "review_caution": {"text": "Mind the boundaries of the professional relationship."},
        "propose_consent": {"violated_ids": _allegation_ids(case),
                            "text": "The respondent agrees that S7 was violated.",
                            "sanction": {"kind": "private_reprimand",
                                         "terms": "A private reprimand."}},
        "sign_consent": {"agree": True},
        "request_postponement": {"text": "My counsel is in court that day."},
        "hold_hearing": {"attendance": [{"name": "Rory Respondent", "role": "respondent"}],
                         "minutes": "The respondent was heard.", "recording_ref": ""},
        "decide": {"text": "The panel finds that S7 was violated.",
                   "sanction": {"terms": "Suspended for six months.",
                                "starts_on": today + timedelta(days=7),
                                "ends_on": today + timedelta(days=190)}},
        "appeal": {"text": "The panel misread the file."},
        "appeal_affirm": {"text": "The decision stands."},
        "appeal_modify": {"text": "A reprimand suffices.",
                          "sanction": {"kind": "private_reprimand", "terms": "Reprimanded."}},
        "appeal_reverse": {"text": "The evidence does not support the finding."},
        "appeal_remand": {"text": "The committee must hear the witness."},
        "interim_suspension": {"text": "Clients are at risk.",
                               "review_on": today + timedelta(days=30)},
        "lift_interim_suspension": {"text": "The risk has passed."},
        "stay": {"text": "The civil court decides the same facts."},
        "lift_stay": {"text": "The court has ruled."},
        "petition_reinstatement": {"text": "I completed the education asked of me."},
        "decide_reinstatement": {"grant": True, "text": "The petitioner is rehabilitated."},
        "ask_adjustment": {"text": "The documents in large print, please."},
        "answer_adjustment": {"text": "Large-print copies are in the post."},
    }.get(name, {})


def _pending_extension(case: Case, users) -> None:
    services.request_extension(case, users["respondent"], "I am abroad.", None)
    db.session.commit()


def _vote(case: Case, stage: str, question: str, choice: str, voters) -> None:
    for member in voters:
        p.cast_vote(case, member, stage, question, choice, "My reasons.")
    db.session.commit()


def _review_voters(case: Case, users) -> list[User]:
    """The chair and two extra members: a quorum of eligible members at review."""
    return [users["chair"], *_extras(case, HEARING_PANEL_EXTRAS)]


def _appeal_panel(case: Case, users) -> list[User]:
    members = _extras(case, APPEAL_PANEL_EXTRAS)
    p.assign(case, [u.id for u in members], "appeal_panel", users["chair"])
    db.session.commit()
    return members


def _request_for_respondent(case: Case, users) -> None:
    if not p.open_requests(case, "respondent"):
        p.open_request(case, users["member"], _good("request_documents", case, users))
        db.session.commit()


def _apply(case: Case, name: str, actor, users) -> None:
    """Take another action first, the way the page would (what this one needs on file)."""
    workflow.apply(case, name, actor, seen_version=case.row_version, **_good(name, case, users))
    db.session.commit()


def _prepare(name: str, case: Case, users) -> None:
    """What must be on file before the action can be taken (beyond the state)."""
    chair, respondent = users["chair"], users["respondent"]
    if name == "dispose":  # closed long ago, warned, and the batch confirmed
        case.closed_at = clock.now() - timedelta(days=365 * 40)
        batch = DisposalBatch(due_by=clock.today(), status="confirmed",
                              confirmed_by_id=users["admin"].id, confirmed_at=clock.now())
        batch.items = [DisposalItem(case_id=case.id, disposal_on=clock.today(), rule="test")]
        db.session.add(batch)
        db.session.commit()
    elif name == "decide_extension":
        _pending_extension(case, users)
    elif name == "answer_request":
        _request_for_respondent(case, users)
    elif name in ("review_dismiss", "review_caution", "propose_consent", "set_hearing"):
        choice = {"review_dismiss": "dismiss", "review_caution": "caution",
                  "propose_consent": "consent", "set_hearing": "hearing"}[name]
        _vote(case, "review", "outcome", choice, _review_voters(case, users))
    elif name == "sign_consent":
        _vote(case, "review", "outcome", "consent", _review_voters(case, users))
        if pa.pending_consent(case) is None:
            _apply(case, "propose_consent", chair, users)
    elif name == "decide_postponement":
        if p.pending_postponement(case) is None:
            _apply(case, "request_postponement", respondent, users)
    elif name == "hold_hearing":  # the hearing has taken place, its file disclosed in time
        clock.freeze(p.current_hearing(case).starts_at + timedelta(hours=3))
    elif name == "waive_disclosure":
        if fair.undisclosed(case):  # (what _bad left) disclosed five days before
            clock.freeze(p.current_hearing(case).starts_at - timedelta(days=5))
            fair.disclose_file(case, users["chair"])
            db.session.commit()
        elif not fair.late_items(case):
            _late_report(case, users, disclosed=True)
    elif name == "decide_late_evidence":
        if not fair.late_items(case):
            _late_report(case, users, disclosed=False)
    elif name == "decide":  # the panel voted: S7 violated, and a suspension
        panel = p.voters(case, "hearing")
        for allegation in p.heard_allegations(case):
            _vote(case, "hearing", f"allegation:{allegation.id}", "violated", panel)
        _vote(case, "hearing", "sanction", "suspension", panel)
    elif name == "set_appeal_panel":
        _extras(case, APPEAL_PANEL_EXTRAS)
    elif name.startswith("appeal_"):
        _vote(case, "appeal", "outcome", name.removeprefix("appeal_"), _appeal_panel(case, users))
    elif name == "record_noncooperation":  # one request's deadline passed; another runs on
        asked = _good("request_documents", case, users)
        short = p.open_request(case, users["member"], {**asked, "days": 3})
        p.open_request(case, users["member"], {**asked, "days": 30})
        db.session.commit()
        clock.freeze(clock.now() + timedelta(days=(short.deadline.due_on - clock.today()).days + 1))
    elif name == "condition_missed":  # the day after a condition fell due, unmet
        sanction_id, index = _open_condition(case)
        sanction = db.session.get(Sanction, sanction_id)
        due = sanction.conditions[index]["due_on"]
        clock.freeze(clock.now().replace(year=int(due[:4]), month=int(due[5:7]),
                                          day=int(due[8:])) + timedelta(days=1))
    elif name == "close":  # every sanction has run its course
        for sanction in p.open_sanctions(case):
            p.end_sanction(sanction, "completed")
        db.session.commit()
    elif name in ("lift_interim_suspension", "lift_stay"):
        kind = name.removeprefix("lift_")
        if p.open_measure(case, kind) is None:
            pa.measure_effect(kind)(case, chair, {"text": "In place."})
            db.session.commit()
    elif name == "petition_reinstatement":
        _revoked(case, users, bar_ended=True)
    elif name == "decide_reinstatement":
        _revoked(case, users, bar_ended=True)
        if not pa.petition_pending(case):
            _apply(case, "petition_reinstatement", respondent, users)
    elif name == "answer_adjustment":
        if adjustments.pending(case) is None:
            _apply(case, "ask_adjustment", users["complainant"], users)
    elif name == "replace_panel_member":
        _recuse_panel_member(case, users)
    elif name == "decide_withdrawal":
        if not fair.withdrawal_pending(case):
            _apply(case, "request_withdrawal", users["complainant"], users)


def _late_report(case: Case, users, *, disclosed: bool) -> InvestigationItem:
    """An addendum to the findings report, filed after the panel's file was disclosed:
    undisclosed, or disclosed late (five days before the hearing, the clock left there)."""
    item = p.add_item(case, users["member"], "report", "Findings report", text="Addendum.")
    if disclosed:
        clock.freeze(p.current_hearing(case).starts_at - timedelta(days=5))
        fair.disclose_file(case, users["chair"])
    db.session.commit()
    return item


def _revoked(case: Case, users, *, bar_ended: bool) -> None:
    """A closed case's suspension was served: what a petition may end is a revocation (with
    a one-year bar, ended or not). A final case's suspension is still in force."""
    if case.status != "closed":
        return
    decision = p.latest_decision(case)
    revocation = next((s for s in decision.sanctions if s.kind == "revocation"), None)
    if revocation is None:
        revocation = Sanction(kind="revocation", terms="Revoked.", bar_years=1,
                              status="in_force", registry_status_before="active")
        decision.sanctions.append(revocation)
    decision.final_at = clock.now() - timedelta(days=400 if bar_ended else 30)
    db.session.commit()


def _recuse_panel_member(case: Case, users) -> None:
    """Extra 2 withdraws from the case after the hearing is set; extra 3 may replace them."""
    _extras(case, APPEAL_PANEL_EXTRAS[:1])
    if not fair.unfit_panel_members(case):
        coi.recuse_self(case, _existing_extras(HEARING_PANEL_EXTRAS[1:])[0], "I know the family.")
        db.session.commit()


def _delete(*rows) -> None:
    for row in rows:
        db.session.delete(row)
    db.session.commit()


def _bad(name: str, case: Case, users):
    """Attempts the action's guard refuses, one after the other: (data, expected message, undo).

    A generator: each attempt's setup runs after the previous attempt was undone.
    """
    nothing = lambda: None  # noqa: E731
    chair, member, respondent = users["chair"], users["member"], users["respondent"]
    good = _good(name, case, users)
    if name == "dispose":
        yield {"batch": None}, "in no disposal batch", nothing
    elif name == "submit":
        case.attest_good_faith = False
        db.session.commit()

        def undo():
            case.attest_good_faith = True
            db.session.commit()
        yield {}, "Confirm that you make the complaint in good faith.", undo
    elif name == "decide_extension":
        yield {"grant": True, "new_due_on": None}, "There is no extension request to decide.", nothing
    elif name == "ask_adjustment":
        yield {"text": " "}, "Say what you need", nothing
    elif name == "answer_adjustment":
        yield good, "There is no request for an adjustment to answer.", nothing
        _prepare(name, case, users)
        yield {"text": ""}, "Write the answer the party will receive.", nothing
    elif name == "request_extension":
        _pending_extension(case, users)

        def undo():
            db.session.delete(services.pending_extension(case))
            db.session.commit()
        yield {"text": "Again."}, "already waiting for the chair's decision", undo
    elif name == "assign_investigators":
        yield {"member_ids": []}, "Choose at least one member.", nothing
        yield {"member_ids": [users["outsider"].id]}, "may not serve", nothing
    elif name == "request_documents":
        yield {**good, "text": " "}, "Say which documents are asked for.", nothing
        yield ({**good, "addressee_role": "witness", "addressee_name": "Wendy Witness"},
               "Give the witness's name and email address.", nothing)
        yield {**good, "days": 0}, "Give the number of days allowed (1 to 90).", nothing
        yield {**good, "days": 91}, "Give the number of days allowed (1 to 90).", nothing
    elif name == "answer_request":
        yield good, "There is no open request for documents addressed to you.", nothing
        p.open_request(case, member, {**_good("request_documents", case, users),
                                      "addressee_role": "witness", "addressee_name": "Wendy",
                                      "addressee_email": "wendy@example.com"})
        db.session.commit()
        yield good, "There is no open request for documents addressed to you.", nothing
        _request_for_respondent(case, users)
        yield {"text": ""}, "Write your answer, and attach the documents asked for.", nothing
    elif name == "refer":
        yield {"text": ""}, "Write the findings report that closes the investigation.", nothing
    elif name in ("review_dismiss", "review_caution", "propose_consent", "set_hearing"):
        wanted = {"review_dismiss": "dismiss", "review_caution": "caution",
                  "propose_consent": "consent", "set_hearing": "hearing"}[name]
        voters = _review_voters(case, users)
        good = _good(name, case, users)  # the panel (set_hearing) exists now
        yield good, "The quorum is 3 eligible members and 0 have voted", nothing
        _vote(case, "review", "outcome", wanted, voters[:2])
        yield good, "The quorum is 3 eligible members and 2 have voted", nothing
        other = "caution" if wanted == "dismiss" else "dismiss"
        _vote(case, "review", "outcome", other, voters[2:])
        _vote(case, "review", "outcome", other, voters[1:2])
        yield good, "do not carry this outcome by a majority", nothing
        _vote(case, "review", "outcome", wanted, voters)
        if name in ("review_dismiss", "review_caution"):
            yield {"text": " "}, "Write the reasons given to the parties.", nothing
        elif name == "propose_consent":
            yield ({**good, "violated_ids": []},
                   "Choose the allegations the respondent agrees were violated.", nothing)
            yield ({**good, "violated_ids": [999999]},
                   "Choose the allegations the respondent agrees were violated.", nothing)
            yield {**good, "sanction": {}}, "Choose a sanction.", nothing
            yield ({**good, "sanction": {"kind": "suspension"}},
                   "A suspension needs a start and a later end date.", nothing)
            yield {**good, "text": ""}, "Write the agreed findings.", nothing
            _apply(case, "propose_consent", chair, users)
            yield good, "already waiting for the respondent's signature", \
                lambda: _delete(pa.pending_consent(case))
        else:
            yield ({**good, "member_ids": [member.id] + good["member_ids"][1:]},
                   "The case's investigator may not sit on its panel.", nothing)
            yield ({**good, "member_ids": good["member_ids"][:2]},
                   "A panel needs at least 3 members (the quorum); 2 chosen.", nothing)
            yield ({**good, "starts_at": clock.now() + timedelta(days=5)},
                   "The parties must have at least 30 days' notice", nothing)
            yield {**good, "starts_at": None}, "Give the date and time of the hearing.", nothing
            yield {**good, "allegation_ids": []}, "Choose the allegations to be heard.", nothing
            yield {**good, "place": " "}, "Give the place or a video link.", nothing
    elif name == "sign_consent":
        yield good, "There is no consent agreement waiting for your signature.", nothing
        _vote(case, "review", "outcome", "consent", _review_voters(case, users))
        _apply(case, "propose_consent", chair, users)
        yield {"agree": False}, "Tick the box to sign the agreement.", nothing
    elif name == "request_postponement":
        yield {"text": ""}, "Give the reason you ask for a postponement.", nothing
        request = HearingPostponement(hearing_id=p.current_hearing(case).id,
                                      requested_by_id=respondent.id, reason="Earlier.",
                                      requested_at=clock.now())
        db.session.add(request)
        db.session.commit()
        yield good, "A postponement request is already waiting for the chair.", \
            lambda: _delete(request)
    elif name == "decide_postponement":
        yield good, "There is no postponement request to decide.", nothing
        _apply(case, "request_postponement", respondent, users)
        hearing = p.current_hearing(case)
        yield ({**good, "starts_at": hearing.starts_at - timedelta(days=1)},
               "The new date must be later than the one postponed.", nothing)
        yield {**good, "starts_at": None}, "Give the date and time of the hearing.", nothing
    elif name == "hold_hearing":
        yield good, "The hearing has not started yet", nothing
        clock.freeze(p.current_hearing(case).starts_at + timedelta(hours=3))
        addendum = _late_report(case, users, disclosed=False)
        yield good, "Not disclosed to the respondent at least 14 days before the hearing: " \
            "Findings report.", lambda: _delete(addendum)
        clock.freeze(p.current_hearing(case).starts_at + timedelta(hours=3))
        yield {**good, "attendance": []}, "Record who attended.", nothing
        yield ({**good, "minutes": " ", "recording_ref": ""},
               "Write the minutes, or where the recording is.", nothing)
    elif name == "decide":
        yield good, "Every panel member must vote on S7: 0 of 3 have.", nothing
        panel = p.voters(case, "hearing")
        [allegation] = p.heard_allegations(case)
        _vote(case, "hearing", f"allegation:{allegation.id}", "violated", panel[:2])
        yield good, "Every panel member must vote on S7: 2 of 3 have.", nothing
        _vote(case, "hearing", f"allegation:{allegation.id}", "violated", panel)
        yield good, "A violation is found: the panel must agree a sanction by a majority.", nothing
        _vote(case, "hearing", "sanction", "suspension", panel)
        yield ({**good, "sanction": {"terms": "No dates."}},
               "A suspension needs a start and a later end date.", nothing)
    elif name == "appeal":
        yield {"text": ""}, "Give the grounds of the appeal.", nothing
        due = p.latest_decision(case).appeal_due_on
        now = clock.now()
        clock.freeze(now + timedelta(days=(due - now.date()).days + 1))
        yield good, f"The appeal period ended on {due}.", lambda: clock.freeze(now)
    elif name == "set_appeal_panel":
        yield {"member_ids": []}, "Choose at least one member.", nothing
        extras = _extras(case, APPEAL_PANEL_EXTRAS)
        yield ({"member_ids": [u.id for u in extras[:2]]},
               "A panel needs at least 3 members (the quorum); 2 chosen.", nothing)
        yield ({"member_ids": [u.id for u in extras[:2]] + [_hearing_panel(users)[1].id]},
               "No member of the hearing panel may sit on the appeal panel.", nothing)
        yield ({"member_ids": [u.id for u in extras[:2]] + [member.id]},
               "The case's investigator may not sit on its panel.", nothing)
    elif name.startswith("appeal_"):
        wanted = name.removeprefix("appeal_")
        yield good, "Choose the appeal panel first.", nothing
        panel = _appeal_panel(case, users)
        yield good, "The quorum is 3 eligible members and 0 have voted", nothing
        other = "affirm" if wanted != "affirm" else "reverse"
        _vote(case, "appeal", "outcome", other, panel[:2])
        _vote(case, "appeal", "outcome", wanted, panel[2:])
        yield good, "do not carry this outcome by a majority", nothing
        _vote(case, "appeal", "outcome", wanted, panel)
        if wanted == "modify":
            yield {**good, "sanction": {}}, "Choose a sanction.", nothing
        yield {**good, "text": ""}, "Write the appeal panel's reasons.", nothing
    elif name == "record_compliance":
        message = "Choose a condition of a sanction in force."
        yield {"sanction_id": None, "condition": None}, message, nothing
        yield {**good, "condition": 1}, message, nothing
        suspension = next(s for s in p.open_sanctions(case) if s.kind == "suspension")
        yield {"sanction_id": suspension.id, "condition": 0}, message, nothing
        sanction = db.session.get(Sanction, good["sanction_id"])
        conditions = sanction.conditions
        p.meet_condition(sanction, good["condition"], chair)
        db.session.commit()

        def undo():
            sanction.conditions = conditions
            db.session.commit()
        yield good, "That condition is already recorded as met.", undo
    elif name in ("interim_suspension", "stay"):
        yield {**good, "text": " "}, "Give the committee's reason.", nothing
        measure = Measure(case_id=case.id, kind=name, reason="Earlier.",
                          decided_by_id=chair.id, decided_at=clock.now())
        db.session.add(measure)
        db.session.commit()
        yield good, "This measure is already in place.", lambda: _delete(measure)
    elif name in ("lift_interim_suspension", "lift_stay"):
        kind = name.removeprefix("lift_")
        yield good, "There is no such measure to lift.", nothing
        pa.measure_effect(kind)(case, chair, {"text": "In place."})
        db.session.commit()
        yield {"text": ""}, "Give the reason for lifting it.", nothing
    elif name == "petition_reinstatement":
        if case.status == "closed":  # the suspension was served: nothing to reinstate from
            yield (good, "There is no suspension or revocation in force to be reinstated from.",
                   nothing)
            _revoked(case, users, bar_ended=False)
            yield good, "The bar on reapplying runs until", \
                lambda: _revoked(case, users, bar_ended=True)
        yield {"text": ""}, "Give the grounds of the petition.", nothing
        _apply(case, "petition_reinstatement", respondent, users)
        petition = case.events[-1]
        yield good, "A petition is already waiting for the committee's decision.", \
            lambda: _delete(petition)
    elif name == "decide_reinstatement":
        yield good, "There is no petition to decide.", nothing
    elif name == "replace_panel_member":
        yield good, "there is no one to replace", nothing
        _recuse_panel_member(case, users)
        yield {"member_ids": []}, "Choose 1 member to replace Eli Extra 2.", nothing
        yield ({"member_ids": [member.id]}, "The case's investigator may not sit on its panel.",
               nothing)
        yield {"member_ids": [chair.id]}, "A member chosen already sits on the panel.", nothing
    elif name == "waive_disclosure":
        yield good, "there is nothing to waive", nothing
        _late_report(case, users, disclosed=False)
        yield good, "it cannot be waived before you have it", nothing
        clock.freeze(p.current_hearing(case).starts_at - timedelta(days=5))
        fair.disclose_file(case, chair)
        db.session.commit()
        yield {"text": ""}, "Write your waiver", nothing
    elif name == "decide_late_evidence":
        yield good, "there is nothing to decide", nothing
        _late_report(case, users, disclosed=False)
        yield {**good, "move": None}, "Choose whether the hearing moves", nothing
        yield {**good, "move": False}, "The findings report cannot be excluded", nothing
        yield {**good, "starts_at": None}, "Give a later date for the hearing", nothing
        yield {**good, "text": ""}, "Give the chair's reasons", nothing
    elif name == "request_withdrawal":
        yield {"text": " "}, "Say why you wish to withdraw", nothing
        _apply(case, "request_withdrawal", users["complainant"], users)
        request = case.events[-1]
        yield good, "already waiting for the committee's decision", lambda: _delete(request)
    elif name == "decide_withdrawal":
        yield good, "There is no request to withdraw to decide.", nothing
        _apply(case, "request_withdrawal", users["complainant"], users)
        yield {**good, "close": None}, "Choose whether the case goes on or closes.", nothing
        yield {**good, "text": ""}, "Give the committee's reasons", nothing
        if case.status == "under_appeal":
            yield {**good, "close": True}, "The respondent's own appeal goes on", nothing
    else:
        data, message = {
            "accept": ({}, "Give an email address at which to serve the respondent."),
            "dismiss": ({"text": "No reason chosen."}, "Choose the reason for dismissal."),
            "request_info": ({"text": "  "}, "Say what information is needed."),
            "provide_info": ({}, "Write the information asked for."),
            "respond": ({"text": ""}, "Write your answer to the allegations."),
            "continue": ({}, "Give the committee's reason to continue on its own motion."),
        }[name]
        yield data, message, nothing


def _taker_may_reach(permission: str, state: str) -> bool:
    """Whether the right person passes the policy on a case in this state (any action)."""
    if permission in ("case.intake", "case.chair", "case.compliance"):
        return state != "draft"  # staff never see drafts
    if permission in ("case.respond", "case.request_extension", "case.respondent"):
        return state in SERVED_STATES  # the respondent acts once served
    if permission == "case.investigate":
        return state in INVESTIGATED_STATES  # the member is the investigator from then on
    if permission == "case.appeal":
        return state in DECIDED_STATES  # there is a decision to appeal
    return True


# Audit entries the services write before the action's own `case.<name>`.
SERVICE_AUDIT = {
    "assign_investigators": ["case.assigned_investigator"],
    "refer": ["investigation.report_added"],
    "review_dismiss": ["case.decision_recorded"],
    "review_caution": ["case.decision_recorded"],
    "propose_consent": ["case.decision_recorded"],
    "set_hearing": ["case.assigned_hearing_panel"],
    "decide": ["case.decision_recorded"],
    "finalize": ["registry.status_changed"],  # the suspension takes effect
    "set_appeal_panel": ["case.assigned_appeal_panel"],
    "replace_panel_member": ["case.panel_member_replaced"],
    "waive_disclosure": ["case.disclosure_waived"],
    "decide_late_evidence": ["case.hearing_moved"],
    "appeal_affirm": ["case.decision_recorded", "registry.status_changed"],
    "appeal_modify": ["case.decision_recorded"],
    "appeal_reverse": ["case.decision_recorded", "case.set_aside"],
    "appeal_remand": ["case.decision_recorded", "case.set_aside"],
    "record_compliance": ["sanction.condition_met"],
    "condition_missed": ["sanction.breached"],
    "interim_suspension": ["registry.status_changed"],
    "lift_interim_suspension": ["registry.status_changed"],
    "decide_reinstatement": ["sanction.lifted", "registry.status_changed"],
    "dispose": ["audit.redacted"],  # the case's entries lose their personal part
}


def _check_effect(name: str, case: Case, users, state: str) -> None:
    """What the action left on file, beyond the status, the event and the audit entry."""
    record = case.respondent_certificant
    decision = p.latest_decision(case)
    if name == "assign_investigators":
        assert p.members_in(case, "investigator") == [users["member"]]
    elif name == "request_documents":
        [request] = p.open_requests(case, "respondent")
        assert request.deadline.status == "open" and request.deadline.kind == "documents"
        assert request.deadline.due_on >= clock.today() + timedelta(days=14)
    elif name == "answer_request":
        assert not p.open_requests(case, "respondent")
        # the witness's request (see _bad) is still open, and so is its deadline
        [witness] = p.open_requests(case)
        assert witness.addressee_role == "witness" and witness.deadline.status == "open"
        requests = db.session.execute(select(DocumentRequest).where(
            DocumentRequest.case_id == case.id, DocumentRequest.addressee_role == "respondent"))
        assert {r.deadline.status for r in requests.scalars()} == {"met"}
    elif name == "record_noncooperation":
        assert [d.status for d in sorted(case.deadlines, key=lambda d: d.due_on)
                if d.kind == "documents"] == ["missed", "open"]
        assert len(p.open_requests(case, "respondent")) == 2  # a late answer is still possible
    elif name == "refer":
        assert p.report_of(case).text.startswith("Findings:")
    elif name == "review_dismiss":
        assert (decision.stage, decision.outcome, decision.appeal_due_on) == \
            ("review", "dismissed", None)
        assert case.closed_at is not None
    elif name == "review_caution":
        assert (decision.outcome, [s.kind for s in decision.sanctions]) == ("caution", ["caution"])
        assert case.open_deadline("appeal").due_on == decision.appeal_due_on
    elif name == "propose_consent":
        assert pa.pending_consent(case) is decision
        assert [(f.allegation_id, f.violated) for f in decision.findings] == \
            [(a, True) for a in _allegation_ids(case)]
        assert [(s.kind, s.status) for s in decision.sanctions] == [("private_reprimand", "pending")]
    elif name == "sign_consent":
        assert pa.pending_consent(case) is None and decision.final_at is not None
        assert decision.details["respondent_signed_at"]
        assert [s.status for s in decision.sanctions] == ["in_force"]
    elif name == "set_hearing":
        hearing = p.current_hearing(case)
        assert hearing.status == "scheduled" and hearing.place == "Hearing room 2"
        assert {u.id for u in p.members_in(case, "hearing_panel")} == \
            {u.id for u in _hearing_panel(users)}
    elif name == "request_postponement":
        assert p.pending_postponement(case).reason == "My counsel is in court that day."
    elif name == "decide_postponement":
        hearings = db.session.execute(select(Hearing).where(Hearing.case_id == case.id)
                                      .order_by(Hearing.id)).scalars().all()
        assert [h.status for h in hearings] == ["postponed", "scheduled"]
        assert hearings[1].starts_at == hearings[0].starts_at + timedelta(days=14)
        assert p.pending_postponement(case) is None
    elif name == "hold_hearing":
        hearing = p.current_hearing(case)
        assert hearing.status == "held" and hearing.closed_at == clock.now()
        assert hearing.attendance == [{"name": "Rory Respondent", "role": "respondent"}]
    elif name == "decide":
        assert (decision.stage, decision.outcome) == ("hearing", "violation")
        assert [f.violated for f in decision.findings] == [True]
        assert [(s.kind, s.status) for s in decision.sanctions] == [("suspension", "pending")]
        assert case.open_deadline("appeal").due_on == decision.appeal_due_on
        assert record.status == "active"  # stayed until final
    elif name == "appeal":
        appeal = p.appeal_of(case)
        assert (appeal.appellant_id, appeal.appellant_role) == (users["respondent"].id, "respondent")
        assert appeal.decision_id == decision.id
        assert [s.status for s in decision.sanctions] == ["pending", "pending"]
        assert case.open_deadline("appeal") is None
    elif name == "finalize":
        assert decision.final_at is not None
        assert [s.status for s in decision.sanctions] == ["in_force", "in_force"]
        assert record.status == "suspended"
        assert case.open_deadline("appeal") is None
    elif name == "waive_disclosure":
        assert not fair.late_items(case)
    elif name == "decide_late_evidence":
        assert not fair.late_items(case)
        hearings = db.session.execute(select(Hearing).where(Hearing.case_id == case.id)
                                      .order_by(Hearing.id)).scalars().all()
        assert [h.status for h in hearings] == ["postponed", "scheduled"]
    elif name == "replace_panel_member":
        [extra2], [extra3] = _existing_extras((2,)), _existing_extras((3,))
        rows = db.session.execute(select(Assignment).where(
            Assignment.case_id == case.id, Assignment.capacity == "hearing_panel")).scalars()
        assert {(a.member_id, a.replaces_id) for a in rows} == {
            (users["chair"].id, None), (_existing_extras((1,))[0].id, None),
            (extra3.id, extra2.id)}
        assert p.current_hearing(case).status == "scheduled"  # 31 days away: it need not move
    elif name == "set_appeal_panel":
        assert {u.id for u in p.members_in(case, "appeal_panel")} == \
            {u.id for u in _existing_extras(APPEAL_PANEL_EXTRAS)}
    elif name.startswith("appeal_"):
        outcome = name.removeprefix("appeal_")
        assert (decision.stage, decision.outcome) == ("appeal", outcome)
        assert p.appeal_of(case).outcome_decision_id == decision.id
        kinds = {"affirm": ["suspension", "corrective"], "modify": ["private_reprimand"],
                 "reverse": [], "remand": []}[outcome]
        assert [s.kind for s in decision.sanctions] == kinds
        appealed = p.appeal_of(case).decision
        assert (appealed.set_aside_reason or "").endswith(
            "" if outcome in ("affirm", "modify") else SET_ASIDE_REASONS[outcome])
        assert (appealed.set_aside_at is not None) is (outcome in ("remand", "reverse"))
        if outcome == "remand":
            assert p.current_hearing(case).set_aside_reason.startswith(
                "Set aside on appeal (sent back to the committee)")
            assert decision.final_at is None and record.status == "active"
        else:
            assert decision.final_at is not None
            assert {s.status for s in decision.sanctions} <= {"in_force"}
            assert record.status == ("suspended" if outcome == "affirm" else "active")
            assert [f.violated for f in decision.findings] == [outcome != "reverse"]
    elif name == "record_compliance":
        corrective = next(s for s in decision.sanctions if s.kind == "corrective")
        assert corrective.conditions[0]["met_on"] == clock.today().isoformat()
    elif name == "condition_missed":
        assert [s.status for s in decision.sanctions] == ["in_force", "breached"]
    elif name == "close":
        assert case.closed_at == clock.now()
    elif name == "interim_suspension":
        measure = p.open_measure(case, "interim_suspension")
        assert measure.review_on == clock.today() + timedelta(days=30)
        assert (measure.registry_status_before, record.status) == ("active", "suspended")
    elif name == "lift_interim_suspension":
        assert p.open_measure(case, "interim_suspension") is None
        # back to what the record was before the interim suspension
        assert record.status == ("suspended" if state == "final" else "active")
    elif name == "stay":
        assert p.open_measure(case, "stay") is not None and record.status == "active"
    elif name == "lift_stay":
        assert p.open_measure(case, "stay") is None
    elif name == "petition_reinstatement":
        assert pa.petition_pending(case)
    elif name == "ask_adjustment":
        deadline = adjustments.pending(case)
        assert deadline.due_on == clock.due_after(10)
    elif name == "answer_adjustment":
        assert adjustments.pending(case) is None
        assert [d.status for d in case.deadlines if d.kind == "adjustment"] == ["met"]
    elif name == "decide_reinstatement":
        assert not pa.petition_pending(case)
        # a served suspension stays served; what was in force is lifted
        assert [s.status for s in decision.sanctions] == (
            ["lifted", "in_force"] if state == "final" else ["completed", "completed", "lifted"])
        assert decision.sanctions[0].status_title == ("lifted" if state == "final" else "served")
        assert record.status == "active"


SET_ASIDE_REASONS = {"remand": "The committee must hear the witness.",
             "reverse": "The evidence does not support the finding."}

PAIRS = [(name, state.value) for name in ACTIONS for state in State]


@pytest.mark.parametrize("name,state", PAIRS, ids=[f"{n}-from-{s}" for n, s in PAIRS])
def test_apply_allows_exactly_what_the_table_says(app, people, status_writes, name, state):
    clock.freeze(clock.now().replace(year=2026, month=11, day=2, hour=9))
    action = ACTIONS[name]
    with app.test_request_context():
        users = _load(people)
        case = _build(people, users, state)
        taker = TAKER[action.permission]
        actor = users[taker] if taker else None

        # the wrong people (or the system, for a person's action) are refused, in any state
        wrong = [users[w] for w in _wrong(action.permission)] + ([] if taker is None else [None])
        for who in wrong:
            before = _snapshot(case)
            with pytest.raises(NotAllowed):
                workflow.apply(case, name, who, **_good(name, case, users))
            assert _snapshot(case) == before, f"refusing {getattr(who, 'email', None)} changed the case"

        if state not in action.sources:
            before = _snapshot(case)
            expected = WorkflowError if _taker_may_reach(action.permission, state) else NotAllowed
            with pytest.raises(WorkflowError) as refused:
                workflow.apply(case, name, actor, seen_version=case.row_version,
                               **_good(name, case, users))
            assert type(refused.value) is expected
            if expected is WorkflowError:
                assert f"not possible while the case is {State(state).title.lower()}" in str(refused.value)
            assert _snapshot(case) == before
            assert workflow.may(actor, action, case) is False
            assert not status_writes
            return

        if action.guard is not None:
            attempts = 0
            for data, message, undo in _bad(name, case, users):
                attempts += 1
                before = _snapshot(case)
                with pytest.raises(WorkflowError) as refused:
                    workflow.apply(case, name, actor, seen_version=case.row_version, **data)
                assert type(refused.value) is WorkflowError
                assert message in str(refused.value)
                assert _snapshot(case) == before
                undo()
            assert attempts, f"no refused attempt for {name}"

        _prepare(name, case, users)
        status_writes.clear()  # (what _prepare applied first is not this action's)
        if taker is not None:  # what it needs is on file: the page offers it
            assert action in workflow.available(actor, case)
        data = _good(name, case, users)
        before = _snapshot(case)
        events_before = {e.id for e in case.events}
        audit_before = db.session.execute(select(func.max(AuditEntry.id))).scalar() or 0
        workflow.apply(case, name, actor, seen_version=case.row_version, **data)
        db.session.commit()

        # (case_in_state withdraws from investigation)
        target = workflow.target_of(action, case, data) if name == "decide_withdrawal" \
            else action.target or ("investigation" if name == "continue" else state)
        assert case.status == target
        assert case.row_version > before["row_version"]
        [new_event] = [e for e in case.events if e.id not in events_before]
        assert (new_event.action, new_event.from_status, new_event.to_status) == (name, state, target)
        assert new_event.actor_id == getattr(actor, "id", None)
        assert new_event.to_complainant is action.to_complainant
        assert new_event.to_respondent is (action.to_respondent and case.served_at is not None)
        assert not new_event.internal
        new_audit = db.session.execute(
            select(AuditEntry).where(AuditEntry.id > audit_before).order_by(AuditEntry.id)
        ).scalars().all()
        assert [e.action for e in new_audit] == SERVICE_AUDIT.get(name, []) + [f"case.{name}"]
        assert new_audit[-1].target_id == str(case.id)
        assert new_audit[-1].details["from_status"] == state
        assert new_audit[-1].details["to_status"] == target
        assert new_audit[-1].actor_id == getattr(actor, "id", None)
        if target != state:
            assert status_writes == [("proceedings/workflow.py", "apply", state, target)]
        _check_effect(name, case, users, state)


# --- what the page offers is what the workflow allows --------------------------------------------

# Offered only once something is on file that a case just put into the state lacks (a
# request to decide, a measure to lift, ...); the others are offered in such a case (the
# final state's corrective action has a condition still to meet).
OFFERED_ONCE_ON_FILE = {"decide_extension", "answer_request", "sign_consent",
                        "decide_postponement", "lift_interim_suspension", "lift_stay",
                        "decide_reinstatement", "answer_adjustment", "decide_withdrawal",
                        "replace_panel_member", "waive_disclosure", "decide_late_evidence"}


def _expected_offers(state: str, who: str, case: Case) -> list[str]:
    """The actions the table gives this person in this state, worked out from the table
    (and from what is on file, for an action offered only when there is something to do)."""
    return [a.name for a in ACTIONS.values()
            if state in a.sources and who in _may_take(a.permission)
            and _taker_may_reach(a.permission, state)
            # a party's action: the respondent is a party once served
            and not (a.permission == "case.party" and who == "respondent"
                     and state not in SERVED_STATES)
            and (a.offered is None or a.offered(case))]


PAGE_VIEWERS = ("chair", "member", "admin", "complainant", "respondent", "outsider")


@pytest.mark.parametrize("state", [s.value for s in State])
def test_available_matches_may_and_the_buttons_on_the_case_page(app, people, auth, client, state):
    clock.freeze(clock.now().replace(year=2026, month=11, day=2, hour=9))
    with app.test_request_context():
        users = _load(people)
        case = _build(people, users, state)
        number, case_id = case.number, case.id
        for a in ACTIONS.values():
            if a.offered is not None and state in a.sources:
                assert a.offered(case) is (a.name not in OFFERED_ONCE_ON_FILE), a.name
        offers, waiting = {}, {}
        for who in PAGE_VIEWERS:
            opened = workflow.open_to(users[who], case)
            assert [a for a, _ in opened] == [
                a for a in ACTIONS.values() if workflow.may(users[who], a, case)
                and (a.offered is None or a.offered(case))]
            assert [a.name for a, _ in opened] == _expected_offers(state, who, case)
            # an action whose readiness fails is no button: it is listed with its reason
            available = workflow.available(users[who], case)
            assert available == [a for a, why in opened if why is None]
            offers[who] = {a.name for a in available}
            waiting[who] = {a.name: why for a, why in opened if why is not None}
    for who in PAGE_VIEWERS:
        auth.login(people[who])
        if state == "draft":
            page = client.get(f"/complaints/{case_id}/edit")
            if who == "complainant":
                assert page.status_code == 200
                assert "Submit the complaint" in page.data.decode()
            else:
                assert page.status_code == 404
        else:
            page = client.get(f"/cases/{number}")
            if who == "outsider":
                assert page.status_code == 404
            elif who == "respondent" and state not in SERVED_STATES:
                # not yet served: nothing to do here (whether they may see it: test_case_parties)
                assert page.status_code in (200, 404)
                assert page.status_code == 404 or not action_buttons(page.data.decode())
            else:
                assert page.status_code == 200, (who, page.status_code)
                assert action_buttons(page.data.decode()) == offers[who], who
                for name, why in waiting[who].items():
                    assert html_lib.escape(why, quote=False) in page.data.decode(), (who, name)
        auth.logout()


# --- what stays on file after the committee moves on ----------------------------------------------

def test_a_consent_offer_lapses_when_the_committee_sends_the_case_to_a_hearing(app, people):
    """The respondent never signed; the committee changed its votes and set a hearing. The old
    offer is no longer pending, and when the case comes back to the committee on appeal it
    cannot be signed (it would make an agreement the committee abandoned final)."""
    clock.freeze(clock.now().replace(year=2026, month=11, day=2, hour=9))
    with app.test_request_context():
        users = _load(people)
        chair, respondent = users["chair"], users["respondent"]
        case = _build(people, users, "committee_review")
        voters = _review_voters(case, users)
        _vote(case, "review", "outcome", "consent", voters)
        _apply(case, "propose_consent", chair, users)
        offer = pa.pending_consent(case)
        assert offer is not None and ACTIONS["sign_consent"] in workflow.available(respondent, case)
        _vote(case, "review", "outcome", "hearing", voters)
        _apply(case, "set_hearing", chair, users)
        assert pa.pending_consent(case) is None and offer.details["open"] is False
        for name, actor in (("hold_hearing", chair), ("decide", chair),
                            ("appeal", respondent), ("appeal_remand", chair)):
            _prepare(name, case, users)
            _apply(case, name, actor, users)
        assert case.status == "committee_review"
        assert pa.pending_consent(case) is None
        assert ACTIONS["sign_consent"] not in workflow.available(respondent, case)
        with pytest.raises(WorkflowError, match="There is no consent agreement waiting"):
            workflow.apply(case, "sign_consent", respondent, agree=True)
        assert case.status == "committee_review"


# --- a stale form changes nothing --------------------------------------------------------------------

@pytest.mark.parametrize("name,state,who", [
    ("accept", "submitted", "chair"),
    ("dismiss", "submitted", "chair"),
    ("withdraw", "investigation", "complainant"),
    ("respond", "awaiting_response", "respondent"),
    ("request_extension", "awaiting_response", "respondent"),
    ("assign_investigators", "investigation", "chair"),
    ("refer", "investigation", "member"),
    ("hold_hearing", "hearing_scheduled", "chair"),
    ("appeal", "decided", "respondent"),
    ("interim_suspension", "investigation", "chair"),
])
def test_stale_seen_version_is_refused_and_changes_nothing(app, people, name, state, who):
    clock.freeze(clock.now().replace(year=2026, month=11, day=2, hour=9))
    with app.test_request_context():
        users = _load(people)
        case = _build(people, users, state)
        _prepare(name, case, users)
        seen = case.row_version
        case.respondent_details = "Edited by someone else meanwhile."  # bumps the version
        db.session.commit()
        assert case.row_version == seen + 1
        before = _snapshot(case)
        with pytest.raises(StaleCase, match="changed while you were looking at it"):
            workflow.apply(case, name, users[who], seen_version=seen, **_good(name, case, users))
        assert _snapshot(case) == before
        db.session.commit()
        db.session.expire_all()
        assert _snapshot(db.session.get(Case, case.id)) == before


# --- nobody else changes the status ------------------------------------------------------------------

CASE_WORD = re.compile(r"^(\w*_)?cases?$", re.I)  # case, cases, new_case, staff_cases


def _head(expr: ast.expr) -> str:
    """The name an expression is about: `self.case` → case, `cases[0]` → cases, `f(x)` → f."""
    while True:
        if isinstance(expr, ast.Name):
            return expr.id
        if isinstance(expr, ast.Attribute):
            return expr.attr
        if isinstance(expr, ast.Subscript):
            expr = expr.value
        elif isinstance(expr, ast.Call):
            expr = expr.func
        else:
            return ""


def _about_cases(expr: ast.expr) -> bool:
    return bool(CASE_WORD.match(_head(expr))) or "select(Case)" in ast.unparse(expr)


def status_assignments(source: str) -> list[int]:
    """Lines of `source` that change a case's status other than by creating the case.

    Finds `x.status = ...` (also augmented, annotated and tuple targets) and
    `setattr(x, "status", ...)` where x is a case: a name or attribute that says so
    (`case`, `self.case`, `new_case`, `cases[0]`), a parameter annotated `Case`, a
    name bound from `Case(...)`/`get(Case, ...)`/`load_case(...)`, or a loop or
    comprehension variable over something named like cases (`for c in cases`, but
    not `for d in case.deadlines`). Also finds bulk updates of `Case` that set `status`.
    """
    tree = ast.parse(source)
    case_vars: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and node.annotation is not None \
                and re.search(r"\bCase\b", ast.unparse(node.annotation)):
            case_vars.add(node.arg)
        elif isinstance(node, (ast.For, ast.comprehension)) and _about_cases(node.iter):
            case_vars |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None \
                and re.search(r"\bCase\(|get\(Case\b|load_case\(|select\(Case\)",
                              ast.unparse(node.value)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            case_vars |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}

    def is_case(expr: ast.expr) -> bool:
        return _about_cases(expr) or "get(Case," in ast.unparse(expr) \
            or (isinstance(expr, ast.Name) and expr.id in case_vars)

    lines = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            for t in ast.walk(target):
                if isinstance(t, ast.Attribute) and t.attr == "status" and isinstance(t.ctx, ast.Store) \
                        and is_case(t.value):
                    lines.append(node.lineno)
        if isinstance(node, ast.Call):
            call = ast.unparse(node)
            if isinstance(node.func, ast.Name) and node.func.id == "setattr" and len(node.args) >= 2 \
                    and isinstance(node.args[1], ast.Constant) and node.args[1].value == "status" \
                    and is_case(node.args[0]):
                lines.append(node.lineno)
            elif isinstance(node.func, ast.Attribute) and node.func.attr in ("values", "update") \
                    and re.search(r"update\(Case\)|query\(Case\)|Case\.status\s*:", call) \
                    and re.search(r"\bstatus\s*=|Case\.status\s*:|['\"]status['\"]\s*:", call):
                lines.append(node.lineno)
    return sorted(set(lines))


def test_the_status_finder_finds_what_it_must():
    source = '''
def a(case):
    case.status = "closed"                      # 3
def b(matter: Case):
    matter.status = "closed"                    # 5
def c(cases):
    for c in cases:
        c.status = "final"                      # 8
def d(number):
    thing = load_case(number)
    thing.status, x = "final", 1                # 11
    setattr(thing, "status", "final")           # 12
    db.session.execute(update(Case).values(status="closed"))   # 13
    self.case.status += "x"                     # 14
    load_case(number).status = "x"              # 15
    db.session.get(Case, 1).status = "x"        # 16
    for m in db.session.execute(select(Case)).scalars():
        m.status = "x"                          # 18
def e(deadline, message, req, case: Case):  # 19: none of these is a case's status
    deadline.status = "met"
    for d in case.deadlines:
        d.status = "met"
    case.deadlines[0].status = "met"
    case.open_deadline("x").status = "met"
    message.status = "sent"
    req.status = "approved"
    fresh = Case(status="draft")
    if case.status == "draft":
        pass
'''
    assert status_assignments(source) == [3, 5, 8, 11, 12, 13, 14, 15, 16, 18]


def test_only_workflow_apply_changes_a_case_status():
    offenders = []
    for path in sorted(APP_DIR.rglob("*.py")):
        if path == APP_DIR / "proceedings" / "workflow.py":
            continue
        for line in status_assignments(path.read_text()):
            offenders.append(f"{path.relative_to(APP_DIR.parent)}:{line}")
    assert not offenders, "a case's status changes outside workflow.apply: " + ", ".join(offenders)
    # and in workflow.py, only inside apply()
    tree = ast.parse((APP_DIR / "proceedings" / "workflow.py").read_text())
    apply_fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "apply")
    inside = set(range(apply_fn.lineno, apply_fn.end_lineno + 1))
    lines = status_assignments((APP_DIR / "proceedings" / "workflow.py").read_text())
    assert lines and set(lines) <= inside, lines


def _seen_version(html: str, action: str) -> int:
    tag = re.search(rf'<input[^>]*name="{action}-seen_version"[^>]*>', html).group(0)
    return int(re.search(r'value="(\d+)"', tag).group(1))


def test_a_decision_form_loaded_before_the_request_it_would_decide_is_stale(app, people, auth, client):
    """The chair's page was open on an earlier request, refused from it; the respondent then asked
    again: granting the new request from that page is refused."""
    clock.freeze(clock.now().replace(year=2026, month=11, day=2, hour=9))
    with app.test_request_context():
        users = _load(people)
        case = _build(people, users, "awaiting_response")
        number, due = case.number, case.open_deadline("response").due_on
    auth.login(people["chair"])
    # nothing to decide yet: no decision form on the page
    assert "decide_extension" not in action_buttons(client.get(f"/cases/{number}").data.decode())
    auth.logout()
    with app.test_request_context():
        _pending_extension(db.session.get(Case, case.id), _load(people))
    auth.login(people["chair"])
    chair_seen = _seen_version(client.get(f"/cases/{number}").data.decode(), "decide_extension")
    r = client.post(f"/cases/{number}/act/decide_extension", follow_redirects=True, data={
        "decide_extension-seen_version": chair_seen, "decide_extension-decision": "refuse",
        "decide_extension-text": "Not for this."})
    assert r.status_code == 200 and "Extension request decided" in r.data.decode()
    auth.logout()

    auth.login(people["respondent"])
    page = client.get(f"/cases/{number}").data.decode()
    r = client.post(f"/cases/{number}/act/request_extension", follow_redirects=True, data={
        "request_extension-seen_version": _seen_version(page, "request_extension"),
        "request_extension-text": "I am in hospital until February."})
    assert r.status_code == 200 and "asked for more time" in r.data.decode()
    auth.logout()

    auth.login(people["chair"])
    r = client.post(f"/cases/{number}/act/decide_extension", data={
        "decide_extension-seen_version": chair_seen, "decide_extension-decision": "grant",
        "decide_extension-new_due_on": "2027-02-15", "decide_extension-text": "Yes."})
    assert r.status_code == 409
    assert "changed while you were looking at it" in r.data.decode()
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.number == number)).scalar_one()
        assert services.pending_extension(case).reason == "I am in hospital until February."
        assert case.open_deadline("response").due_on == due
    # from a fresh page the chair can decide it
    page = client.get(f"/cases/{number}").data.decode()
    assert "I am in hospital until February." in page
    r = client.post(f"/cases/{number}/act/decide_extension", follow_redirects=True, data={
        "decide_extension-seen_version": _seen_version(page, "decide_extension"),
        "decide_extension-decision": "grant", "decide_extension-new_due_on": "2027-02-15",
        "decide_extension-text": "Get well."})
    assert r.status_code == 200 and "Extension request decided" in r.data.decode()
