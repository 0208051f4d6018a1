"""Sign-in, registration, passwords, profile, and account administration."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import or_, select

from app import clock
from app.accounts import mfa, services, throttle
from app.accounts.forms import (
    ChangePasswordForm,
    CodeForm,
    EmailOnlyForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    RolesForm,
)
from app.accounts.models import Role, User
from app.accounts.tokens import TokenError
from app.extensions import db
from app.forms import ConfirmForm
from app.paging import paginate
from app.policy import authorize, get_or_404
from app.registry.forms import LinkRequestForm
from app.registry.services import pending_link_request
from app.search import escape_like

bp = Blueprint("accounts", __name__)

GENERIC_LOGIN_ERROR = "That email and password do not match an account."


def safe_next(target: str | None) -> str | None:
    """Return `target` if it is a local path, else None."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return None
    return target


PENDING = "mfa_pending"  # a password proved, the second factor not yet
PENDING_SECONDS = 5 * 60
TOO_MANY_SIGN_INS = ("Too many failed sign-in attempts from your network. Wait a few minutes "
                     "before trying again, or reset your password.")
TOO_MANY_MAILS = ("Too many messages have been asked for, for this address or from your "
                  "network. Wait an hour, then try again.")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        email = form.email.data
        if throttle.login_refused(email):
            form.password.errors.append(TOO_MANY_SIGN_INS)
            return render_template("accounts/login.html", form=form), 429
        throttle.wait_before_attempt(email)
        user = services.authenticate(email, form.password.data)
        if user is None:
            throttle.login_failed(email)
            db.session.commit()
            form.password.errors.append(GENERIC_LOGIN_ERROR)
        elif not user.active:
            throttle.login_failed(email)
            db.session.commit()
            form.password.errors.append("This account has been deactivated. "
                                        "Contact the committee's staff.")
        elif not user.is_verified:
            if throttle.mail_allowed(user.email):
                services.send_verification(user)
                flash("Confirm your email address first. We have sent you a new link.",
                      "warning")
            else:
                flash("Confirm your email address first, with the link we sent you.", "warning")
            db.session.commit()
        elif mfa.is_enrolled(user):
            db.session.commit()  # a rehashed password
            session.clear()  # the password is right: the second factor is still to come
            session[PENDING] = {"uid": user.id, "at": clock.now().timestamp(),
                                "next": safe_next(form.next.data)}
            return redirect(url_for("accounts.second_factor"))
        else:
            return _finish_sign_in(user, safe_next(form.next.data))
        status = 401 if form.errors else 200
    return render_template("accounts/login.html", form=form), status


def _finish_sign_in(user: User, next_url: str | None, **how):
    session.clear()  # a fresh session: nothing carried over from before
    services.sign_in(user, **how)
    db.session.commit()
    login_user(user)
    return redirect(next_url or url_for("main.home"))


