"""Records pages for administrators: the retention schedule and legal holds."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.cases.models import Case
from app.extensions import db
from app.paging import paginate
from app.policy import authorize, get_or_404
from app.records import services
from app.records.forms import HoldForm, LiftForm, schedule_form
from app.records.models import LegalHold
from app.registry.models import Certificant

bp = Blueprint("records", __name__)


@bp.route("/admin/records/schedule", methods=["GET", "POST"])
def schedule():
    authorize("records.schedule")
    current = services.current_schedule()
    form = schedule_form(current.years, request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        row = services.change_schedule(form.years(), form.note.data, current_user)
        db.session.commit()
        flash(f"The retention schedule is now version {row.version}.", "success")
        return redirect(url_for("records.schedule"))
    return render_template("records/schedule.html", form=form, current=current,
                           outcomes=services.OUTCOMES, history=services.schedule_history()), \
        (422 if form.errors else 200)


@bp.route("/admin/records/holds", methods=["GET", "POST"])
def holds():
    authorize("records.holds")
    form = HoldForm()
    if form.validate_on_submit():
        case = certificant = None
        if form.case_number.data.strip():
            case = db.session.execute(select(Case).where(
                Case.number == form.case_number.data.strip())).scalar_one_or_none()
            if case is None:
                form.case_number.errors.append("No case has this number.")
        else:
            certificant = db.session.execute(select(Certificant).where(
                Certificant.cert_number == form.cert_number.data.strip())).scalar_one_or_none()
            if certificant is None:
                form.cert_number.errors.append("No certificant has this number.")
        if case is not None or certificant is not None:
            try:
                services.place_hold(current_user, form.reason.data, form.reference.data,
                                    case=case, certificant=certificant)
            except services.RecordsError as error:
                form.reason.errors.append(str(error))
            else:
                db.session.commit()
                flash("The hold is in place: nothing it covers will be disposed of.", "success")
                return redirect(url_for("records.holds"))
    return render_template("records/holds.html", form=form,
                           holds=paginate(services.holds_listed())), \
        (422 if form.errors else 200)


@bp.route("/admin/records/holds/<int:hold_id>/lift", methods=["GET", "POST"])
def lift_hold(hold_id: int):
    hold = get_or_404(LegalHold, hold_id, "records.holds")
    form = LiftForm()
    if form.validate_on_submit():
        try:
            services.lift_hold(hold, current_user, form.reason.data)
        except services.RecordsError as error:
            form.reason.errors.append(str(error))
        else:
            db.session.commit()
            flash("The hold is lifted.", "success")
            return redirect(url_for("records.holds"))
    return render_template("records/lift.html", form=form, hold=hold), \
        (422 if form.errors else 200)
