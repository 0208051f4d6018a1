"""Home pages by role, and the health check."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from flask_login import current_user
from sqlalchemy import func, select, text

from app.access import awaiting_cases, cleared_cases, is_respondent, party_cases
from app.cases.models import OPEN_STATES, Case, State
from app.extensions import db
from app.jobs.engine import broker_state
from app.messages.services import waiting_for
from app.notifications.models import OutboxMessage, OutboxStatus
from app.notifications.services import backlog
from app.office import due
from app.policy import authorize, can
from app.registry.services import pending_link_requests

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    """Send each person to the home page of their highest role."""
    if can(current_user, "home.admin"):
        authorize("home.admin")
        pending_mail = db.session.execute(
            select(func.count()).select_from(OutboxMessage)
            .where(OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.FAILED]))
        ).scalar_one()
        return render_template("main/home_admin.html", pending_mail=pending_mail,
                               link_requests=len(pending_link_requests()),
                               waiting=waiting_for(current_user), **_due())
    if can(current_user, "home.committee"):
        authorize("home.committee")
        # counts by status read the cases' content: only those open to the member;
        # cases awaiting their declaration are counted apart
        counts = _status_counts(cleared_cases(current_user))
        awaiting = db.session.execute(
            select(func.count()).select_from(awaiting_cases(current_user).subquery())
        ).scalar_one()
        return render_template("main/home_committee.html", counts=counts, State=State,
                               open_states=[s for s in State if s in OPEN_STATES],
                               awaiting=awaiting, waiting=waiting_for(current_user), **_due())
    authorize("account.profile", current_user)
    mine = db.session.execute(party_cases(current_user).order_by(Case.created_at.desc())).scalars().all()
    complaints = [c for c in mine if c.complainant_id == current_user.id]
    matters = [c for c in mine if c.status != "draft" and is_respondent(current_user, c)
               and (c.served_at is not None or c.kind == "self_report")]
    return render_template("main/home_certificant.html", complaints=complaints,
                           matters=matters, State=State)


def _due() -> dict:
    """The person's own items, and the whole committee's for those who run the office."""
    committee = due.for_committee(current_user) if can(current_user, "office.statistics") else None
    return {"due_items": due.for_person(current_user), "committee_due": committee}


def _status_counts(query) -> dict[str, int]:
    sub = query.subquery()
    return dict(db.session.execute(
        select(sub.c.status, func.count()).group_by(sub.c.status)).all())


@bp.route("/accessibility")
def accessibility():
    """The accessibility statement (public): the standard aimed at, what was tested, the
    known exceptions, and how to ask for another format or an adjustment."""
    return render_template("main/accessibility.html",
                           adjustment_days=current_app.config["ADJUSTMENT_DAYS"])


@bp.route("/healthz")
def healthz():
    """Report the app's, the database's and the broker's state, and the mail backlog (public)."""
    outbox = None
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
        outbox = backlog()
    except Exception as error:  # report, never raise, from a health check
        current_app.logger.warning("health check: database unavailable: %s", error)
        db.session.rollback()
        database = "unavailable"
    broker = broker_state()
    status = 200 if database == "ok" and broker != "unavailable" else 503
    return jsonify(app="ok", database=database, broker=broker, outbox=outbox), status
