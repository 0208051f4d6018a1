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

from sqlalchemy import (
    ARRAY,
    Float,
    Integer,
    Select,
    and_,
    any_,
    cast,
    func,
    literal_column,
    or_,
    select,
    union_all,
)

from app.accounts.models import User
from app.cases.models import Allegation, Case
from app.extensions import db
from app.registry.models import Certificant
from app.search import escape_like

# The text search configuration, written as the index's expression is, so the planner
# matches the query's to_tsvector(...) to the index.
FTS_CONFIG = literal_column("'english'")
# The ways a case is found, each scored once however often it matches that way.
NUMBER, NAME, FACTS = 1, 2, 3


def _contains(column, text: str):
    return column.ilike(f"%{escape_like(text)}%", escape="\\")


def _hit(case_id, way: int, score) -> Select:
    """One row of the search's hits: the case, the way it matched, its score that way."""
    return select(case_id.label("case_id"), literal_column(str(way)).label("way"),
                  cast(score, Float).label("score"))


def _facts_hits(words: str) -> Select:
    """(case_id, kind, score) of the allegations whose facts the words find."""
    if db.session.get_bind().dialect.name == "postgresql":
        document = func.to_tsvector(FTS_CONFIG, Allegation.facts)
        wanted = func.plainto_tsquery(FTS_CONFIG, words)
        return _hit(Allegation.case_id, FACTS, func.ts_rank(document, wanted)) \
            .where(document.op("@@")(wanted))
    terms = [w for w in words.split() if w][:10]
    return _hit(Allegation.case_id, FACTS, literal_column("0.5")) \
        .where(and_(*[_contains(Allegation.facts, w) for w in terms]))


def _among(column, key, *where):
    """SQL: `column` is the `key` of a row matching `where` (people found by name). On
    PostgreSQL as `= ANY` of their ids gathered first into an array, so that the cases are
    found through `column`'s index, one probe per person: an IN was planned as a hash of
    the people against a scan of every case (a surname borne by 2,480 people: 20 ms, 6
    this way)."""
    if db.session.get_bind().dialect.name == "postgresql":
        ids = select(func.array_agg(key)).where(*where).scalar_subquery()
        return column == any_(cast(ids, ARRAY(Integer)))
    return column.in_(select(key).where(*where))


def find_cases(query: Select, words: str) -> tuple[Select, object]:
    """Narrow a query of cases to those the words find; return it and the rank to order by.

    Each way of matching is a set found through an index (on PostgreSQL: trigram indexes
    for the number and the names, the full-text index for the facts) and scored as it is
    found: a number 4, a name or certification number 2, the facts their `ts_rank` (at
    most 1). A case's rank is the sum over the ways it matched (the best of each way), so
    no search reads every case, and the facts' rank is computed only for the allegations
    that match, never for every allegation of a case found by a name.
    """
    words = words.strip()
    certificants = _among(Case.respondent_certificant_id, Certificant.id, or_(
        _contains(Certificant.name, words),
        Certificant.cert_number.ilike(f"{escape_like(words)}%", escape="\\")))
    complainants = _among(Case.complainant_id, User.id, _contains(User.name, words))
    four, two = literal_column("4.0"), literal_column("2.0")
    hits = union_all(
        _hit(Case.id, NUMBER, four).where(_contains(Case.number, words)),
        _hit(Case.id, NAME, two).where(_contains(Case.respondent_name, words)),
        _hit(Case.id, NAME, two).where(certificants),
        _hit(Case.id, NAME, two).where(complainants),
        _facts_hits(words)).subquery()
    case_id, way, score = hits.c
    best = select(case_id.label("case_id"), func.max(score).label("score")) \
        .group_by(case_id, way).subquery()
    ranked = select(best.c.case_id, func.sum(best.c.score).label("rank")) \
        .group_by(best.c.case_id).subquery()
    return query.join(ranked, ranked.c.case_id == Case.id), ranked.c.rank.desc()
