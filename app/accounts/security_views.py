"""One's own sessions and second factor; an administrator's resets of another account's."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user
from sqlalchemy import select

from app.accounts import mfa, sessions
from app.accounts.forms import CodeForm
from app.accounts.models import User, UserSession
from app.extensions import db
from app.forms import ConfirmForm
from app.policy import authorize, get_or_404

bp = Blueprint("account_security", __name__)


@bp.route("/account/sessions")
def my_sessions():
    authorize("account.sessions", current_user)
    return render_template("accounts/sessions.html", sessions=sessions.live_sessions(current_user),
                           current_id=current_user.session_id, confirm=ConfirmForm())


@bp.route("/account/sessions/end", methods=["POST"])
def end_session():
    """End one of one's own sessions (`session` names it), or all the others (`others`)."""
    authorize("account.sessions", current_user)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if request.form.get("others"):
        count = sessions.end_all(current_user, current_user, "ended by the owner",
                                 keep=current_user.session_id)
        db.session.commit()
        flash(f"{count} other session(s) ended." if count else "No other session was open.",
              "success")
        return redirect(url_for("account_security.my_sessions"))
    target = db.session.execute(
        select(UserSession).where(UserSession.id == request.form.get("session", ""),
                                  UserSession.user_id == current_user.id)).scalar_one_or_none()
    if target is None:
        abort(404)
    sessions.end(target, current_user)
    db.session.commit()
    if target.id == current_user.session_id:
        logout_user()
        session.clear()
        flash("You are signed out.", "info")
        return redirect(url_for("accounts.login"))
    flash("The session is ended.", "success")
    return redirect(url_for("account_security.my_sessions"))


@bp.route("/admin/accounts/<int:user_id>/sessions/end", methods=["POST"])
def admin_end_sessions(user_id: int):
    """Sign an account out everywhere."""
    user = get_or_404(User, user_id, "accounts.end_sessions")
    if ConfirmForm().validate_on_submit():
        count = sessions.end_all(user, current_user, "signed out by an administrator")
        db.session.commit()
        flash(f"Signed out everywhere: {count} session(s) ended.", "success")
    return redirect(url_for("accounts.admin_detail", user_id=user.id))


# --- second factor ---------------------------------------------------------------------

SETUP_SECRET = "mfa_setup_secret"  # the secret being set up, until a code confirms it


@bp.route("/account/two-factor")
def mfa_status():
    authorize("account.mfa", current_user)
    if not mfa.is_enrolled(current_user):
        return redirect(url_for("account_security.mfa_setup"))
    return render_template("accounts/mfa.html", form=CodeForm(),
                           left=mfa.recovery_codes_left(current_user),
                           required=mfa.is_required(current_user))


@bp.route("/account/two-factor/setup", methods=["GET", "POST"])
def mfa_setup():
    """Show a new secret (QR code and text); a code from the app turns it on."""
    authorize("account.mfa", current_user)
    if mfa.is_enrolled(current_user):
        return redirect(url_for("account_security.mfa_status"))
    secret = session.get(SETUP_SECRET) or mfa.new_secret()
    session[SETUP_SECRET] = secret
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = mfa.enable(current_user, secret, form.code.data)
        except mfa.MfaError as error:
            form.code.errors.append(str(error))
        else:
            db.session.commit()
            session.pop(SETUP_SECRET, None)
            return render_template("accounts/recovery_codes.html", codes=codes, new=True)
    uri = mfa.provisioning_uri(current_user, secret)
    return render_template("accounts/mfa_setup.html", form=form, secret=secret,
                           qr=mfa.qr_code(uri), required=mfa.must_enrol(current_user))


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
def recovery_codes():
    authorize("account.mfa", current_user)
    if not mfa.is_enrolled(current_user):
        return redirect(url_for("account_security.mfa_setup"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = mfa.regenerate_recovery_codes(current_user, form.code.data)
        except mfa.MfaError as error:
            form.code.errors.append(str(error))
        else:
            db.session.commit()
            return render_template("accounts/recovery_codes.html", codes=codes, new=False)
    return render_template("accounts/mfa.html", form=form,
                           left=mfa.recovery_codes_left(current_user),
                           required=mfa.is_required(current_user)), 400


@bp.route("/account/two-factor/disable", methods=["POST"])
def mfa_disable():
    authorize("account.mfa", current_user)
    if not mfa.is_enrolled(current_user):
        return redirect(url_for("account_security.mfa_setup"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            mfa.disable(current_user, form.code.data)
        except mfa.MfaError as error:
            form.code.errors.append(str(error))
        else:
            db.session.commit()
            flash("Your second factor is off. You sign in with your password alone.", "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/mfa.html", form=form,
                           left=mfa.recovery_codes_left(current_user),
                           required=mfa.is_required(current_user)), 400


@bp.route("/admin/accounts/<int:user_id>/two-factor/reset", methods=["POST"])
def admin_reset_mfa(user_id: int):
    """Remove an account's second factor (a lost phone); its sessions end."""
    user = get_or_404(User, user_id, "accounts.reset_mfa")
    if ConfirmForm().validate_on_submit():
        mfa.reset(user, current_user)
        db.session.commit()
        flash("Second factor removed and every session ended. The account sets up a new "
              "one at its next sign-in.", "success")
    return redirect(url_for("accounts.admin_detail", user_id=user.id))
