"""The office's forms (shape only)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


class ConsideredForm(FlaskForm):
    reason = TextAreaField("Why the flags do or do not change the intake decision",
                           validators=[DataRequired("Say what you made of the flags."),
                                       Length(max=2000)])
