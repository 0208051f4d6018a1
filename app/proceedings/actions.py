"""Guards and effects of the workflow's actions after the answer.

The table that names them is `app/proceedings/workflow.py`'s ACTIONS; these functions say
what must be true before anything is typed (`ready_*`: the reason the action is not
available yet), what the typed input must satisfy (guards return the reason it does not),
how a form is filled from the case (`prepare_*`), and what follows (effects).
"""
from __future__ import annotations

from datetime import timedelta

from wtforms.fields.choices import SelectChoice

from app import clock
from app.cases import services as case_services
from app.cases.models import Case
from app.documents import services as documents
from app.extensions import db
from app.proceedings import notices
from app.proceedings import services as p
from app.proceedings.models import Appeal, Capacity, HearingPostponement, Measure, SanctionKind
from app.registry import services as registry
from app.registry.models import CertStatus

# --- what the form offers ------------------------------------------------------------------

def _allegation_choices(case: Case) -> list[SelectChoice]:
    return [SelectChoice(a.id, f"{a.item.code} {a.item.title}") for a in case.allegations
            if not a.proposed]


def prepare_members(case: Case, form, fresh: bool) -> None:
    form.member_ids.choices = [SelectChoice(u.id, u.name) for u in p.eligible(case)]


def prepare_hearing(case: Case, form, fresh: bool) -> None:
    prepare_members(case, form, fresh)
    form.allegation_ids.choices = _allegation_choices(case)
    if fresh:
        form.member_ids.data = []
        form.allegation_ids.data = [a.id for a in case.allegations if not a.proposed]


def prepare_consent(case: Case, form, fresh: bool) -> None:
    form.violated_ids.choices = _allegation_choices(case)


def prepare_compliance(case: Case, form, fresh: bool) -> None:
    form.condition.choices = [
        SelectChoice(f"{s.id}:{i}", f"{SanctionKind(s.kind).title}: {c['text']} "
                                    f"(due {c['due_on']})")
        for s in p.open_sanctions(case) for i, c in enumerate(s.conditions or [])
        if not c.get("met_on")]


# --- readiness: what must be true before anything is typed ----------------------------------

def ready_investigator(case: Case) -> str | None:
    return None if p.members_in(case, Capacity.INVESTIGATOR) else "Assign an investigator first."


def ready_vote(stage: str, outcome: str):
    def ready(case: Case) -> str | None:
        if stage == "appeal" and len(p.voters(case, "appeal")) < p.quorum():
            return "Choose the appeal panel first."
        return p.vote_problem(case, stage, "outcome", outcome)
    return ready


def ready_hearing_held(case: Case) -> str | None:
    hearing = p.current_hearing(case)
    if hearing is None or hearing.starts_at > clock.now():
        return "The hearing has not started yet: it can be recorded once it has taken place."
    return None


def ready_decision(case: Case) -> str | None:
    heard = p.heard_allegations(case)
    panel = p.voters(case, "hearing")
    if len(panel) < p.quorum():
        return (f"The panel has {len(panel)} members able to vote; the quorum is "
                f"{p.quorum()}. The chair must complete the panel.")
    for allegation in heard:
        cast = p.votes(case, "hearing", f"allegation:{allegation.id}")
        if len(cast) < len(panel):
            return (f"Every panel member must vote on {allegation.item.code}: "
                    f"{len(cast)} of {len(panel)} have.")
    if any(_violated(case, a) for a in heard) and p.majority(case, "hearing", "sanction")[0] is None:
        return "A violation is found: the panel must agree a sanction by a majority."
    return None


def ready_appeal(case: Case) -> str | None:
    decision = p.latest_decision(case)
    if decision is None or decision.appeal_due_on is None:
        return "This decision is not open to appeal."
    if clock.today() > decision.appeal_due_on:
        return f"The appeal period ended on {decision.appeal_due_on}."
    return None


# --- guards --------------------------------------------------------------------------


def needs(*fields: str, message: str):
    def guard(case: Case, data: dict) -> str | None:
        return None if all(str(data.get(f) or "").strip() for f in fields) else message
    return guard


