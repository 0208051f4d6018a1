"""Case lists and evidence downloads. (Filing and the case page are the proceeding's.)"""
from __future__ import annotations

from flask import Blueprint, render_template, request, send_file
from flask_login import current_user

from app import clock
from app.access import awaiting_cases, cleared_cases, party_cases, party_role, respondent_cases
from app.audit.services import record
from app.cases import services
from app.cases.filters import filter_cases
from app.cases.models import Case, Evidence, EvidenceAccess, State
from app.cases.uploads import stored_path
from app.extensions import db
from app.policy import authorize, get_or_404
from app.storage import store

bp = Blueprint("cases", __name__)


# --- evidence -----------------------------------------------------------------------------

@bp.route("/evidence/<int:evidence_id>")
def download(evidence_id: int):
    evidence = get_or_404(Evidence, evidence_id, "evidence.download")
    case = evidence.case
    if party_role(current_user, case) == "respondent" and evidence.uploaded_by_id != current_user.id:
        services.disclose(case, "evidence", evidence.id, evidence.original_name,
                          how="downloaded", recipient_user=current_user, by=current_user)
    record("case.evidence_downloaded", actor=current_user, target=case, evidence_id=evidence.id,
           number=case.number)
    evidence.accesses.append(EvidenceAccess(user_id=current_user.id, at=clock.now(),
                                            how="download"))
    db.session.commit()
    stored_path(evidence.stored_name)  # refuses a name that is not one of ours
    response = send_file(store("evidence").open(evidence.stored_name), mimetype=evidence.mime,
                         as_attachment=True, download_name=evidence.original_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- lists -----------------------------------------------------------------------------

@bp.route("/my/complaints")
def my_complaints():
    authorize("cases.mine")
    cases = db.session.execute(
        party_cases(current_user).where(Case.complainant_id == current_user.id)
        .order_by(Case.created_at.desc())).scalars().all()
    return render_template("cases/mine.html", cases=cases, heading="My complaints",
                           filer=True, State=State)


@bp.route("/my/matters")
def my_matters():
    authorize("cases.mine")
    cases = db.session.execute(
        respondent_cases(current_user).order_by(Case.created_at.desc())).scalars().all()
    return render_template("cases/mine.html", cases=cases, heading="Matters concerning me",
                           filer=False, State=State)


def _awaiting() -> list[Case]:
    """Cases the viewer must declare on: listed by number only."""
    return db.session.execute(
        awaiting_cases(current_user).order_by(Case.submitted_at.desc())).scalars().all()


@bp.route("/cases")
def case_list():
    authorize("cases.list")
    # Filters read the content of a case: they run over the cases open to the viewer;
    # those awaiting a declaration are listed apart, by number only.
    query = filter_cases(cleared_cases(current_user), request.args)
    args = request.args
    cases = db.session.execute(query.order_by(Case.submitted_at.desc()).limit(500)).scalars().all()
    return render_template("cases/list.html", cases=cases, args=args, State=State,
                           now=clock.now(), awaiting=_awaiting())


@bp.route("/cases/intake")
def intake_queue():
    authorize("cases.intake_queue")
    cases = db.session.execute(
        cleared_cases(current_user).where(Case.status == "submitted")
        .order_by(Case.submitted_at.asc())).scalars().all()
    return render_template("cases/intake.html", cases=cases, now=clock.now(),
                           awaiting=_awaiting())

