"""The forms of the case page's actions. They check shape only; the guards hold the rules.

Each action form turns its fields into the data its guard and effect read
(`effect_data()`); the workflow table names the form of each action, so nothing else
maps actions to forms or forms to data.
"""
from __future__ import annotations

from datetime import UTC, date, datetime

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from app import clock
from app.cases.forms import EVIDENCE_HINT, MultiCheckboxField
from app.cases.models import DismissalReason
from app.proceedings.models import SanctionKind

GRANT_OR_REFUSE = [SelectChoice("grant", "Grant"), SelectChoice("refuse", "Refuse")]
SANCTION_CHOICES = [SelectChoice("", "— choose —")] + [
    SelectChoice(k.value, k.title) for k in SanctionKind if k != SanctionKind.CAUTION]
CONDITIONS_HINT = ("One condition per line, starting with its due date: "
                   "2027-03-31 Complete 12 hours of ethics education.")


def aware(value: datetime | None) -> datetime | None:
    """A time typed in the committee's time zone, as an aware UTC time."""
    if value is None:
        return None
    return value.replace(tzinfo=clock.zone()).astimezone(UTC)


def zone_label(label: str) -> str:
    return f"{label} ({clock.zone().key})"


class ActionForm(FlaskForm):
    """The common part of every action form: the case version the person saw."""

    seen_version = HiddenField()

    def effect_data(self) -> dict:
        """What the action's guard and effect read; `text` also becomes the timeline's body."""
        data: dict = {}
        if "text" in self:
            data["text"] = self.text.data or ""
        return data


def text_form(label: str, hint: str = "", *, files: bool = False,
              files_label: str = "Attach files") -> type[ActionForm]:
    """A form of one text field (labelled for what it is for), optionally with files."""
    fields: dict = {"text": TextAreaField(label, description=hint,
                                          validators=[Optional(), Length(max=20000)])}
    if files:
        fields["evidence"] = MultipleFileField(files_label, description=EVIDENCE_HINT)
    return type("TextActionForm", (ActionForm,), fields)


# --- accessibility: adjustments and other formats (issue 18) ------------------------------

AdjustmentRequestForm = text_form(
    "What you need",
    "For example: documents in large print, braille, audio or an accessible Word file; a "
    "sign language interpreter, a hearing loop, step-free access, breaks or a remote link "
    "at the hearing. Say what you need; you need not say why. The other party may read "
    "this request on the case page.")
AdjustmentAnswerForm = text_form(
    "The office's answer", "The party who asked receives it by email; both parties may "
    "read it on the case page.")


class ConfirmActionForm(ActionForm):
    """An action with nothing to fill in."""


# --- intake ------------------------------------------------------------------------------

class AcceptForm(ActionForm):
    jurisdiction_confirmed = BooleanField(
        "The respondent is or was a certificant or an applicant",
        description="Needed only when the respondent is not in the registry.")
    waiver = TextAreaField("Reason to waive the time limit (only if the conduct is too old)",
                           validators=[Length(max=5000)])
    respondent_email = EmailField("Serve the respondent at",
                                  validators=[Optional(), Email(), Length(max=254)])
    withhold_identity = BooleanField("Withhold the complainant's identity from the respondent")
    disclose = MultiCheckboxField("Evidence disclosed to the respondent", coerce=int)

    def effect_data(self) -> dict:
        # (the page leaves out a question that does not arise for the case)
        given = {name: field.data for name, field in self._fields.items()}
        return {"jurisdiction_confirmed": bool(given.get("jurisdiction_confirmed")),
                "waiver": given.get("waiver") or "",
                "respondent_email": given.get("respondent_email") or "",
                "withhold_identity": bool(given.get("withhold_identity")),
                "disclose": set(given.get("disclose") or [])}


