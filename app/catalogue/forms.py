"""Catalogue forms."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Regexp


class VersionForm(FlaskForm):
    name = StringField("Version name", validators=[DataRequired(), Length(max=100)])
    effective_date = DateField("Takes effect on", validators=[DataRequired(message="Enter a date.")])
    notes = TextAreaField("Notes", validators=[Length(max=2000)])
    copy_from = SelectField("Start from the items of", coerce=int,
                            description="The new version starts as a copy, which you then edit.")
    submit = SubmitField("Add version")


class ItemForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField("One-line summary", validators=[DataRequired(), Length(max=500)])
    revision = HiddenField()
    submit = SubmitField("Save")


class NewItemForm(FlaskForm):
    kind = SelectField("Kind", choices=[SelectChoice("standard", "Standard"), SelectChoice("rule", "Rule")])
    code = StringField("Code", validators=[
        DataRequired(), Length(max=10),
        Regexp(r"^[SRsr]\d{1,3}$", message="Use S or R and a number, e.g. S29."),
    ])
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField("One-line summary", validators=[DataRequired(), Length(max=500)])
    submit = SubmitField("Add item")


