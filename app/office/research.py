"""The de-identified research extract (S16, S28): one row per case, k-anonymous.

No names, numbers, emails, free text or exact dates: a row holds the kind, the year and
month of filing, the standards alleged and found, the stage reached, the outcome, the
sanctions' kinds and durations in whole days. Over the quasi-identifiers (year, month,
kind, standards alleged, standards found, outcome, sanction) every combination occurs at
least RESEARCH_MIN_CELL times: rows in smaller groups are generalised step by step
(month, then standards, then sanction and outcome, then kind become "*"), and those still
alone are left out. The same database gives the same file, byte for byte (sorted rows, no ids).
"""
from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter

from flask import current_app
from sqlalchemy import case, func, select

from app.cases.models import Allegation, Case
from app.catalogue.models import CodeItem
from app.extensions import db
from app.office.stats import INTAKE_DISMISSALS, days_between
from app.proceedings.models import Decision, Finding, Sanction

# the quasi-identifiers, and the month of filing too (a month and a standard can
# single out a case someone knows of)
QUASI = ("year", "month", "kind", "standards_alleged", "standards_found", "outcome", "sanctions")
COLUMNS = ("year", "month", "kind", "standards_alleged", "standards_found", "stage_reached",
           "outcome", "sanctions", "days_to_intake_decision", "days_to_decision", "days_to_final")
STAGES = {
    "submitted": "intake", "info_requested": "intake", "awaiting_response": "answer",
    "investigation": "investigation", "committee_review": "review",
    "hearing_scheduled": "hearing", "deliberation": "hearing", "decided": "decided",
    "under_appeal": "appeal", "final": "final", "closed": "closed", "dismissed": "closed",
    "abandoned": "closed", "withdrawn": "closed", "disposed": "closed",
}
DICTIONARY = {
    "year": "Year the case was filed.",
    "month": "Month (1-12) the case was filed; * = generalised.",
    "kind": "complaint, self_report or staff; * = generalised.",
    "standards_alleged": "Codes of the standards and rules alleged, sorted, ';'-separated; * = generalised.",
    "standards_found": "Codes found violated by any decision; * = generalised.",
    "stage_reached": "intake, answer, investigation, review, hearing, decided, appeal, final or closed.",
    "outcome": "intake_dismissed, abandoned, withdrawn, <stage>_<outcome> of the last decision, "
               "or open; * = generalised.",
    "sanctions": "Kinds of sanction imposed, sorted, ';'-separated; * = generalised.",
    "days_to_intake_decision": "Whole days from filing to acceptance or dismissal at intake.",
    "days_to_decision": "Whole days from filing to the first decision.",
    "days_to_final": "Whole days from filing to the decision becoming final.",
}


def _codes(column):
    dialect = db.session.get_bind().dialect.name
    agg = func.string_agg(column, ";") if dialect == "postgresql" else func.group_concat(column, ";")
    return agg


def _raw_rows() -> list[dict]:
    """One row per filed case, from a handful of grouped queries (no query per case)."""
    alleged = dict(db.session.execute(
        select(Allegation.case_id, _codes(CodeItem.code)).join(CodeItem)
        .where(Allegation.proposed.is_(False)).group_by(Allegation.case_id)).all())
    found = dict(db.session.execute(
        select(Allegation.case_id, _codes(CodeItem.code)).join(CodeItem)
        .join(Finding, Finding.allegation_id == Allegation.id).where(Finding.violated.is_(True))
        .group_by(Allegation.case_id)).all())
    sanctions = dict(db.session.execute(
        select(Decision.case_id, _codes(Sanction.kind)).join(Sanction, Sanction.decision_id == Decision.id)
        .group_by(Decision.case_id)).all())
    last = (select(Decision.case_id, func.max(Decision.id).label("id"))
            .where(Decision.outcome != "hearing").group_by(Decision.case_id).subquery())
    outcomes = dict(db.session.execute(
        select(Decision.case_id, Decision.stage + "_" + Decision.outcome)
        .join(last, last.c.id == Decision.id)).all())
    firsts = (select(Decision.case_id.label("case_id"), func.min(Decision.decided_at).label("decided"),
                     func.min(Decision.final_at).label("final"))
              .where(Decision.outcome != "hearing").group_by(Decision.case_id).subquery())
    intake_at = func.coalesce(Case.served_at, case(
        (Case.outcome_reason.in_(INTAKE_DISMISSALS), Case.closed_at)))
    rows = db.session.execute(
        select(Case.id, Case.kind, Case.status, Case.outcome_reason,
               func.extract("year", Case.submitted_at), func.extract("month", Case.submitted_at),
               days_between(intake_at, Case.submitted_at),
               days_between(firsts.c.decided, Case.submitted_at),
               days_between(firsts.c.final, Case.submitted_at))
        .outerjoin(firsts, firsts.c.case_id == Case.id)
        .where(Case.status != "draft", Case.submitted_at.is_not(None))).all()
    out = []
    for cid, kind, status, reason, year, month, d_intake, d_decision, d_final in rows:
        if reason in INTAKE_DISMISSALS:
            outcome = "intake_dismissed"
        elif status in ("abandoned", "withdrawn"):
            outcome = status
        else:
            outcome = outcomes.get(cid, "open")
        out.append({
            "year": str(int(year)), "month": str(int(month)), "kind": kind,
            "standards_alleged": _sorted(alleged.get(cid)), "standards_found": _sorted(found.get(cid)),
            "stage_reached": STAGES.get(status, "closed"), "outcome": outcome,
            "sanctions": _sorted(sanctions.get(cid)),
            "days_to_intake_decision": _days(d_intake), "days_to_decision": _days(d_decision),
            "days_to_final": _days(d_final)})
    return out


def _sorted(joined: str | None) -> str:
    return ";".join(sorted(set(joined.split(";")))) if joined else ""


def _days(value) -> str:
    return "" if value is None else str(int(float(value)))


GENERALISE = (("month",), ("standards_alleged", "standards_found"), ("sanctions", "outcome"),
              ("kind",))


def anonymise(rows: list[dict], k: int) -> tuple[list[dict], int]:
    """Generalise, then drop, rows until every quasi-identifier combination has k rows.

    Returns the rows kept (sorted) and how many were left out.
    """
    def key(row):
        return tuple(row[q] for q in QUASI)

    rows = [dict(r) for r in rows]
    for fields in GENERALISE:
        counts = Counter(key(r) for r in rows)
        for row in rows:
            if counts[key(row)] < k:
                for f in fields:
                    row[f] = "*"
    counts = Counter(key(r) for r in rows)
    kept = [r for r in rows if counts[key(r)] >= k]
    kept.sort(key=lambda r: tuple(r[c] for c in COLUMNS))
    return kept, len(rows) - len(kept)


def extract() -> tuple[bytes, dict]:
    """The extract as CSV bytes, and what it holds (rows, left out, k, SHA-256)."""
    k = int(current_app.config.get("RESEARCH_MIN_CELL", 5))
    rows, dropped = anonymise(_raw_rows(), k)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    data = buffer.getvalue().encode()
    return data, {"rows": len(rows), "left_out": dropped, "k": k,
                  "sha256": hashlib.sha256(data).hexdigest()}