def guard_investigators(case: Case, data: dict) -> str | None:
    problems = p.panel_problems(case, data.get("member_ids") or [], Capacity.INVESTIGATOR)
    return " ".join(problems) or None


def guard_request_documents(case: Case, data: dict) -> str | None:
    if not p.members_in(case, Capacity.INVESTIGATOR):
        return "Assign an investigator first."
    if data.get("addressee_role") == "respondent" and not case_services.service_address(case):
        return "The case holds no address for the respondent."
    if data.get("addressee_role") == "witness" and not (
            str(data.get("addressee_name") or "").strip() and data.get("addressee_email")):
        return "Give the witness's name and email address."
    if not str(data.get("text") or "").strip():
        return "Say which documents are asked for."
    if not 1 <= int(data.get("days") or 0) <= 90:
        return "Give the number of days allowed (1 to 90)."
    return None


def guard_answer_request(case: Case, data: dict) -> str | None:
    if not p.open_requests(case, "respondent"):
        return "There is no open request for documents addressed to you."
    return needs("text", message="Write your answer, and attach the documents asked for.")(
        case, data)


def guard_refer(case: Case, data: dict) -> str | None:
    if not p.members_in(case, Capacity.INVESTIGATOR):
        return "The case has no investigator."
    return needs("text", message="Write the findings report that closes the investigation.")(
        case, data)


def review_guard(outcome: str):
    def guard(case: Case, data: dict) -> str | None:
        problem = p.vote_problem(case, "review", "outcome", outcome)
        if problem:
            return problem
        if outcome in ("dismiss", "caution"):
            return needs("text", message="Write the reasons given to the parties.")(case, data)
        return None
    return guard


def guard_propose_consent(case: Case, data: dict) -> str | None:
    problem = review_guard("consent")(case, data)
    if problem:
        return problem
    if pending_consent(case) is not None:
        return "A consent agreement is already waiting for the respondent's signature."
    if not data.get("violated_ids") or not set(data["violated_ids"]) <= {
            a.id for a in case.allegations if not a.proposed}:
        return "Choose the allegations the respondent agrees were violated."
    return " ".join(p.sanction_problems(data.get("sanction") or {})) or needs(
        "text", message="Write the agreed findings.")(case, data)


def guard_sign_consent(case: Case, data: dict) -> str | None:
    decision = pending_consent(case)
    if decision is None:
        return "There is no consent agreement waiting for your signature."
    return None if data.get("agree") else "Tick the box to sign the agreement."


def pending_consent(case: Case):
    decision = p.latest_decision(case, "review")
    if decision and decision.outcome == "consent" and decision.details.get("open"):
        return decision
    return None


def guard_set_hearing(case: Case, data: dict) -> str | None:
    problem = p.vote_problem(case, "review", "outcome", "hearing")
    if problem:
        return problem
    problems = p.panel_problems(case, data.get("member_ids") or [], Capacity.HEARING_PANEL)
    problems += p.hearing_problems(case, data.get("starts_at"), data.get("allegation_ids") or [])
    if not (str(data.get("place") or "").strip() or str(data.get("video_link") or "").strip()):
        problems.append("Give the place or a video link.")
    return " ".join(problems) or None


def guard_postponement_request(case: Case, data: dict) -> str | None:
    if p.pending_postponement(case):
        return "A postponement request is already waiting for the chair."
    return needs("text", message="Give the reason you ask for a postponement.")(case, data)


def guard_postponement_decision(case: Case, data: dict) -> str | None:
    if p.pending_postponement(case) is None:
        return "There is no postponement request to decide."
    if data.get("grant"):
        problems = p.hearing_problems(case, data.get("starts_at"),
                                      p.current_hearing(case).allegation_ids, notice_days=0)
        hearing = p.current_hearing(case)
        if data.get("starts_at") and data["starts_at"] <= hearing.starts_at:
            problems.append("The new date must be later than the one postponed.")
        return " ".join(problems) or None
    return None


