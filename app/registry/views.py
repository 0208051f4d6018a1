"""Registry pages: search, record, CSV import, link requests."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.extensions import db
from app.forms import ConfirmForm
from app.paging import paginate
from app.policy import authorize, get_or_404
from app.registry import services
from app.registry.forms import ImportForm, LinkRequestForm
from app.registry.models import Certificant, LinkRequest

bp = Blueprint("registry", __name__, url_prefix="/registry")
REGISTRY_UPLOAD_MAX = 25 * 1024 * 1024


@bp.route("/")
def search():
    authorize("registry.search")
    q = request.args.get("q", "")
    return render_template("registry/search.html", q=q,
                           results=paginate(services.search_query(q)))


@bp.route("/<int:certificant_id>")
def detail(certificant_id: int):
    certificant = get_or_404(Certificant, certificant_id, "registry.view")
    return render_template("registry/detail.html", certificant=certificant,
                           linked=services._linked_user(certificant))


@bp.route("/import", methods=["GET", "POST"])
def import_csv():
    authorize("registry.import")
    request.max_content_length = REGISTRY_UPLOAD_MAX  # a CSV, not a batch of evidence
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        report = services.import_csv(form.file.data.read(), current_user,
                                     source=form.file.data.filename or "upload")
        if report.error:
            form.file.errors.append(report.error)
        else:
            db.session.commit()
    return render_template("registry/import.html", form=form, report=report)


@bp.route("/link", methods=["POST"])
def request_link():
    authorize("account.request_link", current_user)
    form = LinkRequestForm()
    if form.validate_on_submit():
        try:
            outcome = services.request_link(current_user, form.cert_number.data, form.note.data)
        except services.RegistryError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("Your account is now linked to your registry record." if outcome == "linked"
                  else "Your request was sent to an administrator.", "success")
    else:
        flash("Enter your certification number.", "error")
    return redirect(url_for("accounts.profile"))


@bp.route("/link-requests")
def link_requests():
    authorize("registry.decide_link")
    return render_template("registry/link_requests.html",
                           requests=services.pending_link_requests(), form=ConfirmForm())


@bp.route("/link-requests/<int:request_id>", methods=["POST"])
def decide_link(request_id: int):
    req = get_or_404(LinkRequest, request_id, "registry.decide_link")
    decision = request.form.get("decision")
    if decision not in ("approve", "reject"):
        abort(400)
    if ConfirmForm().validate_on_submit():
        try:
            services.decide_link(req, decision == "approve", current_user)
        except services.RegistryError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("Decision recorded.", "success")
    return redirect(url_for("registry.link_requests"))