class DismissForm(ActionForm):
    reason = RadioField("Reason for dismissal", validate_choice=False,
                        choices=[SelectChoice(r.value, r.title) for r in DismissalReason])
    text = TextAreaField("Explanation for the complainant", validators=[Length(max=10000)],
                         description="The complainant receives this text.")

    def effect_data(self) -> dict:
        return super().effect_data() | {"reason": self.reason.data}


class ExtensionRequestForm(ActionForm):
    text = TextAreaField("Why you need more time", validators=[Optional(), Length(max=20000)])
    until = DateField("The date you ask for (optional)", validators=[Optional()])

    def effect_data(self) -> dict:
        return super().effect_data() | {"until": self.until.data}


class GrantForm(ActionForm):
    decision = RadioField("Decision", choices=GRANT_OR_REFUSE,
                          validators=[DataRequired("Choose grant or refuse.")])
    text = TextAreaField("Reasons", validators=[Length(max=5000)])

    def effect_data(self) -> dict:
        return super().effect_data() | {"grant": self.decision.data == "grant"}


class ExtensionDecisionForm(GrantForm):
    new_due_on = DateField("New deadline (if granted)", validators=[Optional()])
    text = TextAreaField("Note to the respondent", validators=[Length(max=5000)])

    def effect_data(self) -> dict:
        return super().effect_data() | {"new_due_on": self.new_due_on.data}


# --- after the answer ------------------------------------------------------------------

class MembersForm(ActionForm):
    # any id reaches the guard, which says who may not serve and why (a member recused
    # since the page was loaded is not a choice any more, but must be named)
    member_ids = MultiCheckboxField("Members", coerce=int, validate_choice=False)

    def effect_data(self) -> dict:
        return {"member_ids": list(self.member_ids.data or [])}


class RequestDocumentsForm(ActionForm):
    addressee_role = RadioField("Ask", choices=[SelectChoice("respondent", "The respondent"),
                                                SelectChoice("witness", "A witness")],
                                default="respondent")
    addressee_name = StringField("Witness's name", validators=[Length(max=200)])
    addressee_email = EmailField("Witness's email",
                                 validators=[Optional(), Email(), Length(max=254)])
    text = TextAreaField("Documents asked for", validators=[Length(max=10000)])
    days = IntegerField("Days to answer", default=14,
                        validators=[Optional(), NumberRange(1, 90, "Between 1 and 90 days.")])

    def effect_data(self) -> dict:
        return super().effect_data() | {
            "addressee_role": self.addressee_role.data,
            "addressee_name": self.addressee_name.data or "",
            "addressee_email": self.addressee_email.data or "", "days": self.days.data or 0}


def parse_conditions(text: str) -> list[dict]:
    """`YYYY-MM-DD what` per line → [{"due_on": ..., "text": ...}]; a bad line is refused."""
    out = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        day, _, what = line.partition(" ")
        try:
            due = date.fromisoformat(day)
        except ValueError:
            raise ValidationError(f"Line {n} does not start with a date (YYYY-MM-DD).") from None
        if not what.strip():
            raise ValidationError(f"Line {n} gives a date but no condition.")
        out.append({"due_on": due.isoformat(), "text": what.strip()})
    return out


class SanctionFields:
    """The terms of one sanction (its kind comes from the form or the panel's vote)."""

    terms = TextAreaField("Terms of the sanction", validators=[Length(max=10000)])
    starts_on = DateField("Starts on (suspension, probation)", validators=[Optional()])
    ends_on = DateField("Ends on (suspension, probation)", validators=[Optional()])
    bar_years = IntegerField("Years before reapplying (revocation)",
                             validators=[Optional(), NumberRange(1, 50)])
    conditions = TextAreaField("Conditions (corrective action, probation)",
                               description=CONDITIONS_HINT, validators=[Length(max=10000)])

    def validate_conditions(self, field) -> None:
        parse_conditions(field.data or "")

    def sanction(self, kind: str | None = None) -> dict:
        kind = kind if kind is not None else (self.kind.data or "")
        return {"kind": kind, "terms": (self.terms.data or "").strip(),
                "starts_on": self.starts_on.data, "ends_on": self.ends_on.data,
                "bar_years": self.bar_years.data,
                "conditions": parse_conditions(self.conditions.data)}