def guard_hold(case: Case, data: dict) -> str | None:
    hearing = p.current_hearing(case)
    if hearing is None or hearing.starts_at > clock.now():
        return "The hearing has not started yet: it can be recorded once it has taken place."
    if not data.get("attendance"):
        return "Record who attended."
    return needs("minutes", message="Write the minutes, or where the recording is.")(
        case, data) if not str(data.get("recording_ref") or "").strip() else None


def guard_decide(case: Case, data: dict) -> str | None:
    heard = p.heard_allegations(case)
    panel = p.voters(case, "hearing")
    if len(panel) < p.quorum():
        return (f"The panel has {len(panel)} members able to vote; the quorum is "
                f"{p.quorum()}. The chair must complete the panel.")
    for allegation in heard:
        cast = p.votes(case, "hearing", f"allegation:{allegation.id}")
        if len(cast) < len(panel):
            return (f"Every panel member must vote on {allegation.item.code}: "
                    f"{len(cast)} of {len(panel)} have.")
    if any(_violated(case, a) for a in heard):
        choice, _ = p.majority(case, "hearing", "sanction")
        if choice is None:
            return "A violation is found: the panel must agree a sanction by a majority."
        return " ".join(p.sanction_problems(_sanction(data, choice))) or None
    return None


def _sanction(data: dict, kind: str) -> dict:
    return {**(data.get("sanction") or {}), "kind": kind}


def _violated(case: Case, allegation) -> bool:
    choice, _ = p.majority(case, "hearing", f"allegation:{allegation.id}")
    return choice == "violated"


def guard_appeal(case: Case, data: dict) -> str | None:
    decision = p.latest_decision(case)
    if decision is None or decision.appeal_due_on is None:
        return "This decision is not open to appeal."
    if clock.today() > decision.appeal_due_on:
        return f"The appeal period ended on {decision.appeal_due_on}."
    return needs("text", message="Give the grounds of the appeal.")(case, data)


def guard_appeal_panel(case: Case, data: dict) -> str | None:
    problems = p.panel_problems(case, data.get("member_ids") or [], Capacity.APPEAL_PANEL)
    return " ".join(problems) or None


def appeal_guard(outcome: str):
    def guard(case: Case, data: dict) -> str | None:
        if len(p.voters(case, "appeal")) < p.quorum():
            return "Choose the appeal panel first."
        problem = p.vote_problem(case, "appeal", "outcome", outcome)
        if problem:
            return problem
        if outcome == "modify":
            problems = p.sanction_problems(data.get("sanction") or {})
            if problems:
                return " ".join(problems)
        return needs("text", message="Write the appeal panel's reasons.")(case, data)
    return guard


def guard_measure(kind: str):
    def guard(case: Case, data: dict) -> str | None:
        if p.open_measure(case, kind):
            return "This measure is already in place."
        return needs("text", message="Give the committee's reason.")(case, data)
    return guard


def guard_lift(kind: str):
    def guard(case: Case, data: dict) -> str | None:
        if p.open_measure(case, kind) is None:
            return "There is no such measure to lift."
        return needs("text", message="Give the reason for lifting it.")(case, data)
    return guard


def petition_pending(case: Case) -> bool:
    """A petition was filed after the last decision on one."""
    for event in reversed(case.events):
        if event.action == "decide_reinstatement":
            return False
        if event.action == "petition_reinstatement":
            return True
    return False


def guard_petition_decision(case: Case, data: dict) -> str | None:
    return None if petition_pending(case) else "There is no petition to decide."


def has_open_conditions(case: Case) -> bool:
    return any(not c.get("met_on") for s in p.open_sanctions(case) for c in s.conditions or [])


def guard_compliance(case: Case, data: dict) -> str | None:
    sanction_id, index = data.get("sanction_id"), data.get("condition")
    for s in p.open_sanctions(case):
        if s.id == sanction_id and index is not None and 0 <= index < len(s.conditions or []):
            return None if not s.conditions[index].get("met_on") else \
                "That condition is already recorded as met."
    return "Choose a condition of a sanction in force."


# --- effects ---------------------------------------------------------------------------

