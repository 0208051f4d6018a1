"""Conflict-of-interest forms: shape only; the services hold the rules."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.coi.models import DeclarationKind, Relationship

TEXT_MAX = 5000


class DeclarationForm(FlaskForm):
    kind = RadioField(
        "Your declaration", validators=[InputRequired("Choose one of the two declarations.")],
        choices=[SelectChoice(DeclarationKind.NONE.value,
                              "I have no conflict of interest in this case"),
                 SelectChoice(DeclarationKind.DISCLOSURE.value,
                              "I have a relationship with a party to disclose")])
    relation = SelectField(
        "Relationship to a party",
        choices=[SelectChoice("", "— choose, for a disclosure —")]
        + [SelectChoice(r.value, r.title) for r in Relationship],
        validators=[Optional()])
    text = TextAreaField(
        "What the relationship is", validators=[Optional(), Length(max=TEXT_MAX)],
        description="Which party, since when, and what it involves. Both parties read this "
                    "and may object; an objection means you withdraw from the case.")
    submit = SubmitField("Declare")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.kind.data == DeclarationKind.DISCLOSURE.value:
            if not self.relation.data:
                self.relation.errors.append("Choose the relationship you disclose.")
                ok = False
            if not (self.text.data or "").strip():
                self.text.errors.append("Describe the relationship: the parties read it.")
                ok = False
        return ok


class RecuseForm(FlaskForm):
    reason = TextAreaField("Why you withdraw", validators=[
        DataRequired("Give the reason you withdraw from the case."), Length(max=TEXT_MAX)],
        description="Kept in the case's record for the chair. You will no longer see the case.")
    submit = SubmitField("Withdraw from this case")


class ObjectionForm(FlaskForm):
    text = TextAreaField("Your objection (optional)", validators=[Optional(), Length(max=TEXT_MAX)],
                         description="You need not give a reason: any objection means the "
                                     "member withdraws from the case.")
    submit = SubmitField("Object to this member")


class WithdrawObjectionForm(FlaskForm):
    reason = TextAreaField("Why you withdraw your objection (optional)",
                           validators=[Optional(), Length(max=TEXT_MAX)])
    submit = SubmitField("Withdraw my objection")


class ReinstateForm(FlaskForm):
    reason = TextAreaField("Reason for reinstating the member", validators=[
        DataRequired("Give the reason for the reinstatement; it is recorded."),
        Length(max=TEXT_MAX)])
    submit = SubmitField("Reinstate")
