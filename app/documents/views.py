"""Document pages: draft previews, issuing and corrections, downloads, public verification."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from app.audit.services import record
from app.cases.views import load_case
from app.documents import services
from app.documents.forms import IssueForm, VerifyCopyForm, VerifyLookupForm
from app.documents.models import Document
from app.extensions import db
from app.policy import authorize

bp = Blueprint("documents", __name__)


def _pdf_response(data: bytes, filename: str, *, download: bool):
    import io

    response = send_file(io.BytesIO(data), mimetype="application/pdf",
                         as_attachment=download, download_name=filename)
    response.headers["Cache-Control"] = "no-store"
    return response


def _type_or_404(kind: str):
    try:
        return services.document_type(kind)
    except services.DocumentError:
        abort(404)


@bp.route("/cases/<number>/documents/<kind>/preview")
def preview(number: str, kind: str):
    case = load_case(number)
    authorize("document.preview", case)
    _type_or_404(kind)
    try:
        rendered = services.preview(case, kind)
    except services.DocumentError as error:
        flash(str(error), "error")
        return redirect(url_for("cases.detail", number=number, _anchor="documents"))
    record("document.previewed", actor=current_user, target=case, number=number, kind=kind)
    db.session.commit()
    return _pdf_response(rendered.pdf, f"{number}-{kind}-DRAFT.pdf", download=False)


@bp.route("/cases/<number>/documents/<kind>/issue", methods=["GET", "POST"])
def issue(number: str, kind: str):
    case = load_case(number)
    authorize("document.issue", case)
    doc_type = _type_or_404(kind)
    if not doc_type.applies(case):
        flash(f"A {doc_type.title.lower()} does not apply to this case yet.", "error")
        return redirect(url_for("cases.detail", number=number, _anchor="documents"))
    current = next((d for d in reversed(services.documents_of(case))
                    if d.kind == kind and not d.superseded), None)
    form = IssueForm()
    if form.validate_on_submit():
        if current is not None and not (form.reason.data or "").strip():
            form.reason.errors.append(
                f"{current.number} is already issued: say what this correction changes.")
        else:
            try:
                document = services.issue(case, kind, current_user, supersedes=current,
                                          reason=form.reason.data or "")
            except services.AlreadyIssued as error:
                db.session.rollback()  # someone else was first: show theirs
                flash(str(error), "info")
                return redirect(url_for("cases.detail", number=number, _anchor="documents"))
            except services.DocumentError as error:
                db.session.rollback()
                form.reason.errors.append(str(error))
            else:
                db.session.commit()
                flash(f"{document.title} {document.number} issued and sent to "
                      f"{len(document.recipients)} recipient(s).", "success")
                return redirect(url_for("cases.detail", number=number, _anchor="documents"))
    return render_template("documents/issue.html", case=case, doc_type=doc_type, form=form,
                           current=current, recipients=doc_type.recipients(case)), \
        (422 if form.errors else 200)


@bp.route("/documents/<doc_number>.pdf")
def download(doc_number: str):
    number = doc_number
    document = services.by_number(number)
    if document is None:
        abort(404)
    authorize("document.download", document)
    data = services.stored_bytes(document)
    record("document.downloaded", actor=current_user, target=document, number=number)
    db.session.commit()
    return _pdf_response(data, f"{number}.pdf", download=True)


@bp.route("/verify", methods=["GET", "POST"])
def verify_start():
    form = VerifyLookupForm()
    if form.validate_on_submit():
        return redirect(url_for("documents.verify", doc_number=form.number.data.strip()))
    return render_template("documents/verify_start.html", form=form), \
        (422 if form.errors else 200)


@bp.route("/verify/<doc_number>", methods=["GET", "POST"])
def verify(doc_number: str):
    number = doc_number
    document: Document | None = services.by_number(number)
    if document is None:
        return render_template("documents/verify_unknown.html", number=number), 404
    form = VerifyCopyForm()
    result = None
    if form.validate_on_submit():
        data = form.file.data.read(current_app.config["VERIFY_MAX_BYTES"] + 1)
        if len(data) > current_app.config["VERIFY_MAX_BYTES"]:
            form.file.errors.append("This file is larger than any document we issue.")
        else:
            result = services.verify_copy(data, number)
            record("document.verified", actor=current_user if current_user.is_authenticated
                   else None, target=document, number=number, matches=result.matches,
                   sha256=result.sha256, address=request.remote_addr)
            db.session.commit()
    return render_template("documents/verify.html", document=document, form=form,
                           result=result), (422 if form.errors else 200)