def assign_investigators(case: Case, actor, data: dict) -> None:
    p.assign(case, data["member_ids"], Capacity.INVESTIGATOR, actor)
    notices.to_members(case, p.members_in(case, Capacity.INVESTIGATOR),
                       "You are the investigator",
                       ["The chair has assigned you to investigate this case."])


def request_documents(case: Case, actor, data: dict) -> None:
    request = p.open_request(case, actor, data)
    notices.documents_requested(case, request)


def answer_request(case: Case, actor, data: dict) -> None:
    for request in p.open_requests(case, "respondent"):
        p.answer_request(request, data["text"])
    notices.to_members(case, p.members_in(case, Capacity.INVESTIGATOR),
                       "The respondent answered your request",
                       ["The respondent answered the request for documents."])


def record_noncooperation(case: Case, actor, data: dict) -> None:
    """The sweep found a request's deadline passed: that one is missed (the sweep applies
    this once per missed deadline; other requests keep running)."""
    overdue = [d for d in case.deadlines if d.kind == "documents" and d.status == "open"
               and d.due_on < clock.today()]
    if overdue:
        deadline = min(overdue, key=lambda d: (d.due_on, d.id))
        deadline.status, deadline.closed_at = "missed", clock.now()


def refer(case: Case, actor, data: dict) -> None:
    p.add_item(case, actor, "report", "Findings report", text=data["text"])
    case_services.close_deadlines(case, "cancelled", kinds=("documents", "witness_documents"))
    notices.to_committee(case, "Investigation closed: the case is before the committee",
                         ["The investigator's findings report is on the case page. "
                          "Eligible members vote on the outcome."])


def _parties_told(case: Case, subject: str, paragraphs: list[str]) -> None:
    notices.to_parties(case, subject, paragraphs)


def review_dismiss(case: Case, actor, data: dict) -> None:
    p.record_decision(case, actor, "review", "dismissed", data["text"], appealable=False)
    case.closed_at = clock.now()  # dismissed is a closed state (retention counts from here)
    case_services.close_deadlines(case, "cancelled")
    p.end_interim_suspension(case, "The complaint was dismissed.", actor)
    _parties_told(case, "The committee dismissed the complaint", [
        "After reviewing the investigation, the committee dismissed the complaint.",
        "A decision letter will be sent to you."])


def review_caution(case: Case, actor, data: dict) -> None:
    p.record_decision(case, actor, "review", "caution", data["text"], appealable=True,
                      sanctions=[{"kind": SanctionKind.CAUTION, "terms": data["text"]}])
    _parties_told(case, "The committee dismissed the complaint with a cautionary letter", [
        "After reviewing the investigation, the committee dismissed the complaint and "
        "decided to send the respondent a cautionary letter."])


def propose_consent(case: Case, actor, data: dict) -> None:
    violated = set(data["violated_ids"])
    findings = {a.id: (a.id in violated, "Agreed by the respondent.") for a in case.allegations
                if not a.proposed}
    p.record_decision(case, actor, "review", "consent", data["text"], findings=findings,
                      sanctions=[data["sanction"]], appealable=False,
                      details={"open": True, "chair_signed_at": clock.now().isoformat(),
                               "chair": actor.name})
    notices.to_respondent_only(case, "A consent agreement is offered to you", [
        "The committee offers to resolve the complaint by a consent agreement: you agree "
        "to findings and a sanction, and there is no hearing. Read it and sign it on your "
        "case page, or let it lapse and the committee goes on."])


def sign_consent(case: Case, actor, data: dict) -> None:
    decision = pending_consent(case)
    decision.details = {**decision.details, "open": False,
                        "respondent_signed_at": clock.now().isoformat()}
    p.finalize(case, actor)
    _parties_told(case, "The consent agreement is signed", [
        "The respondent signed the consent agreement. It is final and takes effect now."])


def set_hearing(case: Case, actor, data: dict) -> None:
    offer = pending_consent(case)
    if offer is not None:  # the committee went to a hearing instead: the offer lapses
        offer.details = {**offer.details, "open": False, "lapsed_at": clock.now().isoformat()}
    p.assign(case, data["member_ids"], Capacity.HEARING_PANEL, actor)
    hearing = p.schedule_hearing(case, actor, data)
    notices.hearing_scheduled(case, hearing)


