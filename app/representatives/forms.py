"""Forms to name and revoke a representative: shape only; the services hold the rules."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from app.representatives.models import RepresentativeKind


class NameRepresentativeForm(FlaskForm):
    name = StringField("Representative's name", validators=[
        DataRequired("Give the representative's name."), Length(max=200)])
    email = EmailField("Representative's email", validators=[
        DataRequired("Give the representative's email address."),
        Email("Give a valid email address."), Length(max=254)],
        description="They receive a copy of your notices and documents at this address, and "
                    "sign in with an account that uses it.")
    kind = RadioField("They are", validators=[InputRequired("Choose counsel or another person.")],
                      choices=[SelectChoice(k.value, k.title) for k in RepresentativeKind])
    submit = SubmitField("Name this representative")


class RevokeRepresentativeForm(FlaskForm):
    reason = TextAreaField("Why (optional)", validators=[Optional(), Length(max=2000)])
    confirm = BooleanField(
        "I understand that their authority ends now: they lose access to the case at once",
        validators=[DataRequired("Tick the box to confirm that you revoke their authority.")])
    submit = SubmitField("Revoke their authority")


class DecideRepresentativeForm(FlaskForm):
    decision = RadioField("The office's decision", validators=[
        InputRequired("Choose whether to confirm or refuse the naming.")],
        choices=[SelectChoice("confirm", "Confirm: they act for the party from now"),
                 SelectChoice("refuse", "Refuse: the party is told and may name someone else")])
    reason = TextAreaField("Reason, for the record (not sent to the party)",
                           validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Record the decision")
