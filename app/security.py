"""Deny by default, session loading, and security headers."""
from __future__ import annotations

from flask import Flask, redirect, request, url_for
from flask_login import current_user

from app.accounts import mfa, sessions
from app.accounts.throttle import init_throttle
from app.extensions import login_manager
from app.hostile_input import init_hostile_input

# The only endpoints that answer without a sign-in.
PUBLIC_ENDPOINTS = frozenset({
    "static",
    "main.healthz",
    "main.accessibility",  # the accessibility statement
    "accounts.login",
    "accounts.register",
    "accounts.verify_email",
    "accounts.forgot_password",
    "accounts.reset_password",
    "practice_disclosures.answer",  # an affected party, by personal link
    "messages.witness",  # a witness without an account, by personal link
    "office.calendar_feed",  # a member's calendar app, by secret link
    "documents.verify_start",
    "documents.verify",
    "proceedings.public_register",
    "proceedings.public_register_json",
    "accounts.second_factor",  # the password is proved; the code is still to come
})

# What a signed-in person whose role requires a second factor reaches before enrolling.
ENROLMENT_ENDPOINTS = frozenset({"account_security.mfa_setup", "accounts.logout"})

# No page of ours needs the browser's sensors, camera, microphone, location or payments.
PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), "
                      "magnetometer=(), microphone=(), payment=(), usb=(), browsing-topics=()")

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


@login_manager.user_loader
def load_user(session_id: str):
    """The cookie names a server-side session; a revoked or expired one signs nobody in."""
    return sessions.resume(session_id)


def init_security(app: Flask) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    init_hostile_input(app)
    init_throttle(app)

    @app.before_request
    def require_login():
        # Load the session first, while the request has changed nothing: resume() commits.
        signed_in = current_user.is_authenticated
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
            return None
        if not signed_in:
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        if request.endpoint not in ENROLMENT_ENDPOINTS and mfa.must_enrol(current_user):
            return redirect(url_for("account_security.mfa_setup"))
        return None

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers["Permissions-Policy"] = PERMISSIONS_POLICY
        if app.config["HSTS_SECONDS"]:
            response.headers["Strict-Transport-Security"] = (
                f"max-age={app.config['HSTS_SECONDS']}; includeSubDomains")
        # Nothing shown to a signed-in person, and no file handed out, is kept in a cache.
        # (is_anonymous reads no column: a view that committed expired the person, and
        # is_authenticated would load them and their roles again just for this header)
        if not current_user.is_anonymous or "Content-Disposition" in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response
