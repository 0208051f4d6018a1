"""What the case page shows of the proceeding after the answer, and the vote forms."""
from __future__ import annotations

from flask_login import current_user

from app.proceedings import services as p
from app.proceedings.forms import VoteForm
from app.proceedings.models import SanctionKind


def vote_questions(case) -> list[tuple[str, str, dict]]:
    """(question, label, choices) for the stage the case is at."""
    stage = p.STAGE_OF.get(case.status)
    if stage == "review":
        return [("outcome", "The committee's decision on the investigation", p.REVIEW_CHOICES)]
    if stage == "appeal":
        return [("outcome", "The appeal", p.APPEAL_CHOICES)]
    if stage == "hearing":
        questions = [(f"allegation:{a.id}", f"{a.item.code} {a.item.title}",
                      {"violated": "Violated", "not_violated": "Not violated"})
                     for a in p.heard_allegations(case)]
        sanctions = {k.value: k.title for k in SanctionKind if k != SanctionKind.CAUTION}
        questions.append(("sanction", "The sanction, if a violation is found", sanctions))
        return questions
    return []


def vote_forms(case) -> list[tuple[str, VoteForm]]:
    """A form per question for a voter, with their current vote filled in."""
    stage = p.STAGE_OF.get(case.status)
    if stage is None:
        return []
    mine = {v.question: v for v in p.votes(case, stage) if v.member_id == current_user.id}
    forms = []
    for question, label, choices in vote_questions(case):
        form = VoteForm(prefix=f"vote-{question}")
        form.choice.label.text = label
        form.choice.choices = list(choices.items())
        if question in mine:
            form.choice.data, form.reasons.data = mine[question].choice, mine[question].reasons
        forms.append((question, form))
    return forms


def tallies(case) -> list[dict]:
    """For staff on the case: each question's votes so far (never for the parties)."""
    stage = p.STAGE_OF.get(case.status)
    if stage is None:
        return []
    out = []
    for question, label, choices in vote_questions(case):
        cast = p.votes(case, stage, question)
        out.append({"label": label, "cast": len(cast), "voters": len(p.voters(case, stage)),
                    "by_choice": {choices.get(k, k): n for k, n in
                                  p.majority(case, stage, question)[1].items()}})
    return out


def page_context(case, role: str) -> dict:
    """What the case page shows of the proceeding after the answer, for this viewer."""
    from app.policy import can
    from app.proceedings.actions import pending_consent

    decision = p.latest_decision(case)
    staff = role == "staff"
    context = {
        "investigators": p.members_in(case, "investigator") if staff else [],
        "panel": p.members_in(case, "hearing_panel") if staff or case.status in (
            "hearing_scheduled", "deliberation") else [],
        "appeal_panel": p.members_in(case, "appeal_panel") if staff else [],
        "requests": p.open_requests(case, None if staff else "respondent")
        if role in ("staff", "respondent") else [],
        "report": p.report_of(case) if staff else None,
        "hearing": p.current_hearing(case),
        "decision": decision,
        "consent": pending_consent(case) if role in ("staff", "respondent") else None,
        "measures": [m for m in (p.open_measure(case, "interim_suspension"),
                                 p.open_measure(case, "stay")) if m],
        "sanctions": decision.sanctions if decision else [],
        "vote_forms": vote_forms(case) if can(current_user, "case.vote", case) else [],
        "tallies": tallies(case) if staff else [],
        "sanction_titles": {k.value: k.title for k in SanctionKind},
    }
    return context
