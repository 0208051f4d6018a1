"""Forms of case messages. They check shape only; the services hold the rules."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import EmailField, IntegerField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange

from app.cases.forms import EVIDENCE_HINT
from app.messages.services import MAX_LINK_DAYS, MAX_TEXT


class MessageForm(FlaskForm):
    text = TextAreaField("Your message", validators=[
        DataRequired("Write your message."), Length(max=MAX_TEXT)])
    files = MultipleFileField("Attach files (optional)", description=EVIDENCE_HINT)
    submit = SubmitField("Send the message")


class WitnessLinkForm(FlaskForm):
    name = StringField("The witness's name", validators=[
        DataRequired("Give the witness's name."), Length(max=200)])
    email = EmailField("Their email address", validators=[
        DataRequired("Give the witness's email address."),
        Email("Give a valid email address."), Length(max=254)])
    request = TextAreaField("What you ask of them", validators=[
        DataRequired("Say what you ask the witness for."), Length(max=MAX_TEXT)])
    days = IntegerField("The link works for (days)", default=30, validators=[
        NumberRange(1, MAX_LINK_DAYS, f"Between 1 and {MAX_LINK_DAYS} days.")])
    submit = SubmitField("Send the witness a personal link")


class AlertSettingForm(FlaskForm):
    mode = RadioField("Email me", choices=[
        SelectChoice("each", "at each new message (the email never contains the message)"),
        SelectChoice("daily", "once a day at most, listing where new messages are")],
        validators=[DataRequired("Choose one.")])
    submit = SubmitField("Save")


class StockReplyForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Give it a title."), Length(max=120)])
    body = TextAreaField("Text", validators=[DataRequired("Write the text."),
                                             Length(max=MAX_TEXT)])
    submit = SubmitField("Add the stock reply")
