"""Disposal batches (S20): administrators read the warned list and confirm it."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user

from app.audit.services import record
from app.documents.services import DocumentError
from app.extensions import db
from app.forms import ConfirmForm
from app.paging import paginate
from app.policy import authorize, get_or_404
from app.proceedings import disposal
from app.records import certificate as certificates
from app.records import services as records
from app.records.models import DisposalBatch
from app.storage import store

bp = Blueprint("disposal", __name__)


@bp.route("/admin/records/disposals")
def index():
    authorize("records.dispose")
    return render_template("records/batches.html",
                           batches=paginate(records.batches_listed(), scalars=False))


@bp.route("/admin/records/disposals/<int:batch_id>")
def batch(batch_id: int):
    found = get_or_404(DisposalBatch, batch_id, "records.dispose")
    items = records.batch_items(found)
    return render_template("records/batch.html", batch=found, form=ConfirmForm(), items=items,
                           held=records.held_among([i.case_id for i in items]),
                           certificate=certificates.certificate_of(found))


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
    document, problem = certificates.issue_when_done(found, current_user)
    db.session.commit()
    flash(f"Batch confirmed. {len([x for x in lines if 'disposed' in x])} case(s) disposed of; "
          "cases not yet due are disposed of by the sweep on their date.", "success")
    if document is not None:
        flash(f"{document.title} {document.number} issued.", "success")
    elif problem:
        flash(f"The certificate was not issued: {problem}", "error")
    return redirect(url_for("disposal.batch", batch_id=found.id))


@bp.route("/admin/records/disposals/<int:batch_id>/certificate", methods=["POST"])
def certificate(batch_id: int):
    """Issue the batch's destruction certificate (once; the sweep finishes batches alone)."""
    found = get_or_404(DisposalBatch, batch_id, "records.dispose")
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("disposal.batch", batch_id=found.id))
    try:
        document = certificates.issue_certificate(found, current_user)
    except (DocumentError, records.RecordsError) as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"{document.title} {document.number} issued.", "success")
    return redirect(url_for("disposal.batch", batch_id=batch_id))


@bp.route("/admin/records/disposals/<int:batch_id>/certificate.pdf")
def certificate_pdf(batch_id: int):
    """Download the batch's certificate (audited like any document download)."""
    found = get_or_404(DisposalBatch, batch_id, "records.dispose")
    document = certificates.certificate_of(found)
    if document is None:
        abort(404)
    stored_name, number = document.stored_name, document.number  # read before the commit
    record("document.downloaded", actor=current_user, target=document, number=number)
    db.session.commit()
    return send_file(store("documents").open(stored_name), mimetype="application/pdf",
                     as_attachment=True, download_name=f"{number}.pdf")
