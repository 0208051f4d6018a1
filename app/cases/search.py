"""Find a case: one box for its number, the parties' names, a certification number and
words of the allegations' facts, ranked.

The number, the respondent's name or certification number and the complainant's name
match the text typed as a substring (wildcards taken literally). The facts match on
PostgreSQL by full-text search (`to_tsvector('english', facts)`, GIN-indexed by the
migration `ix_allegations_facts_fts`), every word of the query required, ranked by
`ts_rank`; on SQLite every word must appear in the facts (LIKE). Ranking: a number
match first, then a name or certification number, then the facts by relevance.

The caller passes the query of cases open to the reader (`cleared_cases`), so a case
outside it (a recused member's, one awaiting a declaration) is never matched.
"""
from __future__ import annotations

from sqlalchemy import Select, and_, case, func, literal_column, or_, select, union

from app.accounts.models import User
from app.cases.models import Allegation, Case
from app.extensions import db
from app.registry.models import Certificant
from app.search import escape_like

# The text search configuration, written as the index's expression is, so the planner
# matches the query's to_tsvector(...) to the index.
FTS_CONFIG = literal_column("'english'")


def _contains(column, text: str):
    return column.ilike(f"%{escape_like(text)}%", escape="\\")


def _facts_match(words: str):
    """(condition on Case, rank expression) for the allegations' facts."""
    if db.session.get_bind().dialect.name == "postgresql":
        document = func.to_tsvector(FTS_CONFIG, Allegation.facts)
        wanted = func.plainto_tsquery(FTS_CONFIG, words)
        matched = select(Allegation.case_id).where(document.op("@@")(wanted))
        rank = (select(func.max(func.ts_rank(document, wanted)))
                .where(Allegation.case_id == Case.id).correlate(Case).scalar_subquery())
        return Case.id.in_(matched), func.coalesce(rank, 0)
    terms = [w for w in words.split() if w][:10]
    matched = select(Allegation.case_id).where(and_(*[_contains(Allegation.facts, w)
                                                      for w in terms]))
    hit = Case.id.in_(matched)
    return hit, case((hit, 0.5), else_=0.0)


def find_cases(query: Select, words: str) -> tuple[Select, object]:
    """Narrow a query of cases to those the words find; return it and the rank to order by.

    The matching cases are a union of sets each found through an index (on PostgreSQL:
    trigram indexes for the number and the names, the full-text index for the facts), so
    no search reads every case; only the matches are ranked.
    """
    words = words.strip()
    number = _contains(Case.number, words)
    certificants = select(Certificant.id).where(or_(
        _contains(Certificant.name, words),
        Certificant.cert_number.ilike(f"{escape_like(words)}%", escape="\\")))
    complainants = select(User.id).where(_contains(User.name, words))
    facts, facts_rank = _facts_match(words)
    found = union(
        select(Case.id).where(number),
        select(Case.id).where(_contains(Case.respondent_name, words)),
        select(Case.id).where(Case.respondent_certificant_id.in_(certificants)),
        select(Case.id).where(Case.complainant_id.in_(complainants)),
        select(Case.id).where(facts))
    named = or_(_contains(Case.respondent_name, words),
                Case.respondent_certificant_id.in_(certificants),
                Case.complainant_id.in_(complainants))
    rank = case((number, 4.0), else_=0.0) + case((named, 2.0), else_=0.0) + facts_rank
    return query.where(Case.id.in_(found)), rank.desc()
