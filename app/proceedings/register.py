"""The public register: final public sanctions, and nothing else about any case."""
from __future__ import annotations

from sqlalchemy import or_, select

from app.cases.models import Allegation, Case
from app.catalogue.models import CodeItem
from app.documents.models import Document
from app.extensions import db
from app.paging import CappedPagination, paginate
from app.proceedings.models import Decision, Finding, Sanction, SanctionKind
from app.registry.models import Certificant
from app.search import escape_like

PUBLIC_KINDS = [k.value for k in SanctionKind if k.public]


def entries(query: str = "", page: int = 1) -> CappedPagination:
    """A page of final public sanctions as plain data, newest first; optionally searched.

    Four statements whatever the page holds: the rows, their capped count, the
    standards each decision found violated, and the cases' public notices.
    """
    stmt = (select(Sanction, Decision, Certificant)
            .join(Decision, Sanction.decision_id == Decision.id)
            .join(Case, Decision.case_id == Case.id)
            .join(Certificant, Case.respondent_certificant_id == Certificant.id)
            .where(Sanction.kind.in_(PUBLIC_KINDS), Decision.final_at.is_not(None),
                   Sanction.status.in_(("in_force", "completed", "breached")))
            .order_by(Decision.final_at.desc(), Sanction.id.desc()))
    query = query.strip()
    if query:
        plain = escape_like(query)
        stmt = stmt.where(or_(Certificant.name.ilike(f"%{plain}%", escape="\\"),
                              Certificant.cert_number.ilike(f"{plain}%", escape="\\")))
    pagination = paginate(stmt, page=page, scalars=False)
    rows = pagination.items
    violated: dict[int, set[str]] = {}
    notices: dict[int, str] = {}
    if rows:
        decision_ids = {decision.id for _, decision, _ in rows}
        for decision_id, code in db.session.execute(
                select(Finding.decision_id, CodeItem.code)
                .join(Allegation, Finding.allegation_id == Allegation.id)
                .join(CodeItem, Allegation.code_item_id == CodeItem.id)
                .where(Finding.decision_id.in_(decision_ids), Finding.violated.is_(True))):
            violated.setdefault(decision_id, set()).add(code)
        case_ids = {decision.case_id for _, decision, _ in rows}
        for case_id, number in db.session.execute(
                select(Document.case_id, Document.number)
                .where(Document.case_id.in_(case_ids), Document.kind == "public_notice",
                       Document.status == "issued").order_by(Document.id)):
            notices[case_id] = number  # the newest issued notice of the case
    pagination.items = [{
        "name": certificant.name,
        "certificate": certificant.cert_number,
        "sanction": SanctionKind(sanction.kind).title,
        "starts_on": (sanction.starts_on or decision.final_at.date()).isoformat(),
        "ends_on": sanction.ends_on.isoformat() if sanction.ends_on else None,
        "reapply_after_years": sanction.bar_years,
        "final_on": decision.final_at.date().isoformat(),
        "standards_violated": sorted(violated.get(decision.id, ()), key=_code_order),
        "public_notice": notices.get(decision.case_id),
    } for sanction, decision, certificant in rows]
    return pagination


def _code_order(code: str) -> tuple:
    return (code[0], int(code[1:]) if code[1:].isdigit() else 0)
