"""Registry forms."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class ImportForm(FlaskForm):
    file = FileField("CSV file", validators=[
        FileRequired("Choose a CSV file."),
        FileAllowed(["csv"], "The file must be a .csv file."),
    ], description="Columns: certification_number, name, email, status, expiry_date (YYYY-MM-DD).")
    submit = SubmitField("Import")


class LinkRequestForm(FlaskForm):
    cert_number = StringField("Certification number", validators=[DataRequired(), Length(max=40)])
    note = TextAreaField("Note for the administrator (optional)", validators=[Length(max=500)])
    submit = SubmitField("Link my record")
