"""The case page and everything done from it: actions, declarations and objections, votes,
notes, documents; the investigation file; the public register."""
from __future__ import annotations

import io
import json

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app import public_cache
from app.access import awaiting_declaration, has_declared
from app.audit.services import record
from app.cases import services as case_services
from app.cases.models import Case
from app.coi import forms as coi_forms
from app.coi import services as coi
from app.coi.models import CoiDeclaration, CoiObjection
from app.documents import services as documents
from app.documents.forms import IssueForm
from app.extensions import db
from app.paging import page_number
from app.policy import authorize, load_case
from app.proceedings import fairness, notices, register, workflow
from app.proceedings import services as p
from app.proceedings.documents import DOCUMENT_TYPES
from app.proceedings.forms import InvestigationEvidenceForm, ItemForm, NoteForm, VoteForm, aware
from app.proceedings.models import InvestigationItem
from app.proceedings.page import case_page, vote_questions
from app.representatives import forms as rep_forms
from app.representatives import services as representatives
from app.representatives.models import Representative

bp = Blueprint("proceedings", __name__)

ACTION_REFUSED = "Nothing was done. Check the fields marked below."
CONFIRM = ("Nothing was done: this cannot be undone, so tick “I understand that this cannot "
           "be undone” to confirm it.")
RACE = ("Someone else acted on this case at the same moment. Nothing was done; check its "
        "current state and try again.")


def _to_case(number: str, anchor: str | None = None):
    return redirect(url_for("proceedings.detail", number=number, _anchor=anchor))


# --- the case page --------------------------------------------------------------------------

def action_form(action: workflow.Action, case: Case, formdata=None):
    """The action's form, filled from the case (and, when sent back, from what was typed)."""
    form = action.form(formdata=formdata, prefix=action.name)
    fresh = formdata is None
    if fresh:
        form.seen_version.data = case.row_version
    if action.prepare is not None:
        action.prepare(case, form, fresh)
    return form


def render_declaration(case: Case, declaration_form=None, recuse_form=None, status: int = 200):
    """The case page of a member who has not declared: the number and the form, nothing else."""
    if status == 200:
        record("case.viewed", actor=current_user, target=case, number=case.number,
               awaiting_declaration=True)
    html = render_template(
        "coi/declare.html", case=case,
        form=declaration_form or coi_forms.DeclarationForm(),
        recuse_form=recuse_form or coi_forms.RecuseForm(prefix="recuse"))
    if status == 200:
        db.session.commit()
    return html, status


def render_case(case: Case, forms: dict | None = None, errors: dict | None = None,
                status: int = 200):
    """The case page for the person reading it. `errors` (form key → message) come from a
    refused action: the page opens on them, with what was typed kept in the forms."""
    if status == 200:
        record("case.viewed", actor=current_user, target=case, number=case.number)
    forms = dict(forms or {})
    page = case_page(case, current_user, forms)
    for action, waiting in page["actions"]:
        if waiting is None and action.name not in forms:
            forms[action.name] = action_form(action, case)
    html = render_template("cases/detail.html", case=case, page=page, forms=forms,
                           errors=errors or {}, note_form=forms.get("note") or NoteForm())
    if status == 200:
        db.session.commit()  # the view is recorded; committed after the page is built, so
        # building it does not reload everything the commit would expire
    return html, status


@bp.route("/cases/<number>")
def detail(number: str):
    case = load_case(number, "case.view")
    if awaiting_declaration(current_user, case):
        return render_declaration(case)
    return render_case(case)


