"""Pages of the proceeding after the answer: votes, the investigation file, the register."""
from __future__ import annotations

from datetime import UTC

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from app.cases.views import load_case, store_uploads
from app.extensions import db
from app.policy import authorize
from app.proceedings import register
from app.proceedings import services as p
from app.proceedings.forms import InvestigationEvidenceForm, ItemForm, VoteForm
from app.proceedings.models import InvestigationItem
from app.proceedings.page import vote_questions

bp = Blueprint("proceedings", __name__)


@bp.route("/cases/<number>/vote/<question>", methods=["POST"])
def vote(number: str, question: str):
    case = load_case(number)
    authorize("case.vote", case)
    choices = {q: c for q, _, c in vote_questions(case)}.get(question)
    if choices is None:
        abort(404)
    form = VoteForm(prefix=f"vote-{question}")
    form.choice.choices = list(choices.items())
    if not form.validate_on_submit():
        flash("Choose your vote before casting it.", "error")
        return redirect(url_for("cases.detail", number=number, _anchor="votes"))
    p.cast_vote(case, current_user, p.STAGE_OF[case.status], question, form.choice.data,
                form.reasons.data or "")
    db.session.commit()
    flash("Your vote is recorded. You may change it until the decision is taken.", "success")
    return redirect(url_for("cases.detail", number=number, _anchor="votes"))


@bp.route("/cases/<number>/investigation", methods=["GET", "POST"])
def investigation(number: str):
    case = load_case(number)
    authorize("case.view_internal", case)
    form = ItemForm()
    if request.method == "POST":
        authorize("case.investigate", case)
        if form.validate_on_submit():
            item = p.add_item(case, current_user, form.kind.data, form.title.data,
                              text=form.text.data or "", due_on=form.due_on.data,
                              held_at=_utc(form.held_at.data),
                              shareable=bool(form.shareable.data))
            files = [f for f in request.files.getlist("evidence") if f and f.filename]
            refused = store_uploads(case, files, "interview",
                                    source=f"Interview record: {item.title}") if files else []
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


def _utc(value):
    """The form's time is entered in UTC (as labelled); stored times are aware."""
    return value.replace(tzinfo=UTC) if value is not None else None


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
    if case.status != "investigation":
        flash("Evidence is added while the case is under investigation.", "error")
    elif not form.validate_on_submit() or not files:
        flash(" ".join(form.source.errors) or "Choose the files to add.", "error")
    else:
        refused = store_uploads(case, files, "investigation", source=form.source.data)
        if refused:
            db.session.rollback()
            flash("Nothing was added. " + " ".join(refused), "error")
        else:
            db.session.commit()
            flash(f"{len(files)} file(s) added to the evidence.", "success")
    return redirect(url_for("proceedings.investigation", number=number, _anchor="evidence"))


@bp.route("/public-register")  # not /register: that is where accounts are created
def public_register():
    query = request.args.get("q", "")[:200]
    return render_template("proceedings/register.html", entries=register.entries(query),
                           query=query)


@bp.route("/public-register.json")
def public_register_json():
    query = request.args.get("q", "")[:200]
    return jsonify({"entries": register.entries(query), "query": query})

