"""The office's forms (shape only)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange


class ConsideredForm(FlaskForm):
    reason = TextAreaField("Why the flags do or do not change the intake decision",
                           validators=[DataRequired("Say what you made of the flags."),
                                       Length(max=2000)])


class AnnualReportForm(FlaskForm):
    year = IntegerField("Year", validators=[DataRequired("Give the year of the report."),
                                            NumberRange(min=2000, max=2999)])
