"""Between the case page and the workflow: choices for the action forms, and the data
each form hands to `workflow.apply()`."""
from __future__ import annotations

from datetime import UTC

from wtforms.fields.choices import SelectChoice

from app.cases.models import Case
from app.proceedings import services as p
from app.proceedings.forms import FORMS, parse_conditions
from app.proceedings.models import SanctionKind

EVIDENCE_CONTEXT = {"answer_request": "documents", "appeal": "appeal", "hold_hearing": "exhibit"}


def _member_choices(case: Case) -> list[SelectChoice]:
    return [SelectChoice(u.id, u.name) for u in p.eligible(case)]


def _allegation_choices(case: Case) -> list[SelectChoice]:
    return [SelectChoice(a.id, f"{a.item.code} {a.item.title}") for a in case.allegations
            if not a.proposed]


def prepare(action: str, case: Case, form, fresh: bool) -> None:
    """Fill a form's choices (and defaults, on a fresh form) from the case."""
    if hasattr(form, "member_ids"):
        form.member_ids.choices = _member_choices(case)
    if hasattr(form, "allegation_ids"):
        form.allegation_ids.choices = _allegation_choices(case)
        if fresh:
            form.allegation_ids.data = [a.id for a in case.allegations if not a.proposed]
    if hasattr(form, "violated_ids"):
        form.violated_ids.choices = _allegation_choices(case)
    if action == "record_compliance":
        form.condition.choices = [
            SelectChoice(f"{s.id}:{i}", f"{SanctionKind(s.kind).title}: {c['text']} "
                                        f"(due {c['due_on']})")
            for s in p.open_sanctions(case) for i, c in enumerate(s.conditions or [])
            if not c.get("met_on")]
    if action == "set_hearing" and fresh:
        form.member_ids.data = []


def _sanction(form, kind: str | None = None) -> dict:
    return p.sanction_from_form(kind if kind is not None else (form.kind.data or ""),
                                form.terms.data or "", form.starts_on.data, form.ends_on.data,
                                form.bar_years.data, parse_conditions(form.conditions.data))


def _utc(value):
    return value.replace(tzinfo=UTC) if value is not None else None


def collect(action: str, form) -> dict:
    """The data an action's guard and effect read, from its validated form."""
    data: dict = {}
    if hasattr(form, "text"):
        data["text"] = form.text.data or ""
        data["event_body"] = data["text"] if action not in ("refer", "propose_consent") else ""
    if hasattr(form, "member_ids"):
        data["member_ids"] = list(form.member_ids.data or [])
    if action == "request_documents":
        data.update(addressee_role=form.addressee_role.data,
                    addressee_name=form.addressee_name.data or "",
                    addressee_email=form.addressee_email.data or "", days=form.days.data or 0)
    elif action == "propose_consent":
        data.update(violated_ids=list(form.violated_ids.data or []), sanction=_sanction(form))
    elif action == "sign_consent":
        data["agree"] = bool(form.agree.data)
    elif action == "set_hearing":
        data.update(starts_at=_utc(form.starts_at.data), place=form.place.data or "",
                    video_link=form.video_link.data or "",
                    allegation_ids=list(form.allegation_ids.data or []))
    elif action == "decide_postponement":
        data.update(grant=form.decision.data == "grant", starts_at=_utc(form.starts_at.data))
    elif action == "hold_hearing":
        data.update(attendance=_attendance(form.attendance.data or ""),
                    minutes=form.minutes.data or "", recording_ref=form.recording_ref.data or "")
    elif action == "decide":
        data["sanction"] = _sanction(form, kind="")
    elif action == "appeal_modify":
        data["sanction"] = _sanction(form)
    elif action == "record_compliance":
        sanction_id, _, index = (form.condition.data or "").partition(":")
        data.update(sanction_id=int(sanction_id) if sanction_id.isdigit() else None,
                    condition=int(index) if index.isdigit() else None)
    elif action == "interim_suspension":
        data["review_on"] = form.review_on.data
    elif action == "decide_reinstatement":
        data["grant"] = form.decision.data == "grant"
    return data


def _attendance(text: str) -> list[dict]:
    people = []
    for line in text.splitlines():
        name, _, role = line.partition("—")
        if not role:
            name, _, role = line.partition(" - ")
        if name.strip():
            people.append({"name": name.strip(), "role": role.strip() or "attendee"})
    return people


__all__ = ["FORMS", "EVIDENCE_CONTEXT", "prepare", "collect"]
