"""Home pages by role, and the health check."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from flask_login import current_user
from sqlalchemy import func, select, text

from app.extensions import db
from app.policy import authorize, can

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    """Send each person to the home page of their highest role."""
    from app.notifications.models import OutboxMessage, OutboxStatus
    from app.registry.services import pending_link_requests

    if can(current_user, "home.admin"):
        authorize("home.admin")
        pending_mail = db.session.execute(
            select(func.count()).select_from(OutboxMessage)
            .where(OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.FAILED]))
        ).scalar_one()
        return render_template("main/home_admin.html", pending_mail=pending_mail,
                               link_requests=len(pending_link_requests()))
    if can(current_user, "home.committee"):
        authorize("home.committee")
        return render_template("main/home_committee.html")
    authorize("account.profile", current_user)
    return render_template("main/home_certificant.html")


@bp.route("/healthz")
def healthz():
    """Report the app's and the database's state as JSON (public)."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception as error:  # report, never raise, from a health check
        current_app.logger.warning("health check: database unavailable: %s", error)
        db.session.rollback()
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return jsonify(app="ok", database=database), status
