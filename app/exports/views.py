"""Ask for an export, watch it being built, download it; the administrators' list of
own-data requests."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user

from app.exports import services
from app.exports.models import Export, ExportStatus
from app.exports.tasks import build_export
from app.extensions import db
from app.forms import ConfirmForm
from app.jobs.engine import enqueue
from app.paging import paginate
from app.policy import authorize, get_or_404, load_case

bp = Blueprint("exports", __name__)


def _started(export: Export | None, created: bool):
    """Commit the request, queue its build, and show its page (or the one in progress)."""
    db.session.commit()
    if created:
        enqueue(build_export, export.id)
    else:
        flash("An export of the same is already being built: here it is. Ask again once "
              "it is ready if you need a newer one.", "info")
    if export is None:  # the other request's export finished in between
        return redirect(url_for("exports.my_data"))
    return redirect(url_for("exports.status", export_id=export.id))


@bp.route("/cases/<number>/record", methods=["POST"])
def request_record(number: str):
    case = load_case(number, "export.record")
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    export, created = services.request_record(case, current_user)
    return _started(export, created)


@bp.route("/account/data", methods=["GET", "POST"])
def my_data():
    authorize("export.own_data")
    form = ConfirmForm()
    if form.validate_on_submit():
        export, created = services.request_own_data(current_user)
        return _started(export, created)
    exports = paginate(services.own_requests(current_user))
    return render_template("exports/my_data.html", form=form, exports=exports)


@bp.route("/exports/<int:export_id>")
def status(export_id: int):
    export = get_or_404(Export, export_id, "export.view")
    if export.status == ExportStatus.DONE and services.expired(export):
        services.expire(export)
        db.session.commit()
    return render_template("exports/status.html", export=export)


@bp.route("/exports/<int:export_id>/download")
def download(export_id: int):
    export = get_or_404(Export, export_id, "export.view")
    if export.status == ExportStatus.EXPIRED or services.expired(export):
        services.expire(export)
        db.session.commit()
        return render_template("exports/status.html", export=export), 410
    if export.status != ExportStatus.DONE:
        abort(404)
    stream = services.download(export, current_user)
    db.session.commit()
    return send_file(stream, mimetype="application/zip", as_attachment=True,
                     download_name=services.download_name(export))


@bp.route("/admin/data-requests")
def data_requests():
    authorize("exports.data_requests")
    rows = paginate(services.data_requests(), scalars=False)
    return render_template("exports/data_requests.html", rows=rows)
