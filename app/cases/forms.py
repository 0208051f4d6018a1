"""Case forms: shape only; the workflow's guards hold the rules."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.cases.models import Relation, SelfReportEvent

EVIDENCE_HINT = ("Up to 10 files, 20 MB each: PDF, images (PNG, JPEG, GIF), plain text, "
                 "Word or OpenDocument documents.")


def _choices(enum_cls, blank: str | None = None) -> list[SelectChoice]:
    out = [SelectChoice("", blank)] if blank else []
    return out + [SelectChoice(e.value, e.title) for e in enum_cls]


class AllegationEntry(Form):
    """One allegation: a standard or rule, when, and the facts."""

    code_item_id = SelectField("Standard or rule", coerce=lambda v: int(v) if v else None,
                               validators=[Optional()])
    conduct_from = DateField("Date of the conduct (or first date)", validators=[Optional()])
    conduct_to = DateField("Last date, if it went on over a period", validators=[Optional()])
    facts = TextAreaField("What happened, in your own words",
                          validators=[Optional(), Length(max=20000)])


class ComplaintForm(FlaskForm):
    # searching the registry posts the whole form: the draft is saved first, so nothing
    # typed is lost (and it works without JavaScript)
    find = StringField("Find a certified case manager by name or number",
                       validators=[Optional(), Length(max=200)])
    search = SubmitField("Search the registry")
    respondent_number = StringField(
        "Respondent's certification number", validators=[Optional(), Length(max=40)],
        description="If you know it. Otherwise find them by name below, or describe them.")
    respondent_name = StringField("Respondent's name (if not in the registry)",
                                  validators=[Optional(), Length(max=200)])
    respondent_email = EmailField("Respondent's email, if you know it",
                                  validators=[Optional(), Email(), Length(max=254)])
    respondent_details = TextAreaField(
        "Anything else that identifies them", validators=[Optional(), Length(max=2000)],
        description="For example an applicant, or a case manager whose certification lapsed.")
    relation = SelectField("How do you know the respondent?",
                           choices=_choices(Relation, "— choose —"), validators=[Optional()])
    allegations = FieldList(FormField(AllegationEntry), min_entries=1, max_entries=20)
    remedy = TextAreaField("What would you like to happen?",
                           validators=[Optional(), Length(max=5000)])
    evidence = MultipleFileField("Add evidence files", description=EVIDENCE_HINT)
    withhold_identity_requested = BooleanField(
        "I ask that my identity be withheld from the respondent",
        description="The chair decides. The committee and its staff always know who you are.")
    attest_not_confidential = BooleanField(
        "What I report is not knowledge protected as a confidence under the code")
    attest_good_faith = BooleanField(
        "I make this complaint in good faith: it is not malicious, and it has a basis in fact")
    save = SubmitField("Save draft")
    add_allegation = SubmitField("Add another allegation")
    submit = SubmitField("Submit the complaint")


class SelfReportForm(FlaskForm):
    event = SelectField("What are you reporting?", choices=_choices(SelfReportEvent),
                        validators=[DataRequired()])
    occurred_on = DateField("When did it happen?", validators=[DataRequired("Enter the date.")])
    facts = TextAreaField("Describe what happened", validators=[DataRequired(), Length(max=20000)])
    evidence = MultipleFileField("Supporting documents", description=EVIDENCE_HINT)
    submit = SubmitField("Submit the self-report")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class NoteForm(FlaskForm):
    text = TextAreaField("Internal note (staff only)", validators=[DataRequired(), Length(max=20000)])
    submit = SubmitField("Add note")


