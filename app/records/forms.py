"""Forms of the records pages."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.records.services import OUTCOMES


class _ScheduleBase(FlaskForm):
    note = TextAreaField("Why the schedule changes (kept with the version)",
                         validators=[DataRequired(message="Say why the schedule changes."),
                                     Length(max=2000)])
    submit = SubmitField("Save as a new version")

    def years(self) -> dict:
        return {key: self[f"years_{key}"].data for key in OUTCOMES}


def schedule_form(current: dict, formdata=None) -> FlaskForm:
    """A form with one field of years per outcome, filled with the schedule in force."""
    fields = {f"years_{key}": IntegerField(f"{title} (years)", validators=[
        InputRequired(message="Give a number of years."),
        NumberRange(min=1, max=100, message="Between 1 and 100 years.")])
        for key, title in OUTCOMES.items()}
    form_class = type("ScheduleForm", (_ScheduleBase,), fields)
    form = form_class(formdata=formdata)
    if formdata is None:
        for key in OUTCOMES:
            form[f"years_{key}"].data = current.get(key)
    return form


class HoldForm(FlaskForm):
    case_number = StringField("Case number (a hold on one case)", validators=[Optional(),
                                                                             Length(max=20)])
    cert_number = StringField("Certification number (a hold on every case concerning them)",
                              validators=[Optional(), Length(max=40)])
    reason = TextAreaField("Reason for the hold", validators=[
        DataRequired(message="Give the reason for the hold."), Length(max=2000)])
    reference = StringField("Reference (the litigation, the request, the order)",
                            validators=[Optional(), Length(max=200)])
    submit = SubmitField("Place the hold")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if bool((self.case_number.data or "").strip()) == bool(
                (self.cert_number.data or "").strip()):
            self.case_number.errors.append("Give a case number or a certification number, "
                                           "not both.")
            return False
        return ok


class LiftForm(FlaskForm):
    reason = TextAreaField("Reason for lifting the hold", validators=[
        DataRequired(message="Give the reason for lifting the hold."), Length(max=2000)])
    submit = SubmitField("Lift the hold")
