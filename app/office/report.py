"""The annual report: the year's figures as an issued document (numbered AR-<year>).

It is built from the same aggregate queries as the statistics page, over every case
filed that year (no viewer's recusals apply: it names no case and no person). Small
cells are suppressed: a count between 1 and RESEARCH_MIN_CELL - 1 reads "fewer than
k", and a median over fewer than k cases is not given. Charts are drawn from the
suppressed figures only.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from app.office import charts, stats


def min_cell() -> int:
    return int(current_app.config.get("RESEARCH_MIN_CELL", 5))


def shown(count: int | None, k: int) -> int | str | None:
    """A count as the report prints it: small ones suppressed."""
    if count is None:
        return None
    return f"fewer than {k}" if 0 < count < k else count


def _drawn(value):
    return value if isinstance(value, int) else None


@dataclass(frozen=True)
class AnnualReport:
    """The document type of one year's report (app.documents.services.issue_report)."""

    year: int
    kind: str = "annual_report"
    title: str = "Annual report"
    template: str = "annual_report.html"

    @property
    def number(self) -> str:
        return f"AR-{self.year}"

    def build(self) -> dict:
        """The year's figures as plain data, small cells suppressed."""
        k = min_cell()
        s = stats.compute(None, stats.Filters(year=self.year))
        months = [{"period": r["period"], **{key: shown(r[key], k) for key in
                                             ("filed", "accepted", "closed")}} for r in s.by_month]
        caseload = [{"title": r["title"], "count": shown(r["count"], k),
                     "median_days": r["median_days"] if r["count"] >= k else None}
                    for r in s.caseload]
        outcomes = [{"label": r["label"], "count": shown(r["count"], k)} for r in s.outcomes]
        standards = [{"code": r["code"], "alleged": shown(r["alleged"], k),
                      "violated": shown(r["violated"], k)} for r in s.standards]
        sanctions = [{"label": r["label"], "count": shown(r["count"], k)} for r in s.sanctions]
        figures = []
        if months:
            figures.append(charts.bar_chart(
                f"Cases filed, accepted and closed by month, {self.year}",
                [m["period"] for m in months],
                {key.capitalize(): [_drawn(m[key]) for m in months]
                 for key in ("filed", "accepted", "closed")}))
        if outcomes:
            figures.append(charts.bar_chart(
                f"Outcomes, {self.year}", [o["label"] for o in outcomes],
                {"Cases": [_drawn(o["count"]) for o in outcomes]}, horizontal=True))
        return {
            "year": self.year, "min_cell": k, "total": shown(s.total, k),
            "months": months, "caseload": caseload, "outcomes": outcomes,
            "standards": standards, "sanctions": sanctions,
            "durations": s.durations if s.total >= k else {},
            "charts": [{"title": c.title, "alt": c.alt, "src": c.data_uri} for c in figures],
        }
