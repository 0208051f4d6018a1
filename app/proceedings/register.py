"""The public register: final public sanctions, and nothing else about any case."""
from __future__ import annotations

from sqlalchemy import or_, select

from app.cases.models import Case
from app.documents.models import Document
from app.extensions import db
from app.proceedings.models import Decision, Sanction, SanctionKind
from app.registry.models import Certificant
from app.search import escape_like

PUBLIC_KINDS = [k.value for k in SanctionKind if k.public]


def entries(query: str = "") -> list[dict]:
    """Each final public sanction as plain data, newest first; optionally searched."""
    stmt = (select(Sanction, Decision, Case, Certificant)
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
    out = []
    for sanction, decision, case, certificant in db.session.execute(stmt).all():
        notice = db.session.execute(
            select(Document.number).where(Document.case_id == case.id,
                                          Document.kind == "public_notice",
                                          Document.status == "issued")
            .order_by(Document.id.desc()).limit(1)).scalar()
        out.append({
            "name": certificant.name,
            "certificate": certificant.cert_number,
            "sanction": SanctionKind(sanction.kind).title,
            "starts_on": (sanction.starts_on or decision.final_at.date()).isoformat(),
            "ends_on": sanction.ends_on.isoformat() if sanction.ends_on else None,
            "reapply_after_years": sanction.bar_years,
            "final_on": decision.final_at.date().isoformat(),
            "standards_violated": sorted({f.allegation.item.code for f in decision.findings
                                          if f.violated}, key=_code_order),
            "public_notice": notice,
        })
    return out


def _code_order(code: str) -> tuple:
    return (code[0], int(code[1:]) if code[1:].isdigit() else 0)
