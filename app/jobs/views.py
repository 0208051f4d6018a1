"""Long jobs for administrators: start one, then watch its progress on its page."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from app.extensions import db
from app.jobs import services
from app.jobs.engine import enqueue
from app.jobs.forms import BulkIssueForm, StartForm
from app.jobs.models import Job
from app.jobs.tasks import issue_documents, resend_failed
from app.notifications.services import failed_messages
from app.policy import authorize, get_or_404
from app.proceedings.documents import DOCUMENT_TYPES

bp = Blueprint("jobs", __name__, url_prefix="/admin/jobs")


@bp.route("/")
def index():
    authorize("jobs.view")
    jobs = db.session.execute(select(Job).order_by(Job.id.desc()).limit(50)).scalars().all()
    return render_template("jobs/index.html", jobs=jobs, resend=StartForm(),
                           failed=len(failed_messages()))


@bp.route("/<int:job_id>")
def detail(job_id: int):
    job = get_or_404(Job, job_id, "jobs.view")
    return render_template("jobs/detail.html", job=job)


@bp.route("/resend-failed", methods=["POST"])
def resend():
    authorize("jobs.start")
    form = StartForm()
    ids = failed_messages()
    if not form.validate_on_submit() or not ids:
        flash("No message is waiting to be sent again." if not ids else
              "The form expired; try again.", "info")
        return redirect(url_for("jobs.index"))
    job = services.start("resend_failed", f"Send {len(ids)} failed message(s) again",
                         current_user, ids)
    db.session.commit()
    enqueue(resend_failed, job.id)
    return redirect(url_for("jobs.detail", job_id=job.id))


@bp.route("/issue", methods=["GET", "POST"])
def bulk_issue():
    authorize("jobs.start")
    form = BulkIssueForm()
    form.kind.choices = [SelectChoice("", "Choose…")] + [
        SelectChoice(k, t.title) for k, t in DOCUMENT_TYPES.items()]
    kind = form.kind.data if request.method == "POST" else request.args.get("kind", "")
    candidates = services.issue_candidates(kind, current_user) if kind in DOCUMENT_TYPES else []
    if request.method == "GET":
        form.kind.data = kind
    elif form.validate_on_submit():
        if not candidates:
            form.kind.errors.append("No case is waiting for this document.")
        else:
            title = DOCUMENT_TYPES[kind].title
            job = services.start("issue_documents", f"Issue {title.lower()} on "
                                 f"{len(candidates)} case(s)", current_user,
                                 [c.id for c in candidates], kind=kind)
            db.session.commit()
            enqueue(issue_documents, job.id)
            return redirect(url_for("jobs.detail", job_id=job.id))
    return render_template("jobs/bulk_issue.html", form=form, kind=kind,
                           candidates=candidates, limit=services.BULK_ISSUE_LIMIT), \
        (422 if form.errors else 200)
