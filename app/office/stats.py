"""Statistics of the committee's work, each figure one aggregate query.

Every figure is computed in SQL (GROUP BY, window functions for medians), so the
number of statements a page runs does not depend on the number of cases. The base is
the cases the viewer has as staff (`access.staff_cases`: never a draft, never a case
they are recused from or party to), narrowed by the filters:

- `year`: the cohort of cases filed (submitted) that year; every figure is about it.
- `kind`: complaint, self-report or staff case.

At 100,000 cases the figures take about two seconds, so a viewer's figures for a set of
filters are kept (Flask-Caching) for STATISTICS_CACHE_SECONDS and the page says when
they were counted and offers to count again. The key holds the viewer and a marker of
their recusals, so a new recusal is never counted from a stale figure.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import Select, and_, case, func, literal, or_, select

from app import clock
from app.access import staff_cases
from app.cases.models import OPEN_STATES, Allegation, Case, CaseEvent, CaseKind, DismissalReason, State
from app.catalogue.models import CodeItem
from app.coi.models import Recusal
from app.extensions import cache, db
from app.office import charts
from app.proceedings.models import Decision, Finding, Sanction, SanctionKind
from app.types import UTCDateTime

KINDS = {k.value: t for k, t in ((CaseKind.COMPLAINT, "Complaints"),
                                 (CaseKind.SELF_REPORT, "Self-reports"),
                                 (CaseKind.STAFF, "Staff cases"))}
INTAKE_DISMISSALS = tuple(r.value for r in DismissalReason)
STAGE_ORDER = [s.value for s in State if s in OPEN_STATES]


@dataclass(frozen=True)
class Filters:
    year: int | None = None
    kind: str | None = None

    @classmethod
    def from_args(cls, args) -> Filters:
        year = args.get("year", type=int)
        kind = args.get("kind") or None
        return cls(year=year if year and 1900 < year < 3000 else None,
                   kind=kind if kind in KINDS else None)

    def as_dict(self) -> dict:
        return {k: v for k, v in (("year", self.year), ("kind", self.kind)) if v is not None}


@dataclass
class Statistics:
    filters: Filters
    by_month: list[dict] = field(default_factory=list)  # {"period", "filed", "accepted", "closed"}
    by_year: list[dict] = field(default_factory=list)
    caseload: list[dict] = field(default_factory=list)  # {"status", "count", "median_days", "oldest_days"}
    outcomes: list[dict] = field(default_factory=list)  # {"outcome", "label", "count"}
    standards: list[dict] = field(default_factory=list)  # {"code", "alleged", "violated"}
    sanctions: list[dict] = field(default_factory=list)  # {"kind", "label", "count"}
    durations: dict = field(default_factory=dict)  # name -> median days (None: no case)
    total: int = 0
    counted_at: datetime | None = None
    years: list[int] = field(default_factory=list)  # the years the viewer's cases were filed
    charts: dict = field(default_factory=dict)  # name -> charts.Chart


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def days_between(later, earlier):
    """SQL: the days (with fractions) from `earlier` to `later`, on either database."""
    if _dialect() == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def _now():
    return literal(clock.now(), UTCDateTime())


def base_cases(user, filters: Filters) -> Select:
    """Select the ids of the cases the statistics count, for this viewer and these filters.

    `user` None: every case filed (the annual report, which names no one).
    """
    query = (staff_cases(user) if user is not None else select(Case).where(Case.status != "draft"))
    query = query.where(Case.submitted_at.is_not(None))
    if filters.kind:
        query = query.where(Case.kind == filters.kind)
    if filters.year:
        start = datetime(filters.year, 1, 1, tzinfo=UTC)
        end = datetime(filters.year + 1, 1, 1, tzinfo=UTC)
        query = query.where(Case.submitted_at >= start, Case.submitted_at < end)
    # correlate(None): used inside queries on cases, it must stay a query of its own
    return query.with_only_columns(Case.id).correlate(None)


def medians(values: Select) -> dict:
    """{group: median of value} for a select of (g, v) rows, in one statement.

    PostgreSQL: percentile_cont(0.5) (the mean of the two middle values for an even count);
    SQLite has no such aggregate: rank with window functions and average the middle one or two.
    """
    sub = values.subquery()
    if _dialect() == "postgresql":
        rows = db.session.execute(select(
            sub.c.g, func.percentile_cont(0.5).within_group(sub.c.v)).group_by(sub.c.g)).all()
        return {g: round(float(v), 1) for g, v in rows if v is not None}
    ranked = select(
        sub.c.g, sub.c.v,
        func.row_number().over(partition_by=sub.c.g, order_by=sub.c.v).label("rn"),
        func.count().over(partition_by=sub.c.g).label("n"),
    ).subquery()
    middle = and_(ranked.c.rn * 2 >= ranked.c.n, ranked.c.rn * 2 <= ranked.c.n + 2)
    rows = db.session.execute(
        select(ranked.c.g, func.avg(ranked.c.v)).where(middle).group_by(ranked.c.g)).all()
    return {g: round(float(v), 1) for g, v in rows}


def _series(ids, column, period) -> dict:
    rows = db.session.execute(
        select(period(column).label("p"), func.count())
        .where(Case.id.in_(ids), column.is_not(None)).group_by("p")).all()
    return {(int(p) if not isinstance(p, str) else p): n for p, n in rows}


def _month(column):
    if _dialect() == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _year(column):
    return func.extract("year", column)


def _counts_by_period(ids, period) -> list[dict]:
    filed = _series(ids, Case.submitted_at, period)
    accepted = _series(ids, Case.served_at, period)
    closed = _series(ids, Case.closed_at, period)
    keys = sorted(set(filed) | set(accepted) | set(closed))
    return [{"period": k, "filed": filed.get(k, 0), "accepted": accepted.get(k, 0),
             "closed": closed.get(k, 0)} for k in keys]


def _stage_since():
    """SQL: when the case entered its current status (its last timeline move there, else filing)."""
    entered = (select(func.max(CaseEvent.at)).where(CaseEvent.case_id == Case.id,
                                                     CaseEvent.to_status == Case.status)
               .correlate(Case).scalar_subquery())
    return func.coalesce(entered, Case.submitted_at)


def _caseload(ids) -> list[dict]:
    open_ids = [s.value for s in OPEN_STATES]
    age = days_between(_now(), _stage_since())
    where = (Case.id.in_(ids), Case.status.in_(open_ids))
    counts = dict(db.session.execute(
        select(Case.status, func.count()).where(*where).group_by(Case.status)).all())
    oldest = dict(db.session.execute(
        select(Case.status, func.max(age)).where(*where).group_by(Case.status)).all())
    middle = medians(select(Case.status.label("g"), age.label("v")).where(*where))
    return [{"status": s, "title": State(s).title, "count": counts[s],
             "median_days": middle.get(s), "oldest_days": int(float(oldest[s]))}
            for s in STAGE_ORDER if s in counts]


OUTCOME_LABELS = {
    "intake_dismissed": "Dismissed at intake",
    "abandoned": "Closed: information not provided",
    "withdrawn": "Withdrawn",
    "review_dismissed": "Dismissed at review",
    "review_caution": "Dismissed with a cautionary letter",
    "review_consent": "Consent agreement",
    "hearing_violation": "Hearing: violation found",
    "hearing_no_violation": "Hearing: no violation",
    "appeal_affirm": "Appeal: affirmed",
    "appeal_modify": "Appeal: sanction modified",
    "appeal_reverse": "Appeal: reversed",
    "appeal_remand": "Appeal: sent back",
}


def _outcomes(ids) -> list[dict]:
    counts: dict[str, int] = {}
    intake = db.session.execute(
        select(case((Case.outcome_reason.in_(INTAKE_DISMISSALS), "intake_dismissed"),
                    else_=Case.status).label("o"), func.count())
        .where(Case.id.in_(ids), or_(Case.outcome_reason.in_(INTAKE_DISMISSALS),
                                     Case.status.in_(["abandoned", "withdrawn"])))
        .group_by("o")).all()
    counts.update(intake)
    decided = db.session.execute(
        select(Decision.stage, Decision.outcome, func.count())
        .where(Decision.case_id.in_(ids), Decision.outcome != "hearing")
        .group_by(Decision.stage, Decision.outcome)).all()
    for stage, outcome, n in decided:
        counts[f"{stage}_{outcome}"] = counts.get(f"{stage}_{outcome}", 0) + n
    return [{"outcome": k, "label": OUTCOME_LABELS.get(k, k.replace("_", " ").capitalize()),
             "count": counts[k]} for k in OUTCOME_LABELS | counts if k in counts]


def _standards(ids) -> list[dict]:
    alleged = (select(CodeItem.code, func.count(Allegation.id))
               .join(Allegation, Allegation.code_item_id == CodeItem.id)
               .where(Allegation.case_id.in_(ids), Allegation.proposed.is_(False))
               .group_by(CodeItem.code))
    violated = (select(CodeItem.code, func.count(func.distinct(Finding.allegation_id)))
                .join(Allegation, Allegation.code_item_id == CodeItem.id)
                .join(Finding, Finding.allegation_id == Allegation.id)
                .where(Allegation.case_id.in_(ids), Finding.violated.is_(True))
                .group_by(CodeItem.code))
    a = dict(db.session.execute(alleged).all())
    v = dict(db.session.execute(violated).all())
    return [{"code": c, "alleged": a.get(c, 0), "violated": v.get(c, 0)}
            for c in sorted(set(a) | set(v), key=_code_order)]


def _code_order(code: str):
    return (code[:1] != "S", code[:1], int(code[1:]) if code[1:].isdigit() else 0, code)


def _sanctions(ids) -> list[dict]:
    rows = dict(db.session.execute(
        select(Sanction.kind, func.count()).join(Decision, Sanction.decision_id == Decision.id)
        .where(Decision.case_id.in_(ids)).group_by(Sanction.kind)).all())
    return [{"kind": k.value, "label": k.title, "count": rows[k.value]}
            for k in SanctionKind if k.value in rows]


def _durations(ids) -> dict:
    intake_at = func.coalesce(Case.served_at, case(
        (Case.outcome_reason.in_(INTAKE_DISMISSALS), Case.closed_at)))
    first = (select(Decision.case_id.label("case_id"), func.min(Decision.decided_at).label("decided"),
                    func.min(Decision.final_at).label("final"))
             .where(Decision.case_id.in_(ids), Decision.outcome != "hearing")
             .group_by(Decision.case_id).subquery())
    out = {}
    for name, end in (("intake", intake_at), ("decision", first.c.decided), ("final", first.c.final)):
        query = select(literal("all").label("g"), days_between(end, Case.submitted_at).label("v"))
        if name == "intake":
            query = query.where(Case.id.in_(ids), end.is_not(None))
        else:
            query = query.join(first, first.c.case_id == Case.id).where(end.is_not(None))
        out[name] = medians(query).get("all")
    return out


def compute(user, filters: Filters) -> Statistics:
    """Every figure of the statistics page for this viewer and these filters."""
    ids = base_cases(user, filters)
    stats = Statistics(filters=filters)
    stats.total = db.session.execute(
        select(func.count()).select_from(ids.subquery())).scalar_one()
    stats.by_month = _counts_by_period(ids, _month)
    stats.by_year = _counts_by_period(ids, _year)
    stats.caseload = _caseload(ids)
    stats.outcomes = _outcomes(ids)
    stats.standards = _standards(ids)
    stats.sanctions = _sanctions(ids)
    stats.durations = _durations(ids)
    stats.counted_at = clock.now()
    return stats


def kept(user, filters: Filters, *, fresh: bool = False) -> Statistics:
    """The viewer's figures, counted at most once every STATISTICS_CACHE_SECONDS
    (`fresh`: count now)."""
    recusals = db.session.execute(select(func.count(), func.max(Recusal.id))
                                  .where(Recusal.member_id == user.id)).one()
    key = (f"office:statistics:{user.id}:{filters.year}:{filters.kind}:"
           f"{recusals[0]}:{recusals[1]}")
    figures = None if fresh else cache.get(key)
    if figures is None:
        figures = compute(user, filters)
        figures.years = years_available(user)  # (a walk over every case: kept with the rest)
        figures.charts = charts.for_statistics(figures)
        cache.set(key, figures, timeout=current_app.config["STATISTICS_CACHE_SECONDS"])
    return figures


def years_available(user) -> list[int]:
    """The years in which the viewer's cases were filed, newest first (for the filter)."""
    ids = base_cases(user, Filters())
    rows = db.session.execute(
        select(func.distinct(_year(Case.submitted_at))).where(Case.id.in_(ids))).scalars()
    return sorted((int(y) for y in rows if y is not None), reverse=True)
