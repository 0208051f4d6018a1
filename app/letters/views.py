"""The letters editor: administrators word notices and documents; a second one approves."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from app.cases.models import Case
from app.extensions import db
from app.forms import ConfirmForm
from app.letters import services
from app.letters.catalogue import EMAIL_LETTERS, SAMPLES
from app.letters.forms import WordingForm
from app.letters.models import LetterVersion
from app.letters.services import Letter, LetterError
from app.policy import authorize, get_or_404
from app.proceedings.documents import DOCUMENT_TYPES

bp = Blueprint("letters", __name__)

DEMO_SCAN = 50  # how many recent cases are tried for one a document type applies to

DOCUMENT_STARTER = ("<p>Dear {{ addressee.name if addressee else 'Sir or Madam' }},</p>\n"
                    "<p>This concerns case {{ case_number }}.</p>\n")


def catalogue() -> dict[str, Letter]:
    """Every letter the office may word: the messages' emails and each document type."""
    letters = {letter.key: letter for letter in EMAIL_LETTERS}
    for t in DOCUMENT_TYPES.values():
        letters[f"document:{t.kind}"] = Letter(
            key=f"document:{t.kind}", title=t.title, kind="document",
            audiences=t.audience or ("public",), fields={}, builtin=DOCUMENT_STARTER)
    return letters


def _letter(key: str) -> Letter:
    letter = catalogue().get(key)
    if letter is None:
        abort(404)
    return letter


def demo_fields(letter: Letter) -> tuple[dict | None, str | None]:
    """The merge fields of a demo case for a letter, and which case they came from."""
    if letter.kind == "email":
        return SAMPLES[letter.key], None
    doc_type = DOCUMENT_TYPES[letter.key.split(":", 1)[1]]
    cases = db.session.execute(select(Case).where(Case.number.is_not(None))
                               .order_by(Case.id.desc()).limit(DEMO_SCAN)).scalars()
    for case in cases:
        if doc_type.applies(case):
            return services.plain(doc_type.build(case)), case.number
    return None, None


@bp.route("/admin/letters")
def index():
    authorize("letters.edit")
    letters = catalogue()
    rows = []
    for letter in letters.values():
        versions = services.versions(letter.key)
        current = next((v for v in versions if v.status == "approved"), None)
        pending = [v for v in versions if v.status == "proposed"]
        rows.append((letter, current, pending))
    return render_template("letters/index.html", rows=rows)


@bp.route("/admin/letters/<letter_key>", methods=["GET", "POST"])
def edit(letter_key: str):
    key = letter_key
    authorize("letters.edit")
    letter = _letter(key)
    current = services.in_force(key)
    form = WordingForm()
    if request.method == "GET":
        form.body.data = current.body if current else letter.builtin
    sample, demo_case = demo_fields(letter)
    previews, error, status = [], None, 200
    if request.method == "POST":
        if not form.validate_on_submit():
            status = 400
        elif form.propose.data:
            try:
                version = services.propose(letter, form.body.data, current_user,
                                           form.note.data or "", sample=sample)
            except LetterError as problem:
                db.session.rollback()
                form.body.errors.append(str(problem))
                status = 400
            else:
                db.session.commit()
                flash(f"Version {version.version} is proposed. It takes effect when another "
                      "administrator approves it.", "success")
                return redirect(url_for("letters.edit", letter_key=key))
        if status == 200 and sample is not None:
            try:
                out = services.render_text(form.body.data, sample,
                                           html=letter.kind == "document")
            except LetterError as problem:
                error, status = str(problem), 400
            else:
                previews = [(audience, out) for audience in letter.audiences]
    return render_template(
        "letters/edit.html", letter=letter, form=form, versions=services.versions(key),
        current=current, previews=previews, error=error, demo_case=demo_case,
        fields=letter.fields or {name: "" for name in sorted(sample or {})},
        confirm=ConfirmForm()), status


def _version(version_id: int, action: str) -> LetterVersion:
    version = db.session.get(LetterVersion, version_id)
    if version is None:
        abort(404)
    authorize(action, version)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return version


@bp.route("/admin/letters/versions/<int:letter_version_id>/approve", methods=["POST"])
def approve(letter_version_id: int):
    version = get_or_404(LetterVersion, letter_version_id, "letters.edit")
    version = _version(version.id, "letters.approve")
    try:
        services.approve(version, current_user)
    except LetterError as problem:
        db.session.rollback()
        flash(str(problem), "error")
    else:
        db.session.commit()
        flash(f"Version {version.version} is now in force.", "success")
    return redirect(url_for("letters.edit", letter_key=version.key))


@bp.route("/admin/letters/versions/<int:letter_version_id>/reject", methods=["POST"])
def reject(letter_version_id: int):
    version = _version(letter_version_id, "letters.edit")
    try:
        services.reject(version, current_user)
    except LetterError as problem:
        db.session.rollback()
        flash(str(problem), "error")
    else:
        db.session.commit()
        flash(f"Version {version.version} is rejected.", "success")
    return redirect(url_for("letters.edit", letter_key=version.key))


@bp.route("/admin/letters/versions/<int:letter_version_id>/revert", methods=["POST"])
def revert(letter_version_id: int):
    version = _version(letter_version_id, "letters.edit")
    letter = _letter(version.key)
    try:
        again = services.revert(letter, version, current_user)
    except LetterError as problem:
        db.session.rollback()
        flash(str(problem), "error")
    else:
        db.session.commit()
        flash(f"Version {version.version} is proposed again as version {again.version}; "
              "another administrator approves it.", "success")
    return redirect(url_for("letters.edit", letter_key=version.key))
