"""Filing: starting a complaint, its draft, a self-report, and the filer's receipt.

Submitting is the workflow's first action, so filing lives with the proceeding.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from app import clock
from app.access import party_cases
from app.audit.services import record
from app.cases import forms as f
from app.cases import services
from app.cases.models import Case, Evidence, SelfReportEvent
from app.catalogue.models import CodeItem, CodeVersion
from app.catalogue.services import governing_version
from app.extensions import db
from app.forms import ConfirmForm
from app.policy import authorize, can, get_or_404, load_case
from app.proceedings import workflow
from app.registry.models import Certificant
from app.registry.services import find_by_number
from app.registry.services import search as registry_search

bp = Blueprint("filing", __name__)


def _item_choices() -> list[SelectChoice]:
    """Every standard and rule, grouped by code version, newest version first."""
    choices = [SelectChoice("", "— choose a standard or rule —")]
    versions = db.session.execute(
        select(CodeVersion).order_by(CodeVersion.effective_date.desc())).scalars()
    for version in versions:
        for item in version.items:
            choices.append(SelectChoice(item.id, f"{item.code} {item.title}",
                                        optgroup=f"Code of {version.name} (from {version.effective_date})"))
    return choices


# --- filing a complaint -------------------------------------------------------------

@bp.route("/complaints/new", methods=["GET", "POST"])
def new_complaint():
    authorize("case.file")
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        case = services.start_draft(current_user)
        db.session.commit()
        return redirect(url_for("filing.edit_draft", case_id=case.id))
    drafts = db.session.execute(
        party_cases(current_user).where(Case.status == "draft", Case.complainant_id == current_user.id)
        .order_by(Case.created_at.desc())).scalars().all()
    return render_template("cases/new.html", form=form, drafts=drafts)


def _draft_form(case: Case) -> f.ComplaintForm:
    if request.method == "POST":
        form = f.ComplaintForm()
    else:
        form = f.ComplaintForm(data={
            "respondent_number": case.respondent_certificant.cert_number
            if case.respondent_certificant else "",
            "respondent_name": case.respondent_name, "respondent_email": case.respondent_email,
            "respondent_details": case.respondent_details, "relation": case.relation or "",
            "remedy": case.remedy_sought,
            "withhold_identity_requested": case.withhold_identity_requested,
            "attest_not_confidential": case.attest_not_confidential,
            "attest_good_faith": case.attest_good_faith,
            "allegations": [{"code_item_id": a.code_item_id, "conduct_from": a.conduct_from,
                             "conduct_to": a.conduct_to, "facts": a.facts}
                            for a in case.allegations] or [{}],
        })
    choices = _item_choices()
    for entry in form.allegations:
        entry.form.code_item_id.choices = choices
    return form


def _save_form(case: Case, form: f.ComplaintForm) -> bool:
    """Save the draft from the form; return False (errors on fields) if it cannot."""
    respondent = None
    number = (form.respondent_number.data or "").strip()
    if number:
        respondent = find_by_number(number)
        if respondent is None:
            form.respondent_number.errors.append(
                "No registry record has this number. Find the respondent by name below, "
                "or leave this empty and describe them.")
            return False
    allegations = []
    ok = True
    for entry in form.allegations:
        a = entry.form
        if a.conduct_to.data and a.conduct_from.data and a.conduct_to.data < a.conduct_from.data:
            a.conduct_to.errors.append("The last date is before the first date.")
            ok = False
        if a.code_item_id.data and not a.conduct_from.data:
            a.conduct_from.errors.append("Enter the date of the conduct.")
            ok = False
        if a.code_item_id.data and a.conduct_from.data:
            item = db.session.get(CodeItem, a.code_item_id.data)
            version = governing_version(a.conduct_from.data)
            if item is None or version is None or item.version_id != version.id:
                a.code_item_id.errors.append(
                    f"On {a.conduct_from.data} the code in force was "
                    f"{version.name if version else 'none'}; choose a standard or rule from it.")
                ok = False
        allegations.append({"code_item_id": a.code_item_id.data, "conduct_from": a.conduct_from.data,
                            "conduct_to": a.conduct_to.data, "facts": a.facts.data or ""})
    if not ok:
        return False
    services.save_draft(
        case, current_user, respondent=respondent, respondent_name=form.respondent_name.data or "",
        respondent_email=form.respondent_email.data or "",
        respondent_details=form.respondent_details.data or "", relation=form.relation.data,
        remedy=form.remedy.data or "",
        attest_not_confidential=form.attest_not_confidential.data,
        attest_good_faith=form.attest_good_faith.data,
        withhold_identity_requested=form.withhold_identity_requested.data,
        allegations=allegations)
    return True


def _render_draft(case: Case, form: f.ComplaintForm, status: int = 200, *,
                  problems=(), upload_errors=()):
    find = (form.find.data or "").strip()
    matches = registry_search(find, limit=20) if find else None
    return render_template("cases/edit_draft.html", case=case, form=form, problems=problems,
                           upload_errors=upload_errors, matches=matches, find=find,
                           remove_form=ConfirmForm()), status


def _save_posted(case: Case, form: f.ComplaintForm) -> list[str] | None:
    """Save the draft from the posted form, with its new files. None when it cannot be saved
    (the errors are on the fields); otherwise the files refused, one message each."""
    if not form.validate() or not _save_form(case, form):
        return None
    return services.store_uploads(case, form.evidence.data or [], "complaint", current_user)


def _posted_whole_form() -> bool:
    """Whether the request carries the draft's form (the page's buttons all send it)."""
    return "respondent_name" in request.form


@bp.route("/complaints/<int:case_id>/edit", methods=["GET", "POST"])
def edit_draft(case_id: int):
    case = get_or_404(Case, case_id, "case.edit_draft")
    form = _draft_form(case)
    if request.method == "GET":
        form.find.data = request.args.get("find", "")[:200]
        return _render_draft(case, form)
    refused = _save_posted(case, form)
    if refused is None:
        return _render_draft(case, form, 400)
    if form.search.data:  # the draft is saved: now show who matches
        db.session.commit()
        if refused:
            return _render_draft(case, form, 400, upload_errors=refused)
        return redirect(url_for("filing.edit_draft", case_id=case.id,
                                find=(form.find.data or "").strip(), _anchor="find-heading"))
    if form.add_allegation.data:
        db.session.commit()
        form.allegations.append_entry()
        form.allegations[-1].form.code_item_id.choices = _item_choices()
        return _render_draft(case, form, 400 if refused else 200, upload_errors=refused)
    if form.submit.data and not refused:
        try:
            workflow.apply(case, "submit", current_user)
        except workflow.WorkflowError:
            db.session.commit()  # the draft as typed is kept
            return _render_draft(case, form, 400, problems=services.draft_problems(case))
        db.session.commit()
        return redirect(url_for("filing.receipt", number=case.number))
    db.session.commit()
    if refused:
        return _render_draft(case, form, 400, upload_errors=refused)
    flash("Your draft is saved. You can come back to it at any time.", "success")
    return redirect(url_for("filing.edit_draft", case_id=case.id))


@bp.route("/complaints/<int:case_id>/respondent", methods=["POST"])
def choose_respondent(case_id: int):
    """Pick the respondent among the registry's matches, saving what was typed first."""
    case = get_or_404(Case, case_id, "case.edit_draft")
    if not ConfirmForm().validate_on_submit():  # (checks the form's CSRF token)
        abort(400)
    form = _draft_form(case)
    if _posted_whole_form():
        refused = _save_posted(case, form)
        if refused is None:
            return _render_draft(case, form, 400)
    chosen = request.form.get("certificant_id", "")
    certificant = db.session.get(Certificant, int(chosen)) if chosen.isdigit() else None
    if certificant is None:
        db.session.commit()  # what was typed is kept all the same
        flash("Choose the respondent among the registry's matches.", "error")
        return redirect(url_for("filing.edit_draft", case_id=case.id))
    services.choose_respondent(case, certificant, current_user)
    db.session.commit()
    flash(f"Respondent set: {certificant.name} ({certificant.cert_number}). Your draft is saved.",
          "success")
    return redirect(url_for("filing.edit_draft", case_id=case.id))


