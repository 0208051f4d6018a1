"""Disposal batches (S20): administrators read the warned list and confirm it."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from app.extensions import db
from app.forms import ConfirmForm
from app.policy import authorize, get_or_404
from app.proceedings import disposal
from app.records import services as records
from app.records.models import DisposalBatch

bp = Blueprint("disposal", __name__)


@bp.route("/admin/records/disposals")
def index():
    authorize("records.dispose")
    return render_template("records/batches.html", batches=records.batches())


@bp.route("/admin/records/disposals/<int:batch_id>")
def batch(batch_id: int):
    found = get_or_404(DisposalBatch, batch_id, "records.dispose")
    return render_template("records/batch.html", batch=found, form=ConfirmForm(),
                           holds={i.case_id: records.holds_on(i.case) for i in found.items})


@bp.route("/admin/records/disposals/<int:batch_id>/confirm", methods=["POST"])
def confirm(batch_id: int):
    found = get_or_404(DisposalBatch, batch_id, "records.dispose")
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("disposal.batch", batch_id=found.id))
    try:
        records.confirm(found, current_user)
    except records.RecordsError as error:
        flash(str(error), "error")
        return redirect(url_for("disposal.batch", batch_id=found.id))
    lines = disposal.dispose_batch(found, by=current_user)
    db.session.commit()
    flash(f"Batch confirmed. {len([x for x in lines if 'disposed' in x])} case(s) disposed of; "
          "cases not yet due are disposed of by the sweep on their date.", "success")
    return redirect(url_for("disposal.batch", batch_id=found.id))