@bp.route("/cases/<number>/act/<action>", methods=["POST"])
def act(number: str, action: str):
    case = load_case(number)
    chosen = workflow.ACTIONS.get(action)
    if chosen is None or chosen.form is None or action == "submit":
        abort(404)
    form = action_form(chosen, case, formdata=request.form)
    if not form.validate():
        return render_case(case, {action: form}, {action: ACTION_REFUSED}, 400)
    if chosen.irreversible and request.form.get(f"{action}-confirm") != "yes":
        return render_case(case, {action: form}, {action: CONFIRM}, 400)
    try:
        seen = int(form.seen_version.data or 0)
    except ValueError:
        abort(400)
    try:
        if chosen.uploads:
            refused = case_services.store_uploads(
                case, request.files.getlist(f"{action}-evidence"), chosen.evidence, current_user)
            if refused:
                db.session.rollback()
                return render_case(case, {action: form},
                                   {action: "Nothing was done. " + " ".join(refused)}, 400)
        workflow.apply(case, action, current_user, seen_version=seen, **form.effect_data())
        db.session.commit()
    except workflow.NotAllowed:
        db.session.rollback()
        abort(403)
    except (workflow.WorkflowError, StaleDataError) as error:
        db.session.rollback()
        stale = isinstance(error, (workflow.StaleCase, StaleDataError))
        message = RACE if isinstance(error, StaleDataError) else str(error)
        case = db.session.get(Case, case.id)
        if stale:  # the person has now seen the case as it is: their kept form may go again
            form.seen_version.data = case.row_version
        return render_case(case, {action: form}, {action: message}, 409 if stale else 400)
    flash(f"Done: {chosen.summary}.", "success")
    return _to_case(case.number)


@bp.route("/cases/<number>/notes", methods=["POST"])
def add_note(number: str):
    case = load_case(number)
    authorize("case.note", case)
    form = NoteForm()
    if form.validate_on_submit():
        added = case_services.add_note(case, current_user, form.text.data)
        db.session.commit()
        flash("Note added." if added else "This note was already added.",
              "success" if added else "info")
        return _to_case(case.number, "notes")
    return render_case(case, {"note": form}, {"note": "Write the note."}, 400)


# --- conflicts of interest on the case page --------------------------------------------------

@bp.route("/cases/<number>/declaration", methods=["POST"])
def declare(number: str):
    case = load_case(number, "case.view")
    form = coi_forms.DeclarationForm()
    if has_declared(current_user, case) and form.validate_on_submit():
        # the same declaration sent twice at once: the first one counted
        flash("Your declaration was already recorded; this one was not.", "info")
        return _to_case(number)
    authorize("coi.declare", case)
    if form.validate_on_submit():
        try:
            coi.declare(case, current_user, form.kind.data, form.relation.data,
                        form.text.data or "")
        except coi.CoiError as error:
            db.session.rollback()
            (form[error.field] if error.field else form.kind).errors.append(str(error))
        else:
            try:
                db.session.commit()
            except IntegrityError:  # the same form sent twice at once: the first one counts
                db.session.rollback()
                flash("Your declaration was already recorded; this one was not.", "info")
                return _to_case(number)
            flash("Your declaration is recorded. The case is open to you.", "success")
            return _to_case(number)
    return render_declaration(case, declaration_form=form, status=400)


@bp.route("/cases/<number>/recusal", methods=["POST"])
def recuse(number: str):
    case = load_case(number, "case.view")
    authorize("coi.recuse_self", case)
    form = coi_forms.RecuseForm(prefix="recuse")
    if form.validate_on_submit():
        try:
            coi.recuse_self(case, current_user, form.reason.data)
        except coi.CoiError as error:
            db.session.rollback()
            form.reason.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"You have withdrawn from {number}. It is no longer open to you.", "success")
            return redirect(url_for("main.home"))
    if awaiting_declaration(current_user, case):
        return render_declaration(case, recuse_form=form, status=400)
    return render_case(case, {"recuse": form}, {"recuse": "Give the reason you withdraw."}, 400)


@bp.route("/cases/<number>/disclosures/<int:declaration_id>/objection", methods=["POST"])
def object_to(number: str, declaration_id: int):
    case = load_case(number)
    declaration = db.session.get(CoiDeclaration, declaration_id)
    if declaration is None or declaration.case_id != case.id:
        abort(404)
    authorize("coi.object", declaration)
    key = f"object-{declaration.id}"
    form = coi_forms.ObjectionForm(prefix=key)
    if form.validate_on_submit():
        try:
            coi.object_to(declaration, current_user, form.text.data or "")
        except coi.CoiError as error:
            db.session.rollback()
            return render_case(case, {key: form}, {key: str(error)}, 400)
        db.session.commit()
        flash(f"Your objection is recorded: {declaration.member.name} takes no further part "
              "in the case.", "success")
        return _to_case(number, "conflicts")
    return render_case(case, {key: form}, {key: ACTION_REFUSED}, 400)


