"""Conflict-of-interest pages: declaring, withdrawing, objecting, and the chair's panel."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app.cases.access import awaiting_declaration
from app.cases.views import load_case, render_case, render_declaration
from app.coi import forms as f
from app.coi import services
from app.coi.models import CoiDeclaration, CoiObjection, Recusal
from app.extensions import db
from app.policy import authorize

bp = Blueprint("coi", __name__)


def _case_link(number: str, anchor: str | None = None):
    return redirect(url_for("cases.detail", number=number, _anchor=anchor))


@bp.route("/cases/<number>/declaration", methods=["POST"])
def declare(number: str):
    case = load_case(number, "case.view")
    authorize("coi.declare", case)
    form = f.DeclarationForm()
    if form.validate_on_submit():
        try:
            services.declare(case, current_user, form.kind.data, form.relation.data,
                             form.text.data or "")
        except services.CoiError as error:
            db.session.rollback()
            (form[error.field] if error.field else form.kind).errors.append(str(error))
        else:
            try:
                db.session.commit()
            except IntegrityError:  # the same form sent twice at once: the first one counts
                db.session.rollback()
                flash("Your declaration was already recorded; this one was not.", "info")
                return _case_link(number)
            flash("Your declaration is recorded. The case is open to you.", "success")
            return _case_link(number)
    return render_declaration(case, declaration_form=form, status=400)


@bp.route("/cases/<number>/recusal", methods=["POST"])
def recuse(number: str):
    case = load_case(number, "case.view")
    authorize("coi.recuse_self", case)
    form = f.RecuseForm(prefix="recuse")
    if form.validate_on_submit():
        try:
            services.recuse_self(case, current_user, form.reason.data)
        except services.CoiError as error:
            db.session.rollback()
            form.reason.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"You have withdrawn from {number}. It is no longer open to you.", "success")
            return redirect(url_for("main.home"))
    if awaiting_declaration(current_user, case):
        return render_declaration(case, recuse_form=form, status=400)
    return render_case(case, {"recuse": form}, {"recuse": "Give the reason you withdraw."}, 400)


def _declaration_of(case, declaration_id: int) -> CoiDeclaration:
    declaration = db.session.get(CoiDeclaration, declaration_id)
    if declaration is None or declaration.case_id != case.id:
        abort(404)
    return declaration


@bp.route("/cases/<number>/disclosures/<int:declaration_id>/objection", methods=["POST"])
def object_to(number: str, declaration_id: int):
    case = load_case(number)
    declaration = _declaration_of(case, declaration_id)
    authorize("coi.object", declaration)
    key = f"object-{declaration.id}"
    form = f.ObjectionForm(prefix=key)
    if form.validate_on_submit():
        try:
            services.object_to(declaration, current_user, form.text.data or "")
        except services.CoiError as error:
            db.session.rollback()
            return render_case(case, {key: form}, {key: str(error)}, 400)
        db.session.commit()
        flash(f"Your objection is recorded: {declaration.member.name} takes no further part "
              "in the case.", "success")
        return _case_link(number, "disclosures")
    return render_case(case, {key: form}, {key: "Check the fields marked below."}, 400)


@bp.route("/cases/<number>/objections/<int:objection_id>/withdrawal", methods=["POST"])
def withdraw_objection(number: str, objection_id: int):
    case = load_case(number)
    objection = db.session.get(CoiObjection, objection_id)
    if objection is None or objection.declaration.case_id != case.id:
        abort(404)
    authorize("coi.withdraw_objection", objection)
    key = f"withdraw-{objection.id}"
    form = f.WithdrawObjectionForm(prefix=key)
    if form.validate_on_submit():
        services.withdraw_objection(objection, current_user, form.reason.data or "")
        db.session.commit()
        flash("Your objection is withdrawn. The chair decides whether the member is "
              "reinstated.", "success")
        return _case_link(number, "disclosures")
    return render_case(case, {key: form}, {key: "Check the fields marked below."}, 400)


def _render_panel(case, forms: dict | None = None, status: int = 200):
    rows = services.panel(case)
    forms = forms or {}
    for row in rows:
        r = row.open_recusal
        if r is not None and r.cause == "objection":
            forms.setdefault(r.id, f.ReinstateForm(prefix=f"reinstate-{r.id}"))
    return render_template("coi/panel.html", case=case, rows=rows, forms=forms,
                           eligible=[row.member for row in rows if row.eligible]), status


@bp.route("/cases/<number>/conflicts")
def panel(number: str):
    case = load_case(number)
    authorize("coi.panel", case)
    return _render_panel(case)


@bp.route("/cases/<number>/recusals/<int:recusal_id>/reinstatement", methods=["POST"])
def reinstate(number: str, recusal_id: int):
    case = load_case(number)
    recusal = db.session.get(Recusal, recusal_id)
    if recusal is None or recusal.case_id != case.id:
        abort(404)
    authorize("coi.reinstate", case)
    form = f.ReinstateForm(prefix=f"reinstate-{recusal.id}")
    if form.validate_on_submit():
        try:
            services.reinstate(recusal, current_user, form.reason.data)
        except services.CoiError as error:
            db.session.rollback()
            form.reason.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"{recusal.member.name} is reinstated on {number}.", "success")
            return redirect(url_for("coi.panel", number=number))
    return _render_panel(case, {recusal.id: form}, 400)
