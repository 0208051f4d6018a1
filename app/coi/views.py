"""The chair's conflicts page: declarations, recusals, reinstatement. (Declaring, recusing
and objecting happen on the case page: app/proceedings/views.py.)"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from app.audit.services import record
from app.coi import forms as f
from app.coi import services
from app.coi.models import Recusal
from app.extensions import db
from app.policy import authorize, load_case

bp = Blueprint("coi", __name__)


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
    record("coi.panel_viewed", actor=current_user, target=case, number=case.number)
    db.session.commit()
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