class ConsentForm(SanctionFields, ActionForm):
    violated_ids = MultiCheckboxField("Allegations the respondent agrees were violated",
                                      coerce=int)
    text = TextAreaField("Agreed findings", validators=[Length(max=20000)])
    kind = SelectField("Sanction", choices=SANCTION_CHOICES)

    def effect_data(self) -> dict:
        return super().effect_data() | {"violated_ids": list(self.violated_ids.data or []),
                                        "sanction": self.sanction()}


class SignConsentForm(ActionForm):
    agree = BooleanField("I have read the consent agreement above and I sign it: I agree to "
                         "the findings and the sanction, and give up a hearing.")

    def effect_data(self) -> dict:
        return {"agree": bool(self.agree.data)}


class HearingForm(ActionForm):
    member_ids = MultiCheckboxField("Panel", coerce=int, validate_choice=False)
    starts_at = DateTimeLocalField("Date and time", format="%Y-%m-%dT%H:%M",
                                   validators=[Optional()])
    place = StringField("Place", validators=[Length(max=300)])
    video_link = StringField("Video link", validators=[Length(max=500)])
    allegation_ids = MultiCheckboxField("Allegations to be heard", coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.starts_at.label.text = zone_label("Date and time")

    def effect_data(self) -> dict:
        return {"member_ids": list(self.member_ids.data or []),
                "starts_at": aware(self.starts_at.data), "place": self.place.data or "",
                "video_link": self.video_link.data or "",
                "allegation_ids": list(self.allegation_ids.data or [])}


class PostponementDecisionForm(GrantForm):
    starts_at = DateTimeLocalField("New date and time, if granted",
                                   format="%Y-%m-%dT%H:%M", validators=[Optional()])
    text = TextAreaField("Note to the parties", validators=[Length(max=5000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.starts_at.label.text = zone_label("New date and time, if granted")

    def effect_data(self) -> dict:
        return super().effect_data() | {"starts_at": aware(self.starts_at.data)}


def _attendance(text: str) -> list[dict]:
    people = []
    for line in text.splitlines():
        name, _, role = line.partition("—")
        if not role:
            name, _, role = line.partition(" - ")
        if name.strip():
            people.append({"name": name.strip(), "role": role.strip() or "attendee"})
    return people


class HoldForm(ActionForm):
    attendance = TextAreaField("Who attended", description="One per line: name — role "
                               "(respondent, counsel, complainant, witness).",
                               validators=[Length(max=5000)])
    minutes = TextAreaField("Minutes of the hearing", validators=[Length(max=50000)])
    recording_ref = StringField("Recording reference", validators=[Length(max=300)])
    evidence = MultipleFileField("Exhibits", description=EVIDENCE_HINT)

    def effect_data(self) -> dict:
        return {"attendance": _attendance(self.attendance.data or ""),
                "minutes": self.minutes.data or "", "recording_ref": self.recording_ref.data or ""}


class DecideForm(SanctionFields, ActionForm):
    text = TextAreaField("Reasons of the decision", validators=[Length(max=50000)])

    def effect_data(self) -> dict:
        # the sanction's kind is the panel's vote, not the form's
        return super().effect_data() | {"sanction": self.sanction(kind="")}


class ModifyForm(SanctionFields, ActionForm):
    kind = SelectField("Sanction as modified", choices=SANCTION_CHOICES)
    text = TextAreaField("The appeal panel's reasons", validators=[Length(max=20000)])

    def effect_data(self) -> dict:
        return super().effect_data() | {"sanction": self.sanction()}


class ComplianceForm(ActionForm):
    condition = SelectField("Condition met", choices=[])

    def effect_data(self) -> dict:
        sanction_id, _, index = (self.condition.data or "").partition(":")
        return {"sanction_id": int(sanction_id) if sanction_id.isdigit() else None,
                "condition": int(index) if index.isdigit() else None}


class MeasureForm(ActionForm):
    text = TextAreaField("The committee's reasons", validators=[Optional(), Length(max=20000)],
                         description="The respondent is told these reasons.")
    review_on = DateField("Review on", validators=[Optional()])

    def effect_data(self) -> dict:
        return super().effect_data() | {"review_on": self.review_on.data}


# --- other forms of the case page ---------------------------------------------------------

class NoteForm(FlaskForm):
    text = TextAreaField("Internal note (staff only)",
                         validators=[DataRequired("Write the note."), Length(max=20000)])
    submit = SubmitField("Add note")


class VoteForm(FlaskForm):
    choice = RadioField("Your vote", validators=[DataRequired("Choose your vote.")])
    reasons = TextAreaField("Reasons (never shown to the parties)",
                            validators=[Length(max=10000)])
    submit = SubmitField("Cast my vote")

    def offer(self, choices: dict[str, str]) -> None:
        """The question's choices ({value: label}) as the vote's options."""
        self.choice.choices = [SelectChoice(value, label) for value, label in choices.items()]


class ItemForm(FlaskForm):
    kind = RadioField("What", choices=[SelectChoice("task", "A task"),
                                       SelectChoice("interview", "An interview record"),
                                       SelectChoice("note", "A note")], default="task")
    title = StringField("Title", validators=[DataRequired("Give a title."), Length(max=300)])
    text = TextAreaField("Text", validators=[Length(max=50000)])
    due_on = DateField("Due on (tasks)", validators=[Optional()])
    held_at = DateTimeLocalField("Held at (interviews)", format="%Y-%m-%dT%H:%M",
                                 validators=[Optional()])
    shareable = BooleanField("Shareable with the respondent")
    evidence = MultipleFileField("Attachments (interviews)", description=EVIDENCE_HINT)
    submit = SubmitField("Add")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.held_at.label.text = zone_label("Held at (interviews)")


class InvestigationEvidenceForm(FlaskForm):
    evidence = MultipleFileField("Files", description=EVIDENCE_HINT)
    source = StringField("Where they come from",
                         description="Who gave them to you, or where you found them, and when.",
                         validators=[DataRequired("Say where the files come from."),
                                     Length(max=300)])
    submit = SubmitField("Add to the evidence")


# --- procedural fairness (issue 14) ---------------------------------------------------------

class WithdrawalDecisionForm(ActionForm):
    decision = RadioField("The committee's decision", choices=[
        SelectChoice("continue", "The case goes on (the public interest)"),
        SelectChoice("close", "Close the case: the withdrawal is accepted")],
        validators=[DataRequired("Choose whether the case goes on or closes.")])
    text = TextAreaField("Reasons given to both parties", validators=[Length(max=5000)])

    def effect_data(self) -> dict:
        return super().effect_data() | {
            "close": None if self.decision.data is None else self.decision.data == "close"}


class LateEvidenceForm(ActionForm):
    decision = RadioField("The chair's decision", choices=[
        SelectChoice("move", "Move the hearing: the respondent gets the evidence in time"),
        SelectChoice("exclude", "Exclude the late evidence: the panel will not see it")],
        validators=[DataRequired("Choose whether the hearing moves or the late evidence is "
                                 "excluded.")])
    starts_at = DateTimeLocalField("New date and time, if the hearing moves",
                                   format="%Y-%m-%dT%H:%M", validators=[Optional()])
    text = TextAreaField("Reasons given to both parties", validators=[Length(max=5000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.starts_at.label.text = zone_label("New date and time, if the hearing moves")

    def effect_data(self) -> dict:
        return super().effect_data() | {
            "move": None if self.decision.data is None else self.decision.data == "move",
            "starts_at": aware(self.starts_at.data)}
