"""Guards, readiness and effects of the workflow rows that keep the proceeding fair
(issue 14): a withdrawal after acceptance decided by the committee, panels completed
after a recusal, disclosure before the hearing, representatives.

The table that names them is `app/proceedings/workflow.py`'s ACTIONS, as for
`actions.py`; the rules they call are in `services.py`.
"""
from __future__ import annotations

from app import clock
from app.cases import notices as case_notices
from app.cases.models import Case
from app.proceedings import notices
from app.proceedings import services as p


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