@bp.route("/cases/<number>/objections/<int:objection_id>/withdrawal", methods=["POST"])
def withdraw_objection(number: str, objection_id: int):
    case = load_case(number)
    objection = db.session.get(CoiObjection, objection_id)
    if objection is None or objection.declaration.case_id != case.id:
        abort(404)
    authorize("coi.withdraw_objection", objection)
    key = f"withdraw-{objection.id}"
    form = coi_forms.WithdrawObjectionForm(prefix=key)
    if form.validate_on_submit():
        coi.withdraw_objection(objection, current_user, form.reason.data or "")
        db.session.commit()
        flash("Your objection is withdrawn. The chair decides whether the member is "
              "reinstated.", "success")
        return _to_case(number, "conflicts")
    return render_case(case, {key: form}, {key: ACTION_REFUSED}, 400)


# --- representatives --------------------------------------------------------------------

def _refused(form, error) -> None:
    """Put a service's refusal next to the field it is about."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error)]


def _representative_of(case: Case, representative_id: int) -> Representative:
    chosen = db.session.get(Representative, representative_id)
    if chosen is None or chosen.case_id != case.id:
        abort(404)
    return chosen


def _representative_form(case: Case, key: str, form, act, said,
                         invalid=lambda form: ACTION_REFUSED):
    """Post one of the representatives' forms: an invalid form (`invalid` says why) or the
    service's refusal (next to its field) shows the case page again (400); done, the page
    says what happened (`said` of what `act` returns)."""
    if not form.validate_on_submit():
        return render_case(case, {key: form}, {key: invalid(form)}, 400)
    try:
        done = act()
    except representatives.RepresentativeError as error:
        db.session.rollback()
        _refused(form, error)
        return render_case(db.session.get(Case, case.id), {key: form}, {key: str(error)}, 400)
    db.session.commit()
    flash(said(done), "success")
    return _to_case(case.number, "representatives")


@bp.route("/cases/<number>/representative", methods=["POST"])
def name_representative(number: str):
    case = load_case(number)
    authorize("representative.name", case)
    form = rep_forms.NameRepresentativeForm(prefix="representative")
    return _representative_form(
        case, "representative", form,
        lambda: representatives.name(case, current_user, name=form.name.data,
                                     email=form.email.data, kind=form.kind.data),
        lambda chosen: f"{chosen.name} is named. The office confirms a representative before "
        "they act in this case; you will be told." if chosen.pending else
        f"{chosen.name} now represents you in this case and receives a copy of your notices "
        "and documents.")


@bp.route("/cases/<number>/representatives/<int:representative_id>/decision",
          methods=["POST"])
def decide_representative(number: str, representative_id: int):
    case = load_case(number)
    chosen = _representative_of(case, representative_id)
    authorize("representative.decide", chosen)
    key = f"decide-representative-{chosen.id}"
    form = rep_forms.DecideRepresentativeForm(prefix=key)
    return _representative_form(
        case, key, form,
        lambda: representatives.decide(chosen, current_user,
                                       confirm=form.decision.data == "confirm",
                                       reason=form.reason.data or ""),
        lambda done: f"{done.name} now acts for the {done.party_role}." if done.active else
        f"The naming of {done.name} is refused; the {done.party_role} is told.")


@bp.route("/cases/<number>/representatives/<int:representative_id>/revocation",
          methods=["POST"])
def revoke_representative(number: str, representative_id: int):
    case = load_case(number)
    chosen = _representative_of(case, representative_id)
    authorize("representative.revoke", chosen)
    form = rep_forms.RevokeRepresentativeForm(prefix="revoke-representative")
    return _representative_form(
        case, "revoke-representative", form,
        lambda: representatives.revoke(chosen, current_user, form.reason.data or ""),
        lambda done: f"{done.name} no longer represents you; the case is closed to them.",
        invalid=lambda form: CONFIRM if form.confirm.errors else ACTION_REFUSED)


# --- votes ----------------------------------------------------------------------------------

@bp.route("/cases/<number>/vote/<question>", methods=["POST"])
def vote(number: str, question: str):
    case = load_case(number)
    authorize("case.vote", case)
    choices = {q: c for q, _, c in vote_questions(case)}.get(question)
    if choices is None:
        abort(404)
    form = VoteForm(prefix=f"vote-{question}")
    form.offer(choices)
    if not form.validate_on_submit():
        key = f"vote-{question}"
        return render_case(case, {key: form}, {key: "Choose your vote before casting it."}, 400)
    p.cast_vote(case, current_user, p.STAGE_OF[case.status], question, form.choice.data,
                form.reasons.data or "")
    db.session.commit()
    flash("Your vote is recorded. You may change it until the decision is taken.", "success")
    return _to_case(number, "votes")


@bp.route("/cases/<number>/hearing.ics")
def hearing_calendar(number: str):
    """The scheduled hearing as a calendar event, for anyone who reads the case."""
    case = load_case(number)
    hearing = p.current_hearing(case)
    if hearing is None or hearing.status != "scheduled":
        abort(404)
    response = current_app.response_class(notices.ics(case, hearing), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="hearing-{number}.ics"'
    return response


# --- documents of the case --------------------------------------------------------------------

def _document_type(kind: str):
    doc_type = DOCUMENT_TYPES.get(kind)
    if doc_type is None:
        abort(404)
    return doc_type


def _pdf_response(data: bytes, filename: str):
    response = send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=False,
                         download_name=filename)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/cases/<number>/documents/<kind>/preview")
def preview_document(number: str, kind: str):
    case = load_case(number)
    authorize("document.preview", case)
    doc_type = _document_type(kind)
    try:
        rendered = documents.preview(case, doc_type)
    except documents.DocumentError as error:
        flash(str(error), "error")
        return _to_case(number, "documents")
    record("document.previewed", actor=current_user, target=case, number=number, kind=kind)
    db.session.commit()
    return _pdf_response(rendered.pdf, f"{number}-{kind}-DRAFT.pdf")


@bp.route("/cases/<number>/documents/<kind>/issue", methods=["GET", "POST"])
def issue_document(number: str, kind: str):
    case = load_case(number)
    authorize("document.issue", case)
    doc_type = _document_type(kind)
    if not doc_type.applies(case):
        flash(f"A {doc_type.title.lower()} does not apply to this case yet.", "error")
        return _to_case(number, "documents")
    current = next((d for d in reversed(documents.documents_of(case))
                    if d.kind == kind and not d.superseded), None)
    form = IssueForm()
    if form.validate_on_submit():
        if current is not None and not (form.reason.data or "").strip():
            form.reason.errors.append(
                f"{current.number} is already issued: say what this correction changes.")
        else:
            try:
                document = documents.issue(case, doc_type, current_user, supersedes=current,
                                           reason=form.reason.data or "")
            except documents.AlreadyIssued as error:
                db.session.rollback()  # someone else was first: show theirs
                flash(str(error), "info")
                return _to_case(number, "documents")
            except documents.DocumentError as error:
                db.session.rollback()
                form.reason.errors.append(str(error))
            else:
                db.session.commit()
                flash(f"{document.title} {document.number} issued and sent to "
                      f"{len(document.recipients)} recipient(s).", "success")
                return _to_case(number, "documents")
    return render_template("documents/issue.html", case=case, doc_type=doc_type, form=form,
                           current=current, recipients=doc_type.recipients(case)), \
        (422 if form.errors else 200)


# --- the investigation file --------------------------------------------------------------------

@bp.route("/cases/<number>/investigation", methods=["GET", "POST"])
def investigation(number: str):
    case = load_case(number)
    authorize("case.view_internal", case)
    form = ItemForm()
    if request.method == "GET":
        record("case.investigation_viewed", actor=current_user, target=case, number=number)
        db.session.commit()
    if request.method == "POST":
        authorize("case.investigate", case)
        if form.validate_on_submit():
            item = p.add_item(case, current_user, form.kind.data, form.title.data,
                              text=form.text.data or "", due_on=form.due_on.data,
                              held_at=aware(form.held_at.data),
                              shareable=bool(form.shareable.data))
            files = request.files.getlist("evidence")
            refused = case_services.store_uploads(
                case, files, "interview", current_user, source=f"Interview record: {item.title}")
            if refused:
                db.session.rollback()
                form.evidence.errors.append("Nothing was added. " + " ".join(refused))
            else:
                db.session.commit()
                flash("Added to the investigation file.", "success")
                return redirect(url_for("proceedings.investigation", number=number))
    return render_template("proceedings/investigation.html", case=case, form=form,
                           items=p.items(case), requests=p.open_requests(case),
                           investigators=p.members_in(case, "investigator"),
                           evidence_form=InvestigationEvidenceForm(),
                           evidence=case.evidence), \
        (400 if form.errors else 200)


def _item(case, item_id: int) -> InvestigationItem:
    item = db.session.get(InvestigationItem, item_id)
    if item is None or item.case_id != case.id:
        abort(404)
    return item


@bp.route("/cases/<number>/investigation/<int:item_id>/done", methods=["POST"])
def task_done(number: str, item_id: int):
    case = load_case(number)
    authorize("case.investigate", case)
    item = _item(case, item_id)
    if item.kind != "task" or item.done_at:
        abort(400)
    p.complete_task(item, current_user)
    db.session.commit()
    return redirect(url_for("proceedings.investigation", number=number))


@bp.route("/cases/<number>/investigation/<int:item_id>/share", methods=["POST"])
def share(number: str, item_id: int):
    case = load_case(number)
    authorize("case.investigate", case)
    item = _item(case, item_id)
    if not item.shareable or item.shared_at or case.served_at is None:
        flash("Only a record marked shareable, not yet shared, can be shared with the "
              "respondent.", "error")
        return redirect(url_for("proceedings.investigation", number=number)), 303
    p.share_item(case, item, current_user)
    db.session.commit()
    flash(f"Shared with the respondent: {item.title}.", "success")
    return redirect(url_for("proceedings.investigation", number=number))


@bp.route("/cases/<number>/investigation/evidence", methods=["POST"])
def add_evidence(number: str):
    """The investigator adds evidence, with its source: the start of its chain of custody."""
    case = load_case(number)
    authorize("case.investigate", case)
    form = InvestigationEvidenceForm()
    files = [f for f in request.files.getlist("evidence") if f and f.filename]
    if case.status not in ("investigation", "hearing_scheduled"):
        flash("Evidence is added while the case is under investigation or before its hearing.",
              "error")
    elif not form.validate_on_submit() or not files:
        flash(" ".join(form.source.errors) or "Choose the files to add.", "error")
    else:
        refused = case_services.store_uploads(case, files, "investigation", current_user,
                                              source=form.source.data)
        if refused:
            db.session.rollback()
            flash("Nothing was added. " + " ".join(refused), "error")
        else:
            if case.status == "hearing_scheduled":  # the respondent has it at once
                fairness.disclose_file(case, current_user)
            db.session.commit()
            flash(f"{len(files)} file(s) added to the evidence.", "success")
    return redirect(url_for("proceedings.investigation", number=number, _anchor="evidence"))


# --- the public register -----------------------------------------------------------------------

@bp.route("/public-register")  # not /register: that is where accounts are created
def public_register():
    query, page = request.args.get("q", "")[:200], page_number()

    def render() -> str:
        entries = public_cache.cached("register", (query.strip(), page),
                                      lambda: _register_page(query, page))
        return render_template("proceedings/register.html", entries=entries, query=query)

    html = public_cache.shared_page("register", (query, page), render)
    return public_cache.conditional(make_response(html), query, page)


@bp.route("/public-register.json")
def public_register_json():
    query, page = request.args.get("q", "")[:200], page_number()
    body = public_cache.cached("register-json", (query, page),
                               lambda: _register_json(query, page))
    response = current_app.response_class(body, mimetype="application/json")
    return public_cache.conditional(response, query, page)


def _register_json(query: str, page: int) -> str:
    entries = public_cache.cached("register", (query.strip(), page),
                                  lambda: _register_page(query, page))
    return json.dumps({
        "entries": entries["items"], "query": query, "page": entries["page"],
        "per_page": entries["per_page"], "total": entries["total"],
        "total_capped": entries["total_capped"],
        "next": url_for("proceedings.public_register_json", q=query or None, page=page + 1)
        if entries["has_next"] else None})


def _register_page(query: str, page: int) -> dict:
    """A page of the register as plain data (what the cache keeps)."""
    pagination = register.entries(query, page)
    return {"items": pagination.items, "page": pagination.page,
            "per_page": pagination.per_page, "total": pagination.total,
            "total_capped": pagination.total_capped, "count_cap": pagination.count_cap,
            "pages": pagination.pages, "has_next": pagination.has_next,
            "has_prev": pagination.has_prev}