def _pending_user() -> User | None:
    """Who proved their password in this browser in the last few minutes, if anyone."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    if clock.now().timestamp() - float(pending.get("at", 0)) > PENDING_SECONDS:
        session.pop(PENDING, None)
        return None
    user = db.session.get(User, pending.get("uid"))
    return user if user is not None and user.active and mfa.is_enrolled(user) else None


@bp.route("/login/code", methods=["GET", "POST"])
def second_factor():
    """The second step of signing in: a code from the app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    user = _pending_user()
    if user is None:
        flash("Sign in with your email and password first.", "info")
        return redirect(url_for("accounts.login"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        if throttle.login_refused(user.email):
            form.code.errors.append(TOO_MANY_SIGN_INS)
            return render_template("accounts/second_factor.html", form=form), 429
        throttle.wait_before_attempt(user.email)
        try:
            method = mfa.check_code(user, form.code.data)
        except mfa.MfaError as error:
            throttle.login_failed(user.email)
            services.second_factor_failed(user)
            db.session.commit()
            form.code.errors.append(str(error))
            status = 401
        else:
            return _finish_sign_in(user, session[PENDING].get("next"), second_factor=method)
    return render_template("accounts/second_factor.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    form = ConfirmForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        services.sign_out(current_user)
        db.session.commit()
        logout_user()
        session.clear()
        flash("You are signed out.", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        if not throttle.mail_allowed(form.email.data):
            form.email.errors.append(TOO_MANY_MAILS)
            return render_template("accounts/register.html", form=form), 429
        try:
            services.register(form.email.data, form.name.data, form.password.data)
        except services.AccountError as error:
            form.password.errors.append(str(error))
        else:
            db.session.commit()
            return render_template("accounts/check_email.html", email=form.email.data)
    return render_template("accounts/register.html", form=form)


@bp.route("/verify-email/<token>")
def verify_email(token: str):
    try:
        services.verify_email(token)
    except TokenError as error:
        return render_template("accounts/bad_link.html", message=str(error)), 400
    db.session.commit()
    flash("Your email address is confirmed. You can sign in now.", "success")
    return redirect(url_for("accounts.login"))


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        if not throttle.mail_allowed(form.email.data):
            form.email.errors.append(TOO_MANY_MAILS)
            return render_template("accounts/forgot_password.html", form=form), 429
        services.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("accounts/check_email.html", email=form.email.data, reset=True)
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        services.user_for_reset_token(token)
    except TokenError as error:
        return render_template("accounts/bad_link.html", message=str(error)), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except services.AccountError as error:
            form.password.errors.append(str(error))
        else:
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            session.clear()
            flash("Your password is set. Sign in with it now.", "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    authorize("account.profile", current_user)
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(current_user, form.name.data)
        db.session.commit()
        flash("Your profile is saved.", "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form, link_form=LinkRequestForm(),
                           pending_link=pending_link_request(current_user))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    authorize("account.change_password", current_user)
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.password.data)
        except services.AccountError as error:
            field = form.current if "current" in str(error) else form.password
            field.errors.append(str(error))
        else:
            db.session.commit()
            flash("Your password is changed. Other sessions have been signed out.", "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form)


# --- administration -------------------------------------------------------

@bp.route("/admin/accounts")
@login_required
def admin_list():
    authorize("accounts.list")
    q = request.args.get("q", "").strip()
    query = select(User).order_by(User.name)
    if q:
        like = f"%{escape_like(q.lower())}%"
        query = query.where(or_(User.email.ilike(like, escape="\\"),
                                User.name.ilike(like, escape="\\")))
    users = paginate(query.order_by(User.id))
    return render_template("accounts/admin_list.html", users=users, q=q)


def _roles_key(user: User) -> str:
    return ",".join(sorted(user.role_names))


@bp.route("/admin/accounts/<int:user_id>", methods=["GET", "POST"])
@login_required
def admin_detail(user_id: int):
    user = get_or_404(User, user_id, "accounts.list")
    form = RolesForm(data={r.value: user.has_role(r) for r in Role} | {"seen": _roles_key(user)})
    if form.validate_on_submit():
        authorize("accounts.edit_roles", user)
        if form.seen.data != _roles_key(user):
            flash("Someone else changed this account's roles while you were editing. "
                  "Nothing was saved; review the current roles and try again.", "error")
            return redirect(url_for("accounts.admin_detail", user_id=user.id))
        wanted = {r.value for r in Role if getattr(form, r.value).data}
        recused = services.set_roles(user, wanted, current_user)
        db.session.commit()
        flash("Roles saved." + (f" Recused at once from {recused} open case(s) to which "
                                "they are a party." if recused else ""), "success")
        return redirect(url_for("accounts.admin_detail", user_id=user.id))
    return render_template("accounts/admin_detail.html", user=user, form=form,
                           confirm=ConfirmForm(), roles=list(Role))


@bp.route("/admin/accounts/<int:user_id>/active", methods=["POST"])
@login_required
def admin_set_active(user_id: int):
    user = get_or_404(User, user_id, "accounts.list")
    activate = request.form.get("active") == "1"
    authorize("accounts.reactivate" if activate else "accounts.deactivate", user)
    if ConfirmForm().validate_on_submit():
        services.set_active(user, activate, current_user)
        db.session.commit()
        flash("Account reactivated." if activate else
              "Account deactivated; its sessions have ended.", "success")
    return redirect(url_for("accounts.admin_detail", user_id=user.id))