def request_postponement(case: Case, actor, data: dict) -> None:
    hearing = p.current_hearing(case)
    db.session.add(HearingPostponement(hearing_id=hearing.id, requested_by_id=actor.id,
                                       reason=data["text"].strip(), requested_at=clock.now()))
    notices.to_intake(case, "A postponement of the hearing is requested",
                      ["The respondent asks for the hearing to be postponed."])


def decide_postponement(case: Case, actor, data: dict) -> None:
    request = p.pending_postponement(case)
    request.status = "granted" if data.get("grant") else "refused"
    request.decided_by_id, request.decided_at = actor.id, clock.now()
    request.note = str(data.get("text") or "").strip()
    if data.get("grant"):
        old = request.hearing
        old.status = "postponed"
        documents.mark_superseded(
            case, "notice_of_hearing", f"The hearing set for {clock.local_text(old.starts_at)} "
            "was postponed; a new notice of hearing replaces this one.", actor)
        new = p.schedule_hearing(case, actor, {
            "starts_at": data["starts_at"], "place": old.place, "video_link": old.video_link,
            "allegation_ids": old.allegation_ids})
        db.session.flush()
        notices.hearing_scheduled(case, new, postponed_from=old)
    else:
        notices.to_respondent_only(case, "Your request to postpone the hearing was refused", [
            request.note or "The chair refused the postponement; the hearing goes ahead."])


def hold(case: Case, actor, data: dict) -> None:
    hearing = p.current_hearing(case)
    hearing.status = "held"
    hearing.attendance = data["attendance"]
    hearing.minutes = str(data.get("minutes") or "").strip()
    hearing.recording_ref = str(data.get("recording_ref") or "").strip()
    hearing.closed_at = clock.now()
    notices.to_members(case, p.members_in(case, Capacity.HEARING_PANEL),
                       "The hearing is closed: deliberation",
                       ["Vote on each allegation and, if any is violated, on the sanction."])


def decide(case: Case, actor, data: dict) -> None:
    heard = p.heard_allegations(case)
    # A member's reasons for a vote stay with the committee (the vote form promises they
    # are never shown to the parties); the parties read the panel's reasons (`text`).
    findings = {a.id: (_violated(case, a), "") for a in heard}
    sanctions = []
    if any(v for v, _ in findings.values()):
        choice, _ = p.majority(case, "hearing", "sanction")
        sanctions = [_sanction(data, choice)]
    outcome = "violation" if sanctions else "no_violation"
    p.record_decision(case, actor, "hearing", outcome, str(data.get("text") or ""),
                      findings=findings, sanctions=sanctions)
    _parties_told(case, "The hearing panel has decided", [
        "The hearing panel has decided the case. The decision and order, with the appeal "
        "period, will be sent to you."])


def appeal(case: Case, actor, data: dict) -> None:
    decision = p.latest_decision(case)
    role = "respondent" if case.respondent_user_id == actor.id or (
        actor.certificant_id and actor.certificant_id == case.respondent_certificant_id) \
        else "complainant"
    db.session.add(Appeal(case_id=case.id, decision_id=decision.id, appellant_id=actor.id,
                          appellant_role=role, grounds=data["text"].strip(),
                          filed_at=clock.now()))
    case_services.close_deadlines(case, "met", kinds=("appeal",))
    notices.to_intake(case, "An appeal was filed", [f"The {role} appealed the decision."])
    _parties_told(case, "An appeal was filed",
                  [f"The {role} appealed the decision. The sanctions are stayed until "
                   "the appeal is decided."])


def set_appeal_panel(case: Case, actor, data: dict) -> None:
    p.assign(case, data["member_ids"], Capacity.APPEAL_PANEL, actor)
    notices.to_members(case, p.members_in(case, Capacity.APPEAL_PANEL),
                       "You sit on an appeal panel",
                       ["Read the appeal and the decision appealed, then vote on the outcome."])


