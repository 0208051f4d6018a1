"""The office's pages: statistics, CSV exports, intake flags, the annual report, the
research extract, calendar links."""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from app import clock
from app.audit.services import record
from app.documents import services as documents
from app.documents.models import Document
from app.extensions import db
from app.forms import ConfirmForm
from app.office import calendar, exports, flags, research, stats
from app.office.forms import AnnualReportForm, ConsideredForm
from app.office.report import AnnualReport
from app.policy import authorize, load_case
from app.storage import store

bp = Blueprint("office", __name__, url_prefix="/office")


@bp.route("/statistics")
def statistics():
    authorize("office.statistics")
    filters = stats.Filters.from_args(request.args)
    figures = stats.kept(current_user, filters, fresh=request.args.get("fresh") == "1")
    return render_template("office/statistics.html", s=figures, charts=figures.charts,
                           years=figures.years, kinds=stats.KINDS,
                           filters=filters)


@bp.route("/export/<name>.csv")
def export(name: str):
    """Download a staff list as CSV with the page's filters (audited, streamed)."""
    spec = exports.EXPORTS.get(name)
    if spec is None:
        abort(404)
    authorize(spec.permission)
    query, _rows = exports.start(spec, current_user, request.args)
    db.session.commit()
    response = Response(stream_with_context(exports.stream(spec, query)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{exports.filename(spec)}"'
    return response


@bp.route("/cases/<number>/flags/considered", methods=["POST"])
def flags_considered(number: str):
    """The chair records that the intake flags were considered, and why."""
    case = load_case(number)  # 404 for whoever may not see the case at all
    authorize("case.intake_flags", case)
    form = ConsideredForm()
    if not form.validate_on_submit():
        return render_template("office/considered.html", case=case, form=form,
                               section=flags.section(case, current_user)), 400
    flags.record_considered(case, current_user, form.reason.data)
    db.session.commit()
    flash("Recorded: the flags were considered.", "success")
    return redirect(url_for("proceedings.detail", number=case.number) + "#intake-flags")


def _reports() -> list[Document]:
    return list(db.session.execute(select(Document).where(
        Document.case_id.is_(None), Document.kind == "annual_report")
        .order_by(Document.number.desc())).scalars())


@bp.route("/annual-report", methods=["GET", "POST"])
def annual_report():
    """The issued annual reports; administrators issue the year's."""
    authorize("office.statistics")
    form = AnnualReportForm()
    if request.method == "POST":
        authorize("office.annual_report")
        if form.validate_on_submit():
            try:
                document = documents.issue_report(AnnualReport(form.year.data), current_user)
            except documents.DocumentError as error:
                form.year.errors.append(str(error))
            else:
                db.session.commit()
                flash(f"Issued {document.title} {document.number}.", "success")
                return redirect(url_for("office.annual_report"))
    if request.method == "GET":
        form.year.data = clock.today().year - 1
    return render_template("office/annual_report.html", form=form, reports=_reports()), \
        (400 if form.errors else 200)


@bp.route("/annual-report/<number>.pdf")
def annual_report_pdf(number: str):
    authorize("office.statistics")
    document = documents.by_number(number)
    if document is None or document.case_id is not None or document.kind != "annual_report":
        abort(404)
    return send_file(store("documents").open(document.stored_name), mimetype="application/pdf",
                     as_attachment=True, download_name=f"{document.number}.pdf")


@bp.route("/research")
def research_page():
    """The research extract's data dictionary, and its download."""
    authorize("office.research")
    return render_template("office/research.html", dictionary=research.DICTIONARY,
                           quasi=research.QUASI)


@bp.route("/research/extract.csv")
def research_extract():
    """Download the de-identified extract (audited: rows, left out, k, SHA-256)."""
    authorize("office.research")
    data, summary = research.extract()
    record("office.research_extract", actor=current_user, target_type="list",
           target_id="research", **summary)
    db.session.commit()
    response = Response(data, mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="research-extract.csv"'
    response.headers["X-Extract-SHA256"] = summary["sha256"]
    return response


@bp.route("/calendar", methods=["GET", "POST"])
def calendar_link():
    """A member's calendar link: make a new one (shown once) or revoke it."""
    authorize("office.calendar")
    form = ConfirmForm()
    url = None
    if form.validate_on_submit():
        if request.form.get("revoke"):
            calendar.revoke(current_user)
            flash("The calendar link no longer works.", "success")
            db.session.commit()
            return redirect(url_for("office.calendar_link"))
        token = calendar.new_link(current_user)
        db.session.commit()
        url = url_for("office.calendar_feed", token=token, _external=True)
    return render_template("office/calendar.html", form=form, url=url,
                           feed=calendar.active_feed(current_user))


@bp.route("/calendar/<token>.ics")
def calendar_feed(token: str):
    """The feed itself, for a calendar app (public: the secret link is the key)."""
    user = calendar.owner_of(token)
    if user is None:
        abort(404)
    response = Response(calendar.ics_for(user), mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, no-store"
    return response
