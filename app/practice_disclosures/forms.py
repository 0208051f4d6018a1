"""Disclosure forms: shape only; the services hold the rules."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from app.practice_disclosures.models import Answer, DisclosureKind, PartyRole

MAX_PARTIES = 20


class PartyEntry(Form):
    """One affected party. A row left wholly empty is ignored."""

    name = StringField("Name", validators=[Optional(), Length(max=200)])
    email = EmailField("Email address", description="Their personal link is sent here.",
                       validators=[Optional(), Email("Enter a valid email address."),
                                   Length(max=254)])
    role = SelectField("Their role", validators=[Optional()], choices=[
        SelectChoice("", "— choose —"), *(SelectChoice(r.value, r.title) for r in PartyRole)])

    def is_empty(self) -> bool:
        return not ((self.name.data or "").strip() or (self.email.data or "").strip()
                    or self.role.data)


class DisclosureForm(FlaskForm):
    kind = RadioField("What are you disclosing?", validators=[
        DataRequired("Choose what you are disclosing.")],
        choices=[SelectChoice(k.value, k.title) for k in DisclosureKind])
    description = TextAreaField(
        "What it is", validators=[DataRequired("Describe the conflict or relationship."),
                                  Length(max=10000)],
        description="Describe the conflict or the relationship and the case it affects. "
                    "Every party you name below reads this text.")
    parties = FieldList(FormField(PartyEntry), min_entries=1, max_entries=MAX_PARTIES)
    add_party = SubmitField("Add another party")
    submit = SubmitField("Send the disclosure")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        filled = [entry.form for entry in self.parties if not entry.form.is_empty()]
        seen: set[str] = set()
        for party in filled:
            if not (party.name.data or "").strip():
                party.name.errors.append("Enter the party's name.")
                ok = False
            if not (party.email.data or "").strip():
                party.email.errors.append("Enter the party's email address.")
                ok = False
            elif not party.email.errors:
                address = party.email.data.strip().lower()
                if address in seen:
                    party.email.errors.append("This address is already on the list.")
                    ok = False
                seen.add(address)
            if not party.role.data:
                party.role.errors.append("Choose the party's role.")
                ok = False
        if not filled:
            self.parties[0].form.name.errors.append(
                "Name at least one affected party.")
            ok = False
        return ok

    def party_data(self) -> list[dict]:
        return [{"name": e.form.name.data, "email": e.form.email.data, "role": e.form.role.data}
                for e in self.parties if not e.form.is_empty()]

    def field_errors(self) -> list[tuple[str, str, str]]:
        """(field id, label, message) for every error, parties' fields included."""
        out = []
        for name in ("kind", "description"):
            f = self[name]
            out += [(f.id, f.label.text, e) for e in f.errors]
        for n, entry in enumerate(self.parties, start=1):
            for f in (entry.form.name, entry.form.email, entry.form.role):
                out += [(f.id, f"Party {n}: {f.label.text}", e) for e in f.errors]
        return out


class WithdrawalForm(FlaskForm):
    withdrawn_on = DateField("The date you withdrew from the case",
                             validators=[DataRequired("Enter the date you withdrew.")])
    confirm = BooleanField(
        "I confirm that I have withdrawn from further participation in the case",
        validators=[DataRequired("Tick the box to confirm your withdrawal.")])
    submit = SubmitField("Confirm my withdrawal")


class AnswerForm(FlaskForm):
    answer = RadioField("Your answer", validators=[DataRequired(
        "Choose whether you acknowledge the disclosure or object to it.")], choices=[
        SelectChoice(Answer.ACKNOWLEDGED.value, "I acknowledge the disclosure"),
        SelectChoice(Answer.OBJECTED.value,
                     "I object: the case manager should withdraw from the case")])
    text = TextAreaField("Comment (optional)", validators=[Optional(), Length(max=5000)],
                         description="The case manager sees your answer and your comment.")
    submit = SubmitField("Send my answer")
