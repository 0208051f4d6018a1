"""Forms that start long jobs."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField
from wtforms.validators import DataRequired


class StartForm(FlaskForm):
    submit = SubmitField("Start")


class BulkIssueForm(FlaskForm):
    kind = SelectField("Document", validators=[DataRequired("Choose the document to issue.")])
    submit = SubmitField("Issue on every case listed")
