"""Case pages: filing, the case page by role, actions, lists, evidence downloads."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from wtforms.fields.choices import SelectChoice

from app import clock
from app.audit.services import record
from app.cases import forms as f
from app.cases import services, workflow
from app.cases.access import awaiting_cases, awaiting_declaration, cleared_cases, party_cases
from app.cases.models import Allegation, Case, Disclosure, Evidence, EvidenceAccess, SelfReportEvent
from app.cases.uploads import check_batch, delete_stored, stored_path, within_case_limits
from app.catalogue.models import CodeItem, CodeVersion
from app.catalogue.services import governing_version
from app.coi import forms as coi_forms
from app.coi import services as coi
from app.extensions import db
from app.policy import authorize, can, get_or_404
from app.proceedings import formdata as proceedings_forms
from app.proceedings.page import page_context as proceedings_page
from app.registry.services import find_by_number
from app.registry.services import search as registry_search

bp = Blueprint("cases", __name__)

# Which form collects each action's data.
ACTION_FORMS = {
    "submit": f.ActionForm, "accept": f.AcceptForm, "dismiss": f.DismissForm,
    "request_info": f.TextActionForm, "provide_info": f.FilesActionForm,
    "respond": f.FilesActionForm, "request_extension": f.ExtensionRequestForm,
    "decide_extension": f.ExtensionDecisionForm, "withdraw": f.TextActionForm,
    "continue": f.TextActionForm,
}
EVIDENCE_CONTEXT = {"provide_info": "information", "respond": "response",
                    **proceedings_forms.EVIDENCE_CONTEXT}
ACTION_FORMS.update(proceedings_forms.FORMS)


def load_case(number: str, action: str = "case.view_details") -> Case:
    """Load a case by number and check the viewer may see what it holds (404 otherwise).

    Only the case page itself (and the declaration) passes "case.view", which also
    lets in a committee member who has still to declare on the case.
    """
    case = db.session.execute(select(Case).where(Case.number == number)).scalar_one_or_none()
    if case is None:
        abort(404)
    authorize(action, case)
    return case


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


def store_uploads(case: Case, files, context: str, source: str = "") -> list[str]:
    """Check and store uploaded files; return the refusals, one message each.

    A stored file is removed again if the request's transaction does not commit.
    """
    stored, refused = check_batch([x for x in files if x and x.filename])
    stored, over = within_case_limits(stored, len(case.evidence), sum(e.size for e in case.evidence))
    refused += over
    try:
        services.attach_evidence(case, stored, context, current_user, source=source)
    except Exception:
        for s in stored:
            delete_stored(s.stored_name)
        raise
    return [str(r) for r in refused]


# --- filing a complaint -------------------------------------------------------------

@bp.route("/complaints/new", methods=["GET", "POST"])
def new_complaint():
    authorize("case.file")
    form = f.ActionForm()
    if request.method == "POST" and form.validate_on_submit():
        case = services.start_draft(current_user)
        db.session.commit()
        return redirect(url_for("cases.edit_draft", case_id=case.id))
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


@bp.route("/complaints/<int:case_id>/edit", methods=["GET", "POST"])
def edit_draft(case_id: int):
    case = get_or_404(Case, case_id, "case.edit_draft")
    form = _draft_form(case)
    upload_errors: list[str] = []
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        if not form.validate():
            status = 400
        elif _save_form(case, form):
            upload_errors = store_uploads(case, form.evidence.data or [], "complaint")
            if form.add_allegation.data:
                form.allegations.append_entry()
                form.allegations[-1].form.code_item_id.choices = _item_choices()
            elif form.submit.data and not upload_errors:
                try:
                    workflow.apply(case, "submit", current_user)
                except workflow.WorkflowError:
                    problems = services.draft_problems(case)
                    status = 400
                else:
                    db.session.commit()
                    return redirect(url_for("cases.receipt", number=case.number))
            db.session.commit()
            if not upload_errors and not problems and not form.add_allegation.data:
                flash("Your draft is saved. You can come back to it at any time.", "success")
                return redirect(url_for("cases.edit_draft", case_id=case.id))
            if upload_errors:
                status = 400
        else:
            status = 400
    matches = registry_search(request.args["find"], limit=20) if request.args.get("find") else None
    return render_template("cases/edit_draft.html", case=case, form=form, problems=problems,
                           upload_errors=upload_errors, matches=matches,
                           choose_form=f.ChooseRespondentForm(), remove_form=f.ActionForm(),
                           find=request.args.get("find", "")), status


@bp.route("/complaints/<int:case_id>/respondent", methods=["POST"])
def choose_respondent(case_id: int):
    case = get_or_404(Case, case_id, "case.edit_draft")
    form = f.ChooseRespondentForm()
    if form.validate_on_submit() and (form.certificant_id.data or "").isdigit():
        from app.registry.models import Certificant

        certificant = db.session.get(Certificant, int(form.certificant_id.data))
        if certificant is None:
            abort(400)
        case.respondent_certificant_id = certificant.id
        case.respondent_name = ""
        db.session.commit()
        flash(f"Respondent set: {certificant.name} ({certificant.cert_number}).", "success")
    return redirect(url_for("cases.edit_draft", case_id=case.id))


@bp.route("/complaints/<int:case_id>/evidence/<int:evidence_id>/remove", methods=["POST"])
def remove_evidence(case_id: int, evidence_id: int):
    case = get_or_404(Case, case_id, "case.edit_draft")
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None or evidence.case_id != case.id:
        abort(404)
    if f.ActionForm().validate_on_submit():
        services.remove_draft_evidence(case, evidence, current_user)
        db.session.commit()
        flash(f"{evidence.original_name} removed.", "success")
    return redirect(url_for("cases.edit_draft", case_id=case.id))


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
            upload_errors = store_uploads(case, form.evidence.data or [], "complaint")
            if not upload_errors:
                workflow.apply(case, "submit", current_user)
                db.session.commit()
                return redirect(url_for("cases.receipt", number=case.number))
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
    return render_template("cases/receipt.html", case=case)


# --- the case page and its actions -------------------------------------------------------

def _role_of(case: Case) -> str:
    from app.cases.access import is_complainant, is_respondent

    if is_complainant(current_user, case):
        return "complainant"
    if is_respondent(current_user, case):
        return "respondent"
    return "staff"


def _timeline(case: Case, role: str) -> list:
    if role == "staff":
        return list(case.events)
    if role == "complainant":
        return [e for e in case.events if e.to_complainant and not e.internal]
    if case.kind == "self_report":  # the certificant filed it: what a filer is told
        return [e for e in case.events if (e.to_complainant or e.to_respondent)
                and not e.internal]
    return [e for e in case.events if e.to_respondent and not e.internal]


def _action_form(action: str, case: Case, formdata=None):
    form = ACTION_FORMS[action](formdata=formdata, prefix=action)
    if formdata is None:
        form.seen_version.data = case.row_version
    if action in proceedings_forms.FORMS:
        proceedings_forms.prepare(action, case, form, fresh=formdata is None)
    if action == "accept":
        form.disclose.choices = [SelectChoice(e.id, e.original_name)
                                 for e in case.evidence if e.context == "complaint"]
        if formdata is None:
            form.disclose.data = [e.id for e in case.evidence if e.context == "complaint"]
            form.respondent_email.data = services.service_address(case)
    return form


def _coi_forms(case: Case, role: str, forms: dict) -> dict:
    """The conflict-of-interest part of the case page, for a party or for staff."""
    if role == "staff":
        if can(current_user, "coi.recuse_self", case):
            forms.setdefault("recuse", coi_forms.RecuseForm(prefix="recuse"))
        return {"declaration": coi.declaration_of(current_user, case), "disclosures": []}
    disclosures = coi.disclosures_for_party(case, current_user)
    for d in disclosures:
        if d.standing is not None:
            key = f"withdraw-{d.standing.id}"
            forms.setdefault(key, coi_forms.WithdrawObjectionForm(prefix=key))
        elif d.window_open:
            key = f"object-{d.declaration.id}"
            forms.setdefault(key, coi_forms.ObjectionForm(prefix=key))
    return {"declaration": None, "disclosures": disclosures}


def render_declaration(case: Case, declaration_form=None, recuse_form=None, status: int = 200):
    """The case page of a member who has not declared: the number and the form, nothing else."""
    if status == 200:
        record("case.viewed", actor=current_user, target=case, number=case.number,
               awaiting_declaration=True)
        db.session.commit()
    return render_template(
        "coi/declare.html", case=case,
        form=declaration_form or coi_forms.DeclarationForm(),
        recuse_form=recuse_form or coi_forms.RecuseForm(prefix="recuse")), status


def render_case(case: Case, forms: dict | None = None, errors: dict | None = None,
                status: int = 200):
    role = _role_of(case)
    if role == "staff":
        record("case.viewed", actor=current_user, target=case, number=case.number)
        db.session.commit()
    actions = workflow.available(current_user, case)
    forms = forms or {}
    conflicts = _coi_forms(case, role, forms)
    for action in actions:
        forms.setdefault(action.name, _action_form(action.name, case))
    evidence = case.evidence if role != "respondent" else [
        e for e in case.evidence if e.disclosed_to_respondent or e.uploaded_by_id == current_user.id]
    if role == "complainant":
        evidence = [e for e in case.evidence if e.uploaded_by_id == current_user.id]
    from app.documents.services import documents_of
    from app.documents.types import applicable

    documents = [d for d in documents_of(case) if can(current_user, "document.download", d)]
    disclosures = db.session.execute(
        select(Disclosure).where(Disclosure.case_id == case.id).order_by(Disclosure.id)
    ).scalars().all() if role == "staff" else []
    return render_template(
        "cases/detail.html", case=case, role=role, actions=actions, forms=forms,
        errors=errors or {}, timeline=_timeline(case, role), evidence=evidence,
        state=workflow.State(case.status), response=services.response_of(case),
        extensions=services.extension_requests(case), pending_extension=services.pending_extension(case),
        disclosures=disclosures, note_form=f.NoteForm(), today=clock.today(),
        documents=documents, document_types=applicable(case) if role == "staff" else [],
        conflicts=conflicts, pc=proceedings_page(case, role),
        complainant_visible=(role != "respondent" or not case.withhold_identity)), status


@bp.route("/cases/<number>")
def detail(number: str):
    case = load_case(number, "case.view")
    if awaiting_declaration(current_user, case):
        return render_declaration(case)
    return render_case(case)


def _action_data(action: str, form) -> dict:
    if action in proceedings_forms.FORMS:
        return proceedings_forms.collect(action, form)
    data: dict = {}
    if hasattr(form, "text"):
        data["text"] = form.text.data or ""
    if action == "accept":
        data.update(jurisdiction_confirmed=form.jurisdiction_confirmed.data,
                    waiver=form.waiver.data or "", respondent_email=form.respondent_email.data or "",
                    withhold_identity=form.withhold_identity.data, disclose=set(form.disclose.data or []))
    elif action == "dismiss":
        data["reason"] = form.reason.data
    elif action == "request_extension":
        data["until"] = form.until.data
    elif action == "decide_extension":
        data.update(grant=form.decision.data == "grant", new_due_on=form.new_due_on.data)
    if action in ("request_info", "provide_info", "respond", "withdraw", "continue",
                  "dismiss", "request_extension", "decide_extension"):
        data["event_body"] = data.get("text", "")
    return data


@bp.route("/cases/<number>/act/<action>", methods=["POST"])
def act(number: str, action: str):
    case = load_case(number)
    if action not in ACTION_FORMS or action == "submit":
        abort(404)
    form = _action_form(action, case, formdata=request.form)
    form_files = request.files.getlist(f"{action}-evidence")
    if not form.validate():
        return render_case(case, {action: form}, {action: "Check the fields marked below."}, 400)
    try:
        seen = int(form.seen_version.data or 0)
    except ValueError:
        abort(400)
    try:
        refused = store_uploads(case, form_files, EVIDENCE_CONTEXT[action]) \
            if action in EVIDENCE_CONTEXT else []
        if refused:
            db.session.rollback()
            return render_case(case, {action: form}, {action: " ".join(refused)}, 400)
        workflow.apply(case, action, current_user, seen_version=seen, **_action_data(action, form))
        db.session.commit()
    except workflow.StaleCase as error:
        db.session.rollback()
        return render_case(db.session.get(Case, case.id), {action: form}, {action: str(error)}, 409)
    except StaleDataError:
        db.session.rollback()
        return render_case(db.session.get(Case, case.id), {action: form},
                            {action: "Someone else acted on this case at the same moment. Nothing "
                                     "was done; check its current state and try again."}, 409)
    except workflow.NotAllowed:
        db.session.rollback()
        abort(403)
    except workflow.WorkflowError as error:
        db.session.rollback()
        return render_case(db.session.get(Case, case.id), {action: form}, {action: str(error)}, 400)
    flash(f"Done: {workflow.ACTIONS[action].summary}.", "success")
    return redirect(url_for("cases.detail", number=case.number))


@bp.route("/cases/<number>/notes", methods=["POST"])
def add_note(number: str):
    case = load_case(number)
    authorize("case.note", case)
    form = f.NoteForm()
    if form.validate_on_submit():
        services.add_note(case, current_user, form.text.data)
        db.session.commit()
        flash("Note added.", "success")
        return redirect(url_for("cases.detail", number=case.number))
    return render_case(case, errors={"note": "Write the note."}, status=400)


@bp.route("/evidence/<int:evidence_id>")
def download(evidence_id: int):
    evidence = get_or_404(Evidence, evidence_id, "evidence.download")
    case = evidence.case
    if _role_of(case) == "respondent" and evidence.uploaded_by_id != current_user.id:
        services.disclose(case, "evidence", evidence.id, evidence.original_name,
                          how="downloaded", recipient_user=current_user, by=current_user)
    record("case.evidence_downloaded", actor=current_user, target=case, evidence_id=evidence.id,
           number=case.number)
    evidence.accesses.append(EvidenceAccess(user_id=current_user.id, at=clock.now(),
                                            how="download"))
    db.session.commit()
    response = send_file(stored_path(evidence.stored_name), mimetype=evidence.mime,
                         as_attachment=True, download_name=evidence.original_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- lists -----------------------------------------------------------------------------

@bp.route("/my/complaints")
def my_complaints():
    authorize("cases.mine")
    cases = db.session.execute(
        party_cases(current_user).where(Case.complainant_id == current_user.id)
        .order_by(Case.created_at.desc())).scalars().all()
    return render_template("cases/mine.html", cases=cases, heading="My complaints",
                           role="complainant", State=workflow.State)


@bp.route("/my/matters")
def my_matters():
    authorize("cases.mine")
    from app.cases.access import is_respondent

    cases = [c for c in db.session.execute(
        party_cases(current_user).where(Case.status != "draft")
        .order_by(Case.created_at.desc())).scalars() if is_respondent(current_user, c)]
    cases = [c for c in cases if c.served_at is not None or c.kind == "self_report"]
    return render_template("cases/mine.html", cases=cases, heading="Matters concerning me",
                           role="respondent", State=workflow.State)


def _awaiting() -> list[Case]:
    """Cases the viewer must declare on: listed by number only."""
    return db.session.execute(
        awaiting_cases(current_user).order_by(Case.submitted_at.desc())).scalars().all()


@bp.route("/cases")
def case_list():
    authorize("cases.list")
    # Filters read the content of a case: they run over the cases open to the viewer;
    # those awaiting a declaration are listed apart, by number only.
    query = cleared_cases(current_user)
    args = request.args
    if args.get("status"):
        query = query.where(Case.status == args["status"])
    if args.get("standard"):
        query = query.where(Case.id.in_(
            select(Allegation.case_id).join(CodeItem).where(CodeItem.code == args["standard"].upper())))
    age = args.get("older_than", type=int)
    if age:
        query = query.where(Case.submitted_at <= clock.now() - timedelta(days=age))
    cases = db.session.execute(query.order_by(Case.submitted_at.desc()).limit(500)).scalars().all()
    return render_template("cases/list.html", cases=cases, args=args, State=workflow.State,
                           now=clock.now(), awaiting=_awaiting())


@bp.route("/cases/intake")
def intake_queue():
    authorize("cases.intake_queue")
    cases = db.session.execute(
        cleared_cases(current_user).where(Case.status == "submitted")
        .order_by(Case.submitted_at.asc())).scalars().all()
    return render_template("cases/intake.html", cases=cases, now=clock.now(),
                           awaiting=_awaiting())

