"""Forms of the letters editor. They check shape only."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.letters.services import MAX_BODY


class WordingForm(FlaskForm):
    body = TextAreaField("The wording", validators=[
        DataRequired("Write the text of the letter."), Length(max=MAX_BODY)])
    note = StringField("What changes (for the approver)", validators=[Length(max=300)])
    preview = SubmitField("Preview")
    propose = SubmitField("Propose for approval")