@bp.route("/complaints/<int:case_id>/evidence/<int:evidence_id>/remove", methods=["POST"])
def remove_evidence(case_id: int, evidence_id: int):
    case = get_or_404(Case, case_id, "case.edit_draft")
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None or evidence.case_id != case.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        services.remove_draft_evidence(case, evidence, current_user)
        db.session.commit()
        flash(f"{evidence.original_name} removed.", "success")
    return redirect(url_for("filing.edit_draft", case_id=case.id))


@bp.route("/self-reports/new", methods=["GET", "POST"])
def new_self_report():
    authorize("case.self_report", current_user)
    form = f.SelfReportForm()
    upload_errors: list[str] = []
    if form.validate_on_submit():
        event = SelfReportEvent(form.event.data)
        version = governing_version(form.occurred_on.data)
        item = next((i for i in version.items if i.code == event.rule_code), None) if version else None
        if form.occurred_on.data > clock.today():
            form.occurred_on.errors.append("The date cannot be in the future.")
        elif item is None:
            form.occurred_on.errors.append("No code of conduct governed on that date.")
        else:
            case = services.file_self_report(current_user, event.value, form.occurred_on.data,
                                             form.facts.data, item)
            upload_errors = services.store_uploads(case, form.evidence.data or [], "complaint", current_user)
            if not upload_errors:
                workflow.apply(case, "submit", current_user)
                db.session.commit()
                return redirect(url_for("filing.receipt", number=case.number))
            db.session.rollback()
    return render_template("cases/self_report.html", form=form, upload_errors=upload_errors), \
        (400 if form.errors or upload_errors else 200)


@bp.route("/cases/<number>/receipt")
def receipt(number: str):
    case = load_case(number)
    # The filer's receipt, which staff may also read: it counts every file on the case,
    # so the respondent does not see it.
    if not (can(current_user, "case.submit", case) or can(current_user, "case.view_internal", case)):
        abort(404)
    record("case.receipt_viewed", actor=current_user, target=case, number=case.number)
    db.session.commit()
    return render_template("cases/receipt.html", case=case)