def appeal_effect(outcome: str):
    def effect(case: Case, actor, data: dict) -> None:
        appealed = p.appeal_of(case).decision
        if outcome == "modify":
            sanctions = [data["sanction"]]
        elif outcome == "reverse":
            sanctions = []
        else:
            sanctions = [{"kind": s.kind, "terms": s.terms, "conditions": s.conditions,
                          "starts_on": s.starts_on, "ends_on": s.ends_on,
                          "bar_years": s.bar_years} for s in appealed.sanctions]
        findings = {f.allegation_id: ((f.violated and outcome != "reverse"), f.reasons)
                    for f in appealed.findings}
        decision = p.record_decision(case, actor, "appeal", outcome, data["text"],
                                     findings=findings if outcome != "remand" else {},
                                     sanctions=sanctions if outcome != "remand" else [],
                                     appealable=False)
        p.appeal_of(case).outcome_decision_id = decision.id
        if outcome in ("remand", "reverse"):
            p.set_aside(case, appealed, outcome, data["text"], actor)
        if outcome != "remand":
            p.finalize(case, actor)
        _parties_told(case, "The appeal is decided", [
            "The appeal panel has decided. The decision on appeal will be sent to you."])
    return effect


def finalize(case: Case, actor, data: dict) -> None:
    p.finalize(case, actor)
    _parties_told(case, "The decision is final", [
        "The appeal period ended with no appeal: the decision is final and its sanctions "
        "take effect."])


def close(case: Case, actor, data: dict) -> None:
    case.closed_at = clock.now()


def condition_missed(case: Case, actor, data: dict) -> None:
    for s in p.open_sanctions(case):
        if any(not c.get("met_on") and c["due_on"] < clock.today().isoformat()
               for c in s.conditions or []):
            p.end_sanction(s, "breached", actor)
    notices.to_intake(case, "A condition of a sanction was not met", [
        "A condition's due date passed without compliance recorded; the case returns to "
        "the committee."])


def record_compliance(case: Case, actor, data: dict) -> None:
    sanction = next(s for s in p.open_sanctions(case) if s.id == data["sanction_id"])
    p.meet_condition(sanction, data["condition"], actor)


def measure_effect(kind: str):
    def effect(case: Case, actor, data: dict) -> None:
        measure = Measure(case_id=case.id, kind=kind, reason=data["text"].strip(),
                          review_on=data.get("review_on"), decided_by_id=actor.id,
                          decided_at=clock.now())
        cert = case.respondent_certificant
        if kind == "interim_suspension" and cert is not None:
            measure.registry_status_before = registry.change_status(
                cert, CertStatus.SUSPENDED, actor=actor, reason="interim suspension",
                case_number=case.number)
        db.session.add(measure)
        if kind == "interim_suspension" and measure.review_on:  # a clock for the chair
            p.open_dated_deadline(case, "interim_review", measure.review_on)
        _parties_told(case, "Interim suspension" if kind == "interim_suspension"
                      else "The proceeding is stayed", [data["text"].strip()])
    return effect


def lift_effect(kind: str):
    def effect(case: Case, actor, data: dict) -> None:
        measure = p.open_measure(case, kind)
        measure.lifted_at, measure.lifted_reason = clock.now(), data["text"].strip()
        case_services.close_deadlines(case, "met", kinds=("interim_review",))
        cert = case.respondent_certificant
        if kind == "interim_suspension" and cert is not None \
                and cert.status == CertStatus.SUSPENDED:
            registry.change_status(cert, measure.registry_status_before or CertStatus.ACTIVE,
                                   actor=actor, reason="interim suspension lifted",
                                   case_number=case.number)
        if kind == "stay":  # time stood still while stayed: open deadlines move on by as much
            stayed = (clock.today() - measure.decided_at.date()).days
            for deadline in case.deadlines:
                if deadline.status == "open" and stayed > 0:
                    deadline.due_on = clock.next_weekday(
                        deadline.due_on + timedelta(days=stayed))
        _parties_told(case, "A measure is lifted", [data["text"].strip()])
    return effect


def petition(case: Case, actor, data: dict) -> None:
    notices.to_intake(case, "A petition for reinstatement", [data["text"].strip()])
