"""The proceeding as one table of actions, and the one function that applies them.

Every change of a case's status goes through `apply()`. Each action names the
states it starts from, the state it leads to (None: the status stays), the
policy action that decides who may take it, a guard (what must be true) and an
effect (deadlines, notices, events). The sweep's actions are `system` actions:
no person may take them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm.attributes import flag_modified
from wtforms.fields.choices import SelectChoice

from app import access, clock
from app.audit.services import record
from app.cases import notices, services
from app.cases.models import OPEN_STATES, Case, DismissalReason, State
from app.coi import services as coi
from app.extensions import db
from app.policy import can
from app.proceedings import actions as pa
from app.proceedings import adjustments as adj
from app.proceedings import fairness as fair
from app.proceedings import forms
from app.records import services as records

SYSTEM = "system"  # the permission of actions only the deadline sweep takes


class WorkflowError(Exception):
    """An action cannot be taken; the message says why, for the person who tried."""


class StaleCase(WorkflowError):
    """The case changed since the form was loaded."""


class NotAllowed(WorkflowError):
    """The person may not take this action on this case."""


Guard = Callable[[Case, dict], str | None]
Effect = Callable[[Case, object, dict], None]


@dataclass(frozen=True)
class Action:
    """One thing that can happen to a case, with everything about it in one row."""

    name: str
    label: str
    sources: frozenset[str]
    target: str | None
    permission: str
    guard: Guard | None = None
    effect: Effect | None = None
    # Shown to the people the timeline line concerns.
    to_complainant: bool = True
    to_respondent: bool = False
    summary: str = ""
    # The form the case page shows for it (None: only the sweep takes it), how the form is
    # filled from the case, and the context of the files it uploads (None: it takes none).
    form: type[forms.ActionForm] | None = None
    prepare: Callable[[Case, forms.ActionForm, bool], None] | None = None
    evidence: str | None = None
    # The text typed becomes the timeline line's body; parties who see the line see it too.
    keeps_body: bool = True
    body_to_parties: bool = False
    # Cannot be undone: the page asks to confirm it and shows it apart, as a danger.
    irreversible: bool = False
    # Offered on the case page only when this holds (e.g. there is a request to decide).
    offered: Callable[[Case], bool] | None = None
    # Why it cannot be taken yet, whatever is typed (None: it can). The page lists it with
    # this reason instead of a button; `apply()` checks it before the guard.
    ready: Callable[[Case], str | None] | None = None
    # A template fragment (under templates/proceedings/actions/) shown above its form.
    fragment: str | None = None

    @property
    def uploads(self) -> bool:
        return self.evidence is not None


# --- guards -----------------------------------------------------------------

def _guard_submit(case: Case, data: dict) -> str | None:
    problems = services.draft_problems(case)
    return " ".join(problems) if problems else None


def _guard_accept(case: Case, data: dict) -> str | None:
    if case.respondent_certificant is None and not data.get("jurisdiction_confirmed"):
        return ("The respondent is not in the registry: confirm that they are or were a "
                "certificant or an applicant, or dismiss for lack of jurisdiction.")
    unmapped = services.unmapped_allegations(case)
    if unmapped:
        return "These allegations do not map to the code that governed the conduct: " + \
            ", ".join(unmapped) + "."
    if services.outside_time_limit(case) and not data.get("waiver", "").strip():
        return (f"The conduct is more than {services.time_limit_years()} years before the "
                "filing: give a reason to waive the time limit, or dismiss.")
    if not services.service_address(case, data):
        return "Give an email address at which to serve the respondent."
    return None


def _guard_dismiss(case: Case, data: dict) -> str | None:
    if data.get("reason") not in {r.value for r in DismissalReason}:
        return "Choose the reason for dismissal."
    if not data.get("text", "").strip():
        return "Explain the dismissal; the complainant receives this text."
    return None


def _needs_text(message: str) -> Guard:
    def guard(case: Case, data: dict) -> str | None:
        return None if data.get("text", "").strip() else message
    return guard


def _guard_extension_request(case: Case, data: dict) -> str | None:
    if services.pending_extension(case):
        return "An extension request is already waiting for the chair's decision."
    if not case.open_deadline("response"):
        return "There is no open deadline to extend."
    return _needs_text("Give the reason you need more time.")(case, data)


def _guard_extension_decision(case: Case, data: dict) -> str | None:
    request = services.pending_extension(case)
    if request is None:
        return "There is no extension request to decide."
    if data.get("grant"):
        new_due = data.get("new_due_on")
        deadline = case.open_deadline("response")
        if new_due is None or deadline is None or new_due <= deadline.due_on:
            return "Give a new date later than the current deadline."
    return None


def _guard_continue(case: Case, data: dict) -> str | None:
    if not case.status_before_withdrawal:
        return "This case was not withdrawn from an open state."
    return _needs_text("Give the committee's reason to continue on its own motion.")(case, data)


# --- effects ----------------------------------------------------------------

def _submit(case: Case, actor, data: dict) -> None:
    services.assign_number(case)
    case.submitted_at = clock.now()
    coi.recuse_party_members(case)  # a member who filed it, or is its respondent
    notices.receipt(case)
    notices.new_complaint_to_intake(case)


def _accept(case: Case, actor, data: dict) -> None:
    services.serve_notice(case, actor, data)
    coi.recuse_party_members(case)  # the respondent's account may belong to a member
    coi.tell_served_respondent(case)


def _dismiss(case: Case, actor, data: dict) -> None:
    case.outcome_reason = data["reason"]
    case.outcome_text = data["text"].strip()
    case.closed_at = clock.now()
    services.close_deadlines(case, "cancelled")
    notices.dismissed(case)


def _request_info(case: Case, actor, data: dict) -> None:
    services.open_deadline(case, "information", services.days_setting("INFO_DAYS"))
    notices.info_requested(case, data["text"].strip())


def _provide_info(case: Case, actor, data: dict) -> None:
    services.meet_deadline(case, "information")
    notices.info_provided(case)


def _abandon(case: Case, actor, data: dict) -> None:
    case.outcome_reason = "abandoned"
    case.closed_at = clock.now()
    services.close_deadlines(case, "missed", kinds=("information",))
    notices.abandoned(case)


def _respond(case: Case, actor, data: dict) -> None:
    services.record_response(case, actor, data["text"].strip())
    services.meet_deadline(case, "response")
    notices.response_received(case)


def _record_default(case: Case, actor, data: dict) -> None:
    services.close_deadlines(case, "missed", kinds=("response",))
    services.propose_cooperation_allegation(case)
    notices.default_recorded(case)


def _request_extension(case: Case, actor, data: dict) -> None:
    services.request_extension(case, actor, data["text"].strip(), data.get("until"))
    notices.extension_requested(case)


def _decide_extension(case: Case, actor, data: dict) -> None:
    request = services.decide_extension(case, actor, bool(data.get("grant")),
                                        data.get("new_due_on"), data.get("text", "").strip())
    notices.extension_decided(case, request)


def _withdraw(case: Case, actor, data: dict) -> None:
    case.status_before_withdrawal = case.status
    case.closed_at = clock.now()
    notices.withdrawn(case, data.get("text", "").strip())


def _continue(case: Case, actor, data: dict) -> None:
    case.closed_at = None
    fair.fresh_deadlines(case)  # time stood still while withdrawn: each clock starts again
    notices.continued(case, data["text"].strip())


# --- forms filled from the case ----------------------------------------------------------

def _prepare_accept(case: Case, form, fresh: bool) -> None:
    complaint_files = [e for e in case.evidence if e.context == "complaint"]
    form.disclose.choices = [SelectChoice(e.id, e.original_name) for e in complaint_files]
    if fresh:
        form.disclose.data = [e.id for e in complaint_files]
        form.respondent_email.data = services.service_address(case)
    if case.respondent_certificant is not None:  # nothing to confirm
        del form.jurisdiction_confirmed
    if not case.withhold_identity_requested:  # nothing asked: nothing to decide
        del form.withhold_identity


# --- the table ----------------------------------------------------------------

S = State
F = forms
ACTIONS: dict[str, Action] = {a.name: a for a in [
    Action("submit", "Submit the complaint", frozenset({S.DRAFT}), S.SUBMITTED,
           "case.submit", _guard_submit, _submit, summary="Complaint submitted",
           form=F.ConfirmActionForm),
    Action("accept", "Accept and serve the respondent", frozenset({S.SUBMITTED}),
           S.AWAITING_RESPONSE, "case.intake", _guard_accept, _accept,
           to_respondent=True, summary="Complaint accepted; notice served on the respondent",
           form=F.AcceptForm, prepare=_prepare_accept),
    Action("dismiss", "Dismiss the complaint", frozenset({S.SUBMITTED}), S.DISMISSED,
           "case.intake", _guard_dismiss, _dismiss, summary="Complaint dismissed",
           form=F.DismissForm, body_to_parties=True, irreversible=True),
    Action("request_info", "Ask the complainant for more information",
           frozenset({S.SUBMITTED}), S.INFO_REQUESTED, "case.intake",
           _needs_text("Say what information is needed."), _request_info,
           summary="More information requested", body_to_parties=True,
           form=F.text_form("Information asked for",
                            "The complainant receives this text with the deadline.")),
    Action("provide_info", "Send the information", frozenset({S.INFO_REQUESTED}), S.SUBMITTED,
           "case.provide_info", _needs_text("Write the information asked for."), _provide_info,
           summary="The complainant sent more information", evidence="information",
           form=F.text_form("The information asked for", files=True)),
    Action("abandon", "Close as abandoned", frozenset({S.INFO_REQUESTED}), S.ABANDONED, SYSTEM,
           None, _abandon, summary="Closed: the information was not provided in time"),
    Action("respond", "Send my answer", frozenset({S.AWAITING_RESPONSE}), S.INVESTIGATION,
           "case.respond", _needs_text("Write your answer to the allegations."), _respond,
           to_complainant=True, to_respondent=True, summary="The respondent answered",
           evidence="response",
           form=F.text_form("Your answer to the allegations", files=True,
                            files_label="Documents supporting your answer")),
    Action("record_default", "Record default", frozenset({S.AWAITING_RESPONSE}),
           S.INVESTIGATION, SYSTEM, None, _record_default, to_respondent=True,
           summary="No answer by the deadline: default recorded"),
    Action("request_extension", "Ask for more time", frozenset({S.AWAITING_RESPONSE}), None,
           "case.request_extension", _guard_extension_request, _request_extension,
           to_complainant=False, to_respondent=True, summary="The respondent asked for more time",
           form=F.ExtensionRequestForm,
           offered=lambda c: services.pending_extension(c) is None),
    Action("decide_extension", "Decide the extension request", frozenset({S.AWAITING_RESPONSE}),
           None, "case.intake", _guard_extension_decision, _decide_extension,
           to_complainant=False, to_respondent=True, summary="Extension request decided",
           form=F.ExtensionDecisionForm, body_to_parties=True,
           offered=lambda c: services.pending_extension(c) is not None),
    # --- accessibility (issue 18): guards and effects in app/proceedings/adjustments.py -----
    Action("ask_adjustment", "Ask for an adjustment or another format", OPEN_STATES | {S.FINAL},
           None, "case.party", adj.guard_ask, adj.ask, to_complainant=True, to_respondent=True,
           summary="A party asked for an adjustment or a document in another format",
           form=F.AdjustmentRequestForm, body_to_parties=True, ready=adj.waiting),
    Action("answer_adjustment", "Answer the adjustment request", OPEN_STATES | {S.FINAL}, None,
           "case.intake", adj.guard_answer, adj.answer, to_complainant=True, to_respondent=True,
           summary="The office answered the request for an adjustment",
           form=F.AdjustmentAnswerForm, body_to_parties=True,
           offered=lambda c: adj.pending(c) is not None),
    # after acceptance a withdrawal is a request the committee decides (request_withdrawal)
    Action("withdraw", "Withdraw my complaint", frozenset({S.SUBMITTED, S.INFO_REQUESTED}),
           S.WITHDRAWN, "case.withdraw",
           None, _withdraw, to_respondent=True, summary="The complainant withdrew the complaint",
           form=F.text_form("Why you withdraw (optional)",
                            "The committee may still continue the case on its own motion."),
           irreversible=True),
    Action("request_withdrawal", "Ask to withdraw my complaint",
           OPEN_STATES - {S.SUBMITTED, S.INFO_REQUESTED}, None, "case.withdraw",
           fair.guard_withdrawal_request, fair.request_withdrawal, to_respondent=False,
           summary="The complainant asked to withdraw the complaint",
           form=F.text_form("Why you wish to withdraw",
                            "The complaint has been accepted: the committee decides whether "
                            "the case goes on in the public interest or closes."),
           offered=lambda c: not fair.withdrawal_pending(c)),
    Action("decide_withdrawal", "Decide the request to withdraw",
           OPEN_STATES - {S.SUBMITTED, S.INFO_REQUESTED}, None, "case.chair",
           fair.guard_withdrawal_decision, fair.decide_withdrawal, to_respondent=True,
           summary="The request to withdraw was decided", body_to_parties=True,
           form=F.WithdrawalDecisionForm, offered=fair.withdrawal_pending),
    Action("continue", "Continue on the committee's own motion", frozenset({S.WITHDRAWN}),
           None, "case.intake", _guard_continue, _continue, to_respondent=True,
           summary="The committee continues the case on its own motion", body_to_parties=True,
           form=F.text_form("The committee's reason to continue")),
    # --- after the answer: guards and effects in app/proceedings/actions.py ---------------
    Action("assign_investigators", "Assign the investigator", frozenset({S.INVESTIGATION}),
           None, "case.chair", pa.guard_investigators, pa.assign_investigators,
           to_complainant=False, summary="Investigator assigned",
           form=F.MembersForm, prepare=pa.prepare_members),
    Action("request_documents", "Ask for documents", frozenset({S.INVESTIGATION}), None,
           "case.investigate", pa.guard_request_documents, pa.request_documents,
           to_complainant=False, summary="Documents requested (duty to cooperate, S9)",
           form=F.RequestDocumentsForm, ready=pa.ready_investigator),
    Action("answer_request", "Send the documents asked for", frozenset({S.INVESTIGATION}),
           None, "case.respondent", pa.guard_answer_request, pa.answer_request,
           to_complainant=False, to_respondent=True,
           summary="The respondent answered a request for documents", evidence="documents",
           form=F.text_form("Your answer to the request", files=True,
                            files_label="The documents asked for"),
           offered=lambda c: bool(pa.p.open_requests(c, "respondent"))),
    Action("record_noncooperation", "Record an unanswered request",
           frozenset({S.INVESTIGATION}), None, SYSTEM, None, pa.record_noncooperation,
           to_complainant=False, to_respondent=True,
           summary="A request for documents was not answered by its deadline (S9)"),
    Action("refer", "Close the investigation and refer the case to the committee",
           frozenset({S.INVESTIGATION}), S.COMMITTEE_REVIEW, "case.investigate", pa.guard_refer,
           pa.refer, to_respondent=True, keeps_body=False,
           summary="Investigation closed; the case is before the committee",
           form=F.text_form("Findings report",
                            "The committee reads it; it is disclosed to the respondent."),
           ready=pa.ready_investigator),
    Action("review_dismiss", "Dismiss, as the committee voted", frozenset({S.COMMITTEE_REVIEW}),
           S.DISMISSED, "case.chair", pa.review_guard("dismiss"), pa.review_dismiss,
           to_respondent=True, summary="The committee dismissed the complaint",
           form=F.text_form("Reasons given to the parties"),
           ready=pa.ready_vote("review", "dismiss"), irreversible=True),
    Action("review_caution", "Dismiss with a cautionary letter, as the committee voted",
           frozenset({S.COMMITTEE_REVIEW}), S.DECIDED, "case.chair", pa.review_guard("caution"),
           pa.review_caution, to_respondent=True,
           summary="The committee dismissed the complaint with a cautionary letter",
           form=F.text_form("Reasons and the caution, as the respondent will read them"),
           ready=pa.ready_vote("review", "caution")),
    Action("propose_consent", "Offer a consent agreement, as the committee voted",
           frozenset({S.COMMITTEE_REVIEW}), None, "case.chair", pa.guard_propose_consent,
           pa.propose_consent, to_complainant=False, to_respondent=True, keeps_body=False,
           summary="A consent agreement was offered to the respondent",
           form=F.ConsentForm, prepare=pa.prepare_consent,
           ready=pa.ready_vote("review", "consent"),
           offered=lambda c: pa.pending_consent(c) is None),
    Action("sign_consent", "Sign the consent agreement", frozenset({S.COMMITTEE_REVIEW}),
           S.FINAL, "case.respondent", pa.guard_sign_consent, pa.sign_consent,
           to_respondent=True, summary="The respondent signed the consent agreement; it is final",
           form=F.SignConsentForm, irreversible=True,
           offered=lambda c: pa.pending_consent(c) is not None),
    Action("set_hearing", "Refer to a hearing and schedule it", frozenset({S.COMMITTEE_REVIEW}),
           S.HEARING_SCHEDULED, "case.chair", pa.guard_set_hearing, fair.set_hearing,
           to_respondent=True, summary="A hearing was scheduled",
           form=F.HearingForm, prepare=pa.prepare_hearing,
           ready=pa.ready_vote("review", "hearing")),
    Action("request_postponement", "Ask to postpone the hearing",
           frozenset({S.HEARING_SCHEDULED}), None, "case.respondent",
           pa.guard_postponement_request, pa.request_postponement, to_complainant=False,
           to_respondent=True, summary="The respondent asked to postpone the hearing",
           form=F.text_form("Why you ask for a postponement"),
           ready=fair.ready_postponement_request,
           offered=lambda c: pa.p.pending_postponement(c) is None),
    Action("decide_postponement", "Decide the request to postpone",
           frozenset({S.HEARING_SCHEDULED}), None, "case.chair", pa.guard_postponement_decision,
           pa.decide_postponement, to_respondent=True, summary="Request to postpone decided",
           form=F.PostponementDecisionForm,
           offered=lambda c: pa.p.pending_postponement(c) is not None),
    Action("replace_panel_member", "Appoint a replacement to the hearing panel",
           frozenset({S.HEARING_SCHEDULED}), None, "case.chair", fair.guard_replacement,
           fair.replace_panel_members, to_respondent=True,
           summary="A new member was appointed to the hearing panel",
           form=F.MembersForm, prepare=fair.prepare_replacement,
           offered=fair.panel_needs_replacing),
    Action("hold_hearing", "Record the hearing and close it", frozenset({S.HEARING_SCHEDULED}),
           S.DELIBERATION, "case.chair", pa.guard_hold, fair.hold, to_respondent=True,
           summary="The hearing was held; the panel is deliberating", evidence="exhibit",
           form=F.HoldForm, ready=fair.ready_hold),
    Action("waive_disclosure", "Waive the disclosure period in writing",
           frozenset({S.HEARING_SCHEDULED}), None, "case.respondent", fair.guard_waiver,
           fair.waive_disclosure, to_complainant=False, to_respondent=True,
           summary="The respondent waived, in writing, the time to read what was disclosed late",
           form=F.text_form("Your waiver, in writing",
                            "That you have had enough time to read what was disclosed to you "
                            "late, and agree that the hearing goes ahead."),
           offered=lambda c: bool(fair.late_items(c)) and not fair.undisclosed(c),
           irreversible=True),
    Action("decide_late_evidence", "Decide on evidence disclosed late",
           frozenset({S.HEARING_SCHEDULED}), None, "case.chair", fair.guard_late_evidence,
           fair.decide_late_evidence, to_respondent=True, body_to_parties=True,
           summary="The chair decided on evidence disclosed late", form=F.LateEvidenceForm,
           offered=lambda c: bool(fair.late_items(c))),
    Action("decide", "Record the panel's decision", frozenset({S.DELIBERATION}), S.DECIDED,
           "case.chair", pa.guard_decide, pa.decide, to_respondent=True,
           summary="The hearing panel decided", form=F.DecideForm, ready=pa.ready_decision),
    Action("appeal", "Appeal the decision", frozenset({S.DECIDED}), S.UNDER_APPEAL,
           "case.appeal", pa.guard_appeal, pa.appeal, to_respondent=True,
           summary="An appeal was filed; the sanctions are stayed", evidence="appeal",
           form=F.text_form("Grounds of the appeal", files=True), ready=pa.ready_appeal),
    Action("finalize", "Make the decision final", frozenset({S.DECIDED}), S.FINAL, SYSTEM,
           None, pa.finalize, to_respondent=True,
           summary="The appeal period ended: the decision is final"),
    Action("set_appeal_panel", "Choose the appeal panel", frozenset({S.UNDER_APPEAL}), None,
           "case.chair", pa.guard_appeal_panel, pa.set_appeal_panel, to_complainant=False,
           summary="Appeal panel chosen", form=F.MembersForm, prepare=pa.prepare_members),
    Action("appeal_affirm", "Affirm, as the appeal panel voted", frozenset({S.UNDER_APPEAL}),
           S.FINAL, "case.chair", pa.appeal_guard("affirm"), pa.appeal_effect("affirm"),
           to_respondent=True, summary="The appeal panel affirmed the decision",
           form=F.text_form("The appeal panel's reasons"), ready=pa.ready_vote("appeal", "affirm")),
    Action("appeal_modify", "Modify the sanction, as the appeal panel voted",
           frozenset({S.UNDER_APPEAL}), S.FINAL, "case.chair", pa.appeal_guard("modify"),
           pa.appeal_effect("modify"), to_respondent=True,
           summary="The appeal panel modified the sanction", form=F.ModifyForm,
           ready=pa.ready_vote("appeal", "modify")),
    Action("appeal_reverse", "Reverse, as the appeal panel voted", frozenset({S.UNDER_APPEAL}),
           S.FINAL, "case.chair", pa.appeal_guard("reverse"), pa.appeal_effect("reverse"),
           to_respondent=True, summary="The appeal panel reversed the decision",
           form=F.text_form("The appeal panel's reasons"),
           ready=pa.ready_vote("appeal", "reverse")),
    Action("appeal_remand", "Send back to the committee, as the appeal panel voted",
           frozenset({S.UNDER_APPEAL}), S.COMMITTEE_REVIEW, "case.chair",
           pa.appeal_guard("remand"), pa.appeal_effect("remand"), to_respondent=True,
           summary="The appeal panel sent the case back to the committee",
           form=F.text_form("The appeal panel's reasons"), ready=pa.ready_vote("appeal", "remand")),
    Action("record_compliance", "Record a condition as met", frozenset({S.FINAL}), None,
           "case.compliance", pa.guard_compliance, pa.record_compliance, to_complainant=False,
           to_respondent=True, summary="A condition of the sanction was met",
           form=F.ComplianceForm, prepare=pa.prepare_compliance, offered=pa.has_open_conditions),
    Action("condition_missed", "Return to the committee: a condition was missed",
           frozenset({S.FINAL}), S.COMMITTEE_REVIEW, SYSTEM, None, pa.condition_missed,
           to_complainant=False, to_respondent=True,
           summary="A condition of the sanction was not met: the case returns to the committee"),
    Action("close", "Close the case", frozenset({S.FINAL}), S.CLOSED, SYSTEM, None, pa.close,
           to_respondent=True, summary="The sanctions are complete: the case is closed"),
    Action("interim_suspension", "Suspend in the interim (the public is at risk)",
           OPEN_STATES - {S.SUBMITTED, S.INFO_REQUESTED}, None, "case.chair",
           pa.guard_measure("interim_suspension"), pa.measure_effect("interim_suspension"),
           to_complainant=False, to_respondent=True, summary="Interim suspension decided",
           form=F.MeasureForm,
           offered=lambda c: pa.p.open_measure(c, "interim_suspension") is None),
    Action("lift_interim_suspension", "Lift the interim suspension", OPEN_STATES | {S.FINAL},
           None, "case.chair", pa.guard_lift("interim_suspension"),
           pa.lift_effect("interim_suspension"), to_complainant=False, to_respondent=True,
           summary="Interim suspension lifted", form=F.text_form("Reason for lifting it"),
           offered=lambda c: pa.p.open_measure(c, "interim_suspension") is not None),
    Action("stay", "Stay the proceeding pending litigation",
           OPEN_STATES - {S.SUBMITTED, S.INFO_REQUESTED}, None, "case.chair",
           pa.guard_measure("stay"), pa.measure_effect("stay"), to_respondent=True,
           summary="The proceeding is stayed pending litigation",
           form=F.text_form("The committee's reasons for the stay"),
           offered=lambda c: pa.p.open_measure(c, "stay") is None),
    Action("lift_stay", "Lift the stay", OPEN_STATES, None, "case.chair", pa.guard_lift("stay"),
           pa.lift_effect("stay"), to_respondent=True, summary="The stay is lifted",
           form=F.text_form("Reason for lifting the stay"),
           offered=lambda c: pa.p.open_measure(c, "stay") is not None),
    Action("petition_reinstatement", "Petition for reinstatement",
           frozenset({S.FINAL, S.CLOSED}), None, "case.respondent", fair.guard_reinstatement,
           pa.petition, to_complainant=False, to_respondent=True,
           summary="Petition for reinstatement filed",
           form=F.text_form("Grounds of the petition"),
           offered=lambda c: not pa.petition_pending(c)),
    Action("decide_reinstatement", "Decide the petition for reinstatement",
           frozenset({S.FINAL, S.CLOSED}), None, "case.chair", pa.guard_petition_decision,
           fair.decide_reinstatement, to_complainant=False, to_respondent=True,
           summary="Petition for reinstatement decided", form=F.GrantForm,
           offered=pa.petition_pending),
    # Records (S20): a confirmed disposal batch (app/proceedings/disposal.py) takes it for
    # each case that is due and not held; the batch names who confirmed it
    Action("dispose", "Dispose of the file", records.DISPOSABLE, S.DISPOSED, SYSTEM,
           records.disposal_problem, records.erase, to_complainant=False,
           summary="The retention period ended: the case's file was disposed of"),
]}


def target_of(action: Action, case: Case, data: dict | None = None) -> str:
    if action.name == "continue":
        return case.status_before_withdrawal or case.status
    if action.name == "decide_withdrawal" and (data or {}).get("close"):
        return S.WITHDRAWN
    return action.target or case.status


def may(actor, action: Action, case: Case) -> bool:
    """Whether this person may take this action on this case now (state and policy)."""
    if case.status not in action.sources or action.permission == SYSTEM:
        return False
    return can(actor, action.permission, case)


def open_to(actor, case: Case) -> list[tuple[Action, str | None]]:
    """The actions this person could take on the case in its state, in table order, each
    with the reason it is not available yet (None: it is)."""
    out = []
    for action in ACTIONS.values():
        if may(actor, action, case) and (action.offered is None or action.offered(case)):
            out.append((action, action.ready(case) if action.ready else None))
    return out


def available(actor, case: Case) -> list[Action]:
    """The actions the person may take now (state, policy, readiness), in table order."""
    return [action for action, waiting in open_to(actor, case) if waiting is None]


def _party_name(case: Case, role: str) -> str:
    if role == "complainant":
        return f"the complainant {case.complainant.name}" if case.complainant else "the complainant"
    return f"the respondent {case.respondent_display}"


def _for_party(case: Case, acting, to_respondent: bool) -> str:
    """What the timeline adds when a representative acts: "by <representative> for <party>"
    (never naming a complainant, or their representative, to a respondent from whom the
    complainant's identity is withheld)."""
    if acting is None:
        return ""
    if acting.party_role == "complainant" and case.withhold_identity and to_respondent:
        return " (by the complainant's representative)"
    party = "the complainant" if acting.party_role == "complainant" else "the respondent"
    return f" (by {acting.name}, representative, for {party})"


def apply(case: Case, name: str, actor, seen_version: int | None = None, **data) -> Case:
    """Take an action on a case: check, change the status, record, and queue effects.

    `actor` None means the system (the deadline sweep). A `seen_version` older
    than the case's refuses the action as stale, so a form is never applied twice.
    """
    try:
        action = ACTIONS[name]
    except KeyError:
        raise WorkflowError(f"Unknown action {name!r}.") from None
    if actor is None:
        if action.permission != SYSTEM:
            raise NotAllowed(f"{name} needs a person to take it.")
    elif action.permission == SYSTEM or not can(actor, action.permission, case):
        raise NotAllowed("You may not take this action on this case.")
    if seen_version is not None and seen_version != case.row_version:
        raise StaleCase("This case changed while you were looking at it (someone else acted "
                        "on it). Nothing was done; check its current state and try again.")
    if case.status not in action.sources:
        raise WorkflowError(f"“{action.label}” is not possible while the case is "
                            f"{State(case.status).title.lower()}.")
    problem = action.ready(case) if action.ready is not None else None
    if problem:
        raise WorkflowError(problem)
    if action.guard is not None:
        problem = action.guard(case, data)
        if problem:
            raise WorkflowError(problem)
    before = case.status
    after = target_of(action, case, data)
    # a representative files for the party: the record says so
    acting = (access.representation(actor, case)
              if actor is not None and not access.is_party(actor, case) else None)
    if action.effect is not None:
        action.effect(case, actor, data)
    case.status = after
    # Every action bumps the case's version, even one that leaves the status as it
    # was (an extension request), so a form loaded before it is refused as stale.
    flag_modified(case, "status")
    to_respondent = action.to_respondent and case.served_at is not None
    services.add_event(case, actor, action.name,
                       action.summary + _for_party(case, acting, to_respondent),
                       from_status=before, to_status=after,
                       to_complainant=action.to_complainant, to_respondent=to_respondent,
                       body=str(data.get("text") or "").strip() if action.keeps_body else "")
    extra = {} if acting is None else {
        "representative_id": acting.id, "for_party": acting.party_role,
        "text": f"by {acting.name} for {_party_name(case, acting.party_role)}"}
    record(f"case.{name}", actor=actor, target=case, number=case.number,
           from_status=before, to_status=after, **extra,
           **{k: v for k, v in data.items() if k in ("reason", "grant") and v is not None})
    db.session.flush()
    return case
