"""Forms: issuing a document (or its correction) and checking a copy."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp


class IssueForm(FlaskForm):
    reason = TextAreaField(
        "What this correction changes",
        description="Shown on the corrected document and in the email to its recipients.",
        validators=[Length(max=2000)])
    submit = SubmitField("Issue the document")


class VerifyLookupForm(FlaskForm):
    number = StringField(
        "Document number", description="As printed in the footer, e.g. EC-2026-00001-D1.",
        validators=[DataRequired("Enter the document number."),
                    Regexp(r"^\s*EC-\d{4}-\d{5}-D\d+\s*$",
                           message="A document number looks like EC-2026-00001-D1.")])
    submit = SubmitField("Look it up")


class VerifyCopyForm(FlaskForm):
    file = FileField("Your copy of the PDF",
                     validators=[FileRequired("Choose the PDF file to check.")])
    submit = SubmitField("Check this copy")
