"""Disclosure pages: the certificant's register, the parties' answer page, staff's flagged list."""
from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from app import clock
from app.accounts.tokens import TokenError
from app.audit.services import record
from app.extensions import db
from app.forms import ConfirmForm
from app.paging import paginate
from app.policy import authorize, get_or_404
from app.practice_disclosures import services
from app.practice_disclosures.forms import MAX_PARTIES, AnswerForm, DisclosureForm, WithdrawalForm
from app.practice_disclosures.models import DisclosureParty, DisclosureStatus, PracticeDisclosure

bp = Blueprint("practice_disclosures", __name__)


def load_disclosure(disclosure_id: int, action: str | None = None) -> PracticeDisclosure:
    """Load a disclosure its owner or staff may see (404 otherwise), then authorize `action`."""
    disclosure = get_or_404(PracticeDisclosure, disclosure_id, "practice_disclosure.view")
    if action:
        authorize(action, disclosure)
    return disclosure


# --- the certificant ---------------------------------------------------------------

@bp.route("/practice-disclosures")
def mine():
    authorize("practice_disclosures.mine")
    return render_template("practice_disclosures/mine.html",
                           disclosures=services.disclosures_of(current_user))


@bp.route("/practice-disclosures/new", methods=["GET", "POST"])
def new_disclosure():
    authorize("practice_disclosure.create", current_user)
    form = DisclosureForm()
    status = 200
    if request.method == "POST":
        if form.add_party.data:
            if len(form.parties) < MAX_PARTIES:
                form.parties.append_entry()
        elif form.validate():
            try:
                disclosure = services.create_disclosure(
                    current_user, kind=form.kind.data, description=form.description.data,
                    parties=form.party_data())
            except services.DisclosureError as error:
                db.session.rollback()
                (form[error.field] if error.field in ("kind", "description")
                 else form.parties[0].form.name).errors.append(str(error))
                status = 400
            else:
                db.session.commit()
                flash("Your disclosure is recorded. Each party has been sent a personal link "
                      "to acknowledge it or object.", "success")
                return redirect(url_for("practice_disclosures.detail",
                                        disclosure_id=disclosure.id))
        else:
            status = 400
    return render_template("practice_disclosures/new.html", form=form), status


@bp.route("/practice-disclosures/<int:disclosure_id>")
def detail(disclosure_id: int):
    disclosure = load_disclosure(disclosure_id)
    as_owner = disclosure.owned_by(current_user)
    if not as_owner:
        record("practice_disclosure.viewed", actor=current_user, target=disclosure)
        db.session.commit()
    return render_template("practice_disclosures/detail.html", disclosure=disclosure,
                           as_owner=as_owner, form=ConfirmForm(), now=clock.now(),
                           Status=DisclosureStatus)


@bp.route("/practice-disclosures/<int:disclosure_id>/withdrawal", methods=["GET", "POST"])
def confirm_withdrawal(disclosure_id: int):
    disclosure = load_disclosure(disclosure_id, "practice_disclosure.manage")
    if disclosure.status != DisclosureStatus.WITHDRAWAL_REQUIRED:
        flash("No withdrawal is waiting to be confirmed on this disclosure.", "info")
        return redirect(url_for("practice_disclosures.detail", disclosure_id=disclosure.id))
    form = WithdrawalForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.confirm_withdrawal(disclosure, current_user, form.withdrawn_on.data)
        except services.DisclosureError as error:
            db.session.rollback()
            form.withdrawn_on.errors.append(str(error))
            status = 400
        else:
            db.session.commit()
            flash("Your withdrawal is confirmed. The affected parties have been told.", "success")
            return redirect(url_for("practice_disclosures.detail", disclosure_id=disclosure.id))
    elif request.method == "POST":
        status = 400
    return render_template("practice_disclosures/withdrawal.html", disclosure=disclosure,
                           form=form), status


@bp.route("/practice-disclosures/<int:disclosure_id>/parties/<int:party_id>/resend",
          methods=["POST"])
def resend_link(disclosure_id: int, party_id: int):
    disclosure = load_disclosure(disclosure_id, "practice_disclosure.manage")
    party = db.session.get(DisclosureParty, party_id)
    if party is None or party.disclosure_id != disclosure.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            services.resend_link(disclosure, party, current_user)
        except services.DisclosureError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"A new link was sent to {party.name}. The previous link no longer works.",
                  "success")
    return redirect(url_for("practice_disclosures.detail", disclosure_id=disclosure.id))


# --- staff --------------------------------------------------------------------------

@bp.route("/practice-disclosures/flagged")
def flagged():
    authorize("practice_disclosures.flagged")
    return render_template("practice_disclosures/flagged.html",
                           disclosures=paginate(services.flagged_for(current_user)),
                           form=ConfirmForm())


@bp.route("/practice-disclosures/<int:disclosure_id>/open-case", methods=["POST"])
def open_case(disclosure_id: int):
    disclosure = load_disclosure(disclosure_id, "practice_disclosure.open_case")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        case = services.open_staff_case(disclosure, current_user)
    except services.DisclosureError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("practice_disclosures.detail", disclosure_id=disclosure.id))
    db.session.commit()
    flash(f"Case {case.number} is open, with S7 alleged; it waits in the intake queue.", "success")
    return redirect(url_for("proceedings.detail", number=case.number))


# --- the affected party (no account: the link is the key) ------------------------------

def _private(response):
    # The address carries the party's key: keep the page out of every cache.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _bad_link(message: str):
    return _private(make_response(
        render_template("practice_disclosures/bad_link.html", message=message), 400))


@bp.route("/disclosure-answer/<token>", methods=["GET", "POST"])
def answer(token: str):
    try:
        party = services.party_for_token(token)
    except TokenError as error:
        return _bad_link(str(error))
    form = AnswerForm()
    status = 200
    if request.method == "POST":
        # An answered link is refused whatever is posted: the answer stands.
        if form.validate_on_submit() or party.answer is not None:
            try:
                services.record_answer(party, form.answer.data or "", form.text.data or "")
            except services.AlreadyAnswered as error:
                db.session.rollback()
                return _bad_link(str(error))
            except services.DisclosureError as error:
                db.session.rollback()
                form.answer.errors.append(str(error))
                status = 400
            else:
                db.session.commit()
                flash("Thank you. Your answer is recorded and the case manager has been told.",
                      "success")
                return _private(redirect(url_for("practice_disclosures.answer", token=token)))
        else:
            status = 400
    return _private(make_response(render_template(
        "practice_disclosures/answer.html", party=party, disclosure=party.disclosure,
        form=form), status))
