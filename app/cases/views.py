"""Case lists and evidence downloads. (Filing and the case page are the proceeding's.)"""
from __future__ import annotations

from flask import Blueprint, render_template, request, send_file
from flask_login import current_user
from sqlalchemy.orm import joinedload

from app import clock
from app.access import (
    awaiting_cases,
    cleared_cases,
    is_committee,
    party_cases,
    party_role,
    represented_cases,
    respondent_cases,
)
from app.audit.services import record
from app.cases import services
from app.cases.filters import filter_cases
from app.cases.listing import as_awaited, as_case_rows, awaiting_rows, case_rows
from app.cases.models import Case, Evidence, EvidenceAccess, State
from app.cases.search import find_cases
from app.cases.uploads import stored_path
from app.extensions import db
from app.paging import paginate
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

AWAITING_SHOWN = 20  # cases awaiting a declaration listed by number; the rest counted
SORTS = {  # ?sort= → ORDER BY (the id breaks ties, so pages never overlap)
    "newest": (Case.submitted_at.desc(), Case.id.desc()),
    "oldest": (Case.submitted_at.asc(), Case.id.asc()),
    "number": (Case.number.asc(),),
    "status": (Case.status.asc(), Case.submitted_at.desc(), Case.id.desc()),
}


@bp.route("/my/complaints")
def my_complaints():
    authorize("cases.mine")
    cases = paginate(
        party_cases(current_user).where(Case.complainant_id == current_user.id)
        .options(joinedload(Case.respondent_certificant))
        .order_by(Case.created_at.desc(), Case.id.desc()))
    return render_template("cases/mine.html", cases=cases, heading="My complaints",
                           filer=True, State=State)


@bp.route("/my/matters")
def my_matters():
    authorize("cases.mine")
    cases = paginate(respondent_cases(current_user).order_by(Case.created_at.desc(),
                                                             Case.id.desc()))
    return render_template("cases/mine.html", cases=cases, heading="Matters concerning me",
                           filer=False, State=State)


@bp.route("/my/representing")
def my_representing():
    authorize("cases.mine")
    cases = paginate(represented_cases(current_user).order_by(Case.created_at.desc(),
                                                              Case.id.desc()))
    return render_template("cases/mine.html", cases=cases,
                           heading="Cases where you represent a party", filer=False, State=State)


def _awaiting():
    """Cases the viewer must declare on, newest first: the first few by number, and a
    (capped) count of them all, in one statement and as plain rows. None for staff outside
    the committee, who never declare (the list would be empty: it is not asked for)."""
    if not is_committee(current_user):
        return None
    return as_awaited(paginate(
        awaiting_rows(awaiting_cases(current_user))
        .order_by(Case.submitted_at.desc(), Case.id.desc()),
        per_page=AWAITING_SHOWN, page=1, scalars=False, count_in_page=True))


@bp.route("/cases")
def case_list():
    authorize("cases.list")
    # Filters read the content of a case: they run over the cases open to the viewer;
    # those awaiting a declaration are listed apart, by number only.
    query = filter_cases(cleared_cases(current_user), request.args)
    args = request.args
    words = args.get("q", "").strip()[:200]
    sort = args.get("sort", "")
    if words:
        query, best_first = find_cases(query, words)
        order = SORTS[sort] if sort in SORTS else best_first
    else:
        order = SORTS.get(sort, SORTS["newest"])
    # a search gathers and ranks every case it finds before the page: it counts them in that
    # statement (sharing the gathered hits)
    cases = as_case_rows(paginate(case_rows(query).order_by(*order), scalars=False,
                                  count_in_page=bool(words)))
    return render_template("cases/list.html", cases=cases, args=args, State=State,
                           now=clock.now(), awaiting=_awaiting(), sorts=SORTS, sort=sort,
                           words=words)


@bp.route("/cases/intake")
def intake_queue():
    authorize("cases.intake_queue")
    cases = as_case_rows(paginate(
        case_rows(cleared_cases(current_user).where(Case.status == "submitted"))
        .order_by(Case.submitted_at.asc(), Case.id.asc()), scalars=False))
    return render_template("cases/intake.html", cases=cases, now=clock.now(),
                           awaiting=_awaiting())
