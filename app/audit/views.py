"""Browse and filter the audit log (administrators)."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from app.audit.search import filtered_entries
from app.extensions import db
from app.policy import authorize

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
PAGE_SIZE = 50


@bp.route("/")
def index():
    authorize("audit.view")
    args = request.args
    query = filtered_entries(args)
    page = max(1, args.get("page", 1, type=int))
    entries = db.session.execute(
        query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).scalars().all()
    return render_template("audit/index.html", entries=entries[:PAGE_SIZE], page=page,
                           has_more=len(entries) > PAGE_SIZE, args=args)
