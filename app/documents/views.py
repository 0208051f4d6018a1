"""Document pages: downloads and public verification. (Previews and issuing are the case's:
app/proceedings/views.py.)"""
from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from app import public_cache
from app.audit.services import record
from app.documents import services
from app.documents.forms import VerifyCopyForm, VerifyLookupForm
from app.documents.models import Document
from app.extensions import db
from app.policy import authorize

bp = Blueprint("documents", __name__)


def _pdf_response(data: bytes, filename: str, *, download: bool):
    response = send_file(io.BytesIO(data), mimetype="application/pdf",
                         as_attachment=download, download_name=filename)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/documents/<doc_number>.pdf")
def download(doc_number: str):
    number = doc_number
    document = services.by_number(number)
    if document is None:
        abort(404)
    authorize("document.download", document)
    if document.disposed_at is not None:
        abort(410)  # destroyed with its case's file (S20); /verify still answers
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
    if request.method == "GET":  # what verification shows is public: cached (app/public_cache.py)
        facts = public_cache.cached("verify", (number,), lambda: services.public_facts(number))
        if facts is None:
            return render_template("documents/verify_unknown.html", number=number), 404
        # the page is shared by every anonymous reader, its form's token put in per reader
        return make_response(public_cache.shared_form_page("verify", (number,), lambda slot:
                             render_template("documents/verify.html", document=facts,
                                             form=VerifyCopyForm(meta={"csrf": False}),
                                             result=None, csrf_slot=slot)))
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
