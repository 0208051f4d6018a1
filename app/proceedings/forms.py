"""Forms of the actions after the answer. They check shape only; rules are the guards'."""
from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
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

from app.cases.forms import EVIDENCE_HINT, ActionForm, FilesActionForm, MultiCheckboxField, TextActionForm
from app.proceedings.models import SanctionKind

GRANT_OR_REFUSE = [SelectChoice("grant", "Grant"), SelectChoice("refuse", "Refuse")]
SANCTION_CHOICES = [SelectChoice("", "— choose —")] + [
    SelectChoice(k.value, k.title) for k in SanctionKind if k != SanctionKind.CAUTION]
CONDITIONS_HINT = ("One condition per line, starting with its due date: "
                   "2027-03-31 Complete 12 hours of ethics education.")


class MembersForm(ActionForm):
    # any id reaches the guard, which says who may not serve and why (a member recused
    # since the page was loaded is not a choice any more, but must be named)
    member_ids = MultiCheckboxField("Members", coerce=int, validate_choice=False)


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


class ConsentForm(SanctionFields, ActionForm):
    violated_ids = MultiCheckboxField("Allegations the respondent agrees were violated",
                                      coerce=int)
    text = TextAreaField("Agreed findings", validators=[Length(max=20000)])
    kind = SelectField("Sanction", choices=SANCTION_CHOICES)


class SignConsentForm(ActionForm):
    agree = BooleanField("I have read the consent agreement above and I sign it: I agree to "
                         "the findings and the sanction, and give up a hearing.")


class HearingForm(ActionForm):
    member_ids = MultiCheckboxField("Panel", coerce=int, validate_choice=False)
    starts_at = DateTimeLocalField("Date and time (UTC)", format="%Y-%m-%dT%H:%M",
                                   validators=[Optional()])
    place = StringField("Place", validators=[Length(max=300)])
    video_link = StringField("Video link", validators=[Length(max=500)])
    allegation_ids = MultiCheckboxField("Allegations to be heard", coerce=int)


class PostponementDecisionForm(ActionForm):
    decision = RadioField("Decision", choices=GRANT_OR_REFUSE,
                          validators=[DataRequired("Choose grant or refuse.")])
    starts_at = DateTimeLocalField("New date and time (UTC), if granted",
                                   format="%Y-%m-%dT%H:%M", validators=[Optional()])
    text = TextAreaField("Note to the parties", validators=[Length(max=5000)])


class HoldForm(ActionForm):
    attendance = TextAreaField("Who attended", description="One per line: name — role "
                               "(respondent, counsel, complainant, witness).",
                               validators=[Length(max=5000)])
    minutes = TextAreaField("Minutes", validators=[Length(max=50000)])
    recording_ref = StringField("Recording reference", validators=[Length(max=300)])
    evidence = MultipleFileField("Exhibits", description=EVIDENCE_HINT)


class DecideForm(SanctionFields, ActionForm):
    text = TextAreaField("Reasons of the decision", validators=[Length(max=50000)])


class ModifyForm(SanctionFields, ActionForm):
    kind = SelectField("Sanction as modified", choices=SANCTION_CHOICES)
    text = TextAreaField("The appeal panel's reasons", validators=[Length(max=20000)])


class ComplianceForm(ActionForm):
    condition = SelectField("Condition met", choices=[])


class MeasureForm(TextActionForm):
    review_on = DateField("Review on", validators=[Optional()])


class GrantForm(ActionForm):
    decision = RadioField("Decision", choices=GRANT_OR_REFUSE,
                          validators=[DataRequired("Choose grant or refuse.")])
    text = TextAreaField("Reasons", validators=[Length(max=5000)])


class VoteForm(FlaskForm):
    choice = RadioField("Your vote", validators=[DataRequired("Choose your vote.")])
    reasons = TextAreaField("Reasons (never shown to the parties)",
                            validators=[Length(max=10000)])
    submit = SubmitField("Cast my vote")


class ItemForm(FlaskForm):
    kind = RadioField("What", choices=[SelectChoice("task", "A task"),
                                       SelectChoice("interview", "An interview record"),
                                       SelectChoice("note", "A note")], default="task")
    title = StringField("Title", validators=[DataRequired("Give a title."), Length(max=300)])
    text = TextAreaField("Text", validators=[Length(max=50000)])
    due_on = DateField("Due on (tasks)", validators=[Optional()])
    held_at = DateTimeLocalField("Held at (interviews, UTC)", format="%Y-%m-%dT%H:%M",
                                 validators=[Optional()])
    shareable = BooleanField("Shareable with the respondent")
    evidence = MultipleFileField("Attachments (interviews)", description=EVIDENCE_HINT)
    submit = SubmitField("Add")


# action name → form class (app/cases/views.py collects each action's data with these)
FORMS = {
    "assign_investigators": MembersForm, "request_documents": RequestDocumentsForm,
    "answer_request": FilesActionForm, "refer": TextActionForm,
    "review_dismiss": TextActionForm, "review_caution": TextActionForm,
    "propose_consent": ConsentForm, "sign_consent": SignConsentForm,
    "set_hearing": HearingForm, "request_postponement": TextActionForm,
    "decide_postponement": PostponementDecisionForm, "hold_hearing": HoldForm,
    "decide": DecideForm, "appeal": FilesActionForm, "set_appeal_panel": MembersForm,
    "appeal_affirm": TextActionForm, "appeal_modify": ModifyForm,
    "appeal_reverse": TextActionForm, "appeal_remand": TextActionForm,
    "record_compliance": ComplianceForm, "interim_suspension": MeasureForm,
    "lift_interim_suspension": TextActionForm, "stay": TextActionForm,
    "lift_stay": TextActionForm, "petition_reinstatement": TextActionForm,
    "decide_reinstatement": GrantForm,
}


class InvestigationEvidenceForm(FlaskForm):
    evidence = MultipleFileField("Files", description=EVIDENCE_HINT)
    source = StringField("Where they come from",
                         description="Who gave them to you, or where you found them, and when.",
                         validators=[DataRequired("Say where the files come from."),
                                     Length(max=300)])
    submit = SubmitField("Add to the evidence")
