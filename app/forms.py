"""Forms shared by several features."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SubmitField


class ConfirmForm(FlaskForm):
    """A bare form for POST buttons: CSRF and nothing else."""

    submit = SubmitField("Confirm")
