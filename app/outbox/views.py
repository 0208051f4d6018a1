"""The outbox, for administrators."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from app.audit.services import record
from app.extensions import db
from app.notifications.models import OutboxMessage, OutboxStatus
from app.paging import paginate
from app.policy import authorize, get_or_404

bp = Blueprint("outbox", __name__, url_prefix="/admin/outbox")
COUNTED = (OutboxStatus.PENDING.value, OutboxStatus.FAILED.value)


@bp.route("/")
def index():
    authorize("outbox.view")
    status = request.args.get("status", "")
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status in {s.value for s in OutboxStatus}:
        query = query.where(OutboxMessage.status == status)
    # what waits or failed is counted (few rows, the status index); what was sent is the
    # bulk of the table and is paged through, not counted
    counts = dict(db.session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.status.in_(COUNTED)).group_by(OutboxMessage.status)).all())
    messages = paginate(query)
    return render_template("notifications/index.html", messages=messages, counts=counts,
                           status=status, statuses=list(OutboxStatus))


@bp.route("/<int:message_id>")
def detail(message_id: int):
    message = get_or_404(OutboxMessage, message_id, "outbox.view")
    # a message's body can hold case text: reading it is recorded like reading the case
    record("outbox.message_viewed", actor=current_user, target=message,
           subject=message.subject)
    db.session.commit()
    return render_template("notifications/detail.html", message=message)
