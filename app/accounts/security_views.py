"""One's own sessions and second factor; an administrator's resets of another account's."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user
from sqlalchemy import select

from app.accounts import sessions
from app.accounts.forms import ConfirmForm
from app.accounts.models import User, UserSession
from app.extensions import db
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
