"""Case messages: a party's thread, the office's replies, witness links, stock replies."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from app.access import ThreadRef
from app.accounts.tokens import TokenError
from app.audit.services import record
from app.cases.models import CLOSED_STATES
from app.cases.uploads import stored_path
from app.extensions import db
from app.forms import ConfirmForm
from app.messages import services
from app.messages.forms import AlertSettingForm, MessageForm, StockReplyForm, WitnessLinkForm
from app.messages.models import StockReply, WitnessLink
from app.policy import authorize, can, get_or_404, load_case
from app.storage import store

bp = Blueprint("messages", __name__)


def load_thread(number: str, key: str) -> ThreadRef:
    """Load a case and one party's thread on it; 404 unless the reader may open it."""
    case = load_case(number)
    ref = ThreadRef(case, key)
    authorize("message.thread", ref)
    if key not in dict(services.party_keys(case)):
        abort(404)
    return ref


def _thread_page(ref: ThreadRef, form: MessageForm, status: int = 200):
    case = ref.case
    office = can(current_user, "message.office", case)
    thread = services.thread_of(case, ref.key)
    if thread is not None and request.method == "GET":
        services.mark_read(thread, current_user, as_office=office)
        db.session.commit()
    stock = services.stock_replies() if office else []
    if office and request.method == "GET" and (chosen := request.args.get("stock", type=int)):
        reply = db.session.get(StockReply, chosen)
        if reply is not None and not form.text.data:
            form.text.data = reply.body
    return render_template(
        "messages/thread.html", case=case, ref=ref, thread=thread, form=form, office=office,
        title=dict(services.party_keys(case))[ref.key], stock=stock,
        closed=case.status in CLOSED_STATES,
        setting=AlertSettingForm(mode=services.alert_mode(current_user))), status


@bp.route("/cases/<number>/messages/<key>", methods=["GET", "POST"])
def thread(number: str, key: str):
    ref = load_thread(number, key)
    form = MessageForm()
    if request.method == "GET":
        return _thread_page(ref, form)
    if not form.validate_on_submit():
        return _thread_page(ref, form, 400)
    office = can(current_user, "message.office", ref.case)
    try:
        message = services.send(ref, current_user, form.text.data,
                                request.files.getlist(form.files.name), as_office=office)
    except services.MessageError as error:
        db.session.rollback()
        (form.files if error.field == "files" else form.text).errors.append(str(error))
        return _thread_page(ref, form, 400)
    db.session.commit()
    flash("Your message was sent" + (", after the case closed: the office still receives it"
                                     if message.after_closure else "") + ".", "success")
    return redirect(url_for("messages.thread", number=number, key=key))


@bp.route("/cases/<number>/messages/<key>/files/<int:attachment_id>")
def attachment(number: str, key: str, attachment_id: int):
    ref = load_thread(number, key)
    found = services.attachment_of(ref, attachment_id)
    if found is None:
        abort(404)
    evidence = found.evidence
    record("message.attachment_downloaded", actor=current_user, target=ref.case,
           number=ref.case.number, thread=key, evidence_id=evidence.id)
    db.session.commit()
    stored_path(evidence.stored_name)  # refuses a name that is not one of ours
    response = send_file(store("evidence").open(evidence.stored_name), mimetype=evidence.mime,
                         as_attachment=True, download_name=evidence.original_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/messages/alerts", methods=["POST"])
def alert_setting():
    authorize("message.alert_setting")
    form = AlertSettingForm()
    if not form.validate_on_submit():
        flash("Choose how you want to hear of new messages.", "error")
        return redirect(url_for("main.home"))
    services.set_alert_mode(current_user, form.mode.data)
    db.session.commit()
    flash("Saved. " + ("You get one email a day at most, listing where new messages are."
                       if form.mode.data == "daily" else "You get an email at each new message."),
          "success")
    back = request.form.get("back", "")
    return redirect(back if back.startswith("/") and not back.startswith("//")
                    else url_for("main.home"))


# --- witness links (the office) -------------------------------------------------------

@bp.route("/cases/<number>/witness-links", methods=["GET", "POST"])
def new_witness_link(number: str):
    case = load_case(number)
    authorize("message.office", case)
    form = WitnessLinkForm()
    status = 200
    if form.validate_on_submit():
        try:
            link = services.open_witness_link(
                case, current_user, name=form.name.data, email=form.email.data,
                request=form.request.data, days=form.days.data)
        except services.MessageError as error:
            db.session.rollback()
            (form[error.field] if error.field else form.request).errors.append(str(error))
            status = 400
        else:
            db.session.commit()
            flash(f"{link.name} has been sent a personal link, working until "
                  f"{link.expires_at.date()}.", "success")
            return redirect(url_for("messages.thread", number=number, key=f"witness-{link.id}"))
    elif request.method == "POST":
        status = 400
    return render_template("messages/witness_link_new.html", case=case, form=form), status


@bp.route("/cases/<number>/witness-links/<int:link_id>/revoke", methods=["POST"])
def revoke_witness_link(number: str, link_id: int):
    case = load_case(number)
    authorize("message.office", case)
    link = db.session.get(WitnessLink, link_id)
    if link is None or link.case_id != case.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.revoke_witness_link(link, current_user)
    except services.MessageError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"The link of {link.name} no longer works.", "success")
    return redirect(url_for("messages.thread", number=number, key=f"witness-{link.id}"))


# --- the witness (no account: the link is the key) --------------------------------------

def _private(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/witness/<token>", methods=["GET", "POST"])
def witness(token: str):
    try:
        link = services.link_for_token(token)
    except TokenError as error:
        return _private(make_response(render_template(
            "messages/witness_bad_link.html", message=str(error)), 400))
    case = link.case
    ref = ThreadRef(case, f"witness-{link.id}")
    thread = services.thread_of(case, ref.key)
    form = MessageForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                services.send(ref, None, form.text.data, request.files.getlist(form.files.name),
                              as_office=False, witness=link)
            except services.MessageError as error:
                db.session.rollback()
                (form.files if error.field == "files" else form.text).errors.append(str(error))
                status = 400
            else:
                services.witness_used(link, "replied")
                db.session.commit()
                flash("Thank you. Your reply reached the committee's office.", "success")
                return _private(redirect(url_for("messages.witness", token=token)))
        else:
            status = 400
    else:
        services.witness_used(link, "opened")
        if thread is not None:
            services.mark_read(thread, None, as_office=False, witness=link)
        db.session.commit()
    return _private(make_response(render_template(
        "messages/witness.html", link=link, case=case, thread=thread, form=form), status))


# --- stock replies (administrators) -------------------------------------------------------

@bp.route("/admin/stock-replies", methods=["GET", "POST"])
def stock_replies():
    authorize("messages.stock_replies")
    form = StockReplyForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.add_stock_reply(current_user, form.title.data, form.body.data)
        except services.MessageError as error:
            db.session.rollback()
            form.title.errors.append(str(error))
            status = 400
        else:
            db.session.commit()
            flash("The stock reply is added.", "success")
            return redirect(url_for("messages.stock_replies"))
    elif request.method == "POST":
        status = 400
    return render_template("messages/stock_replies.html", form=form,
                           replies=services.stock_replies(), delete=ConfirmForm()), status


@bp.route("/admin/stock-replies/<int:reply_id>/delete", methods=["POST"])
def delete_stock_reply(reply_id: int):
    reply = get_or_404(StockReply, reply_id, "messages.stock_replies")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.delete_stock_reply(reply, current_user)
    db.session.commit()
    flash("The stock reply is deleted.", "success")
    return redirect(url_for("messages.stock_replies"))
