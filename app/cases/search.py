"""Find a case: one box for its number, the parties' names, a certification number and
words of the allegations' facts, ranked.

The number and the parties' names (the respondent's as given and as registered, with the
certification number, and the complainant's: `Case.party_names`, kept by
app/cases/party_names.py, in lower case) match the text typed as a substring, whatever
its case (wildcards taken literally). The facts match on
PostgreSQL by full-text search (`to_tsvector('english', facts)`, GIN-indexed by the
migration `ix_allegations_facts_fts`), every word of the query required, ranked by
`ts_rank`; on SQLite every word must appear in the facts (LIKE). Ranking: a number
match first, then a name or certification number, then the facts by relevance.

The caller passes the query of cases open to the reader (`cleared_cases`), so a case
outside it (a recused member's, one awaiting a declaration) is never matched.
"""
from __future__ import annotations

from sqlalchemy import (
    Float,
    Select,
    and_,
    cast,
    func,
    literal,
    literal_column,
    select,
    union_all,
)

from app.cases import party_names  # noqa: F401  (keeps the text the search reads)
from app.cases.models import Allegation, Case
from app.extensions import db
from app.search import escape_like

# The text search configuration, written as the index's expression is, so the planner
# matches the query's to_tsvector(...) to the index.
FTS_CONFIG = literal_column("'english'")


def _contains(column, text: str):
    return column.ilike(f"%{escape_like(text)}%", escape="\\")


def _hit(case_id, submitted_at, score) -> Select:
    """One row of the search's hits: the case, when it was filed, its score one way (each
    way finds a case at most once)."""
    return select(case_id.label("case_id"), submitted_at.label("submitted_at"),
                  cast(score, Float).label("score"))


def _facts_hits(words: str) -> Select:
    """The hits (case, filing date, score) of the cases whose allegations' facts the
    words find: one per case, scored by its best allegation."""
    if db.session.get_bind().dialect.name == "postgresql":
        document = func.to_tsvector(FTS_CONFIG, Allegation.facts)
        wanted = func.plainto_tsquery(FTS_CONFIG, words)
        score, found = func.max(func.ts_rank(document, wanted)), document.op("@@")(wanted)
    else:
        terms = [w for w in words.split() if w][:10]
        score, found = literal_column("0.5"), and_(*[_contains(Allegation.facts, w)
                                                      for w in terms])
    return _hit(Allegation.case_id, Case.submitted_at, score) \
        .join(Case, Case.id == Allegation.case_id).where(found) \
        .group_by(Allegation.case_id, Case.submitted_at)


def find_cases(query: Select, words: str) -> tuple[Select, tuple]:
    """Narrow a query of cases to those the words find; return it and its best-first order.

    Each way of matching is a set found through an index (on PostgreSQL: trigram indexes
    on the number and on the kept names, the full-text index for the facts) and scored as
    it is found: a number 4, a name or certification number 2, the facts the `ts_rank` of
    the case's best allegation (at most 1; each way finds a case once). A case's rank is
    the sum over the ways it matched, so no search reads every case, and the facts' rank
    is computed only for the allegations that match, never for every allegation of a case
    found by a name.

    The hits carry their case's filing date, so they are ranked and ordered without the
    case's row: the ordered hits (fenced by `OFFSET 0`, so the planner keeps their order)
    meet the reader's conditions in that order, and a page stops after its rows. A name
    borne by 2.5% of people finds 4,668 cases at 100,000: joined and checked against the
    reader's clearance before ordering, 35 ms; ordered first, 24; gathered from the kept
    names rather than three tables, less again (docs/DESIGN.md, "Find a case"). The ranked
    hits are a CTE, which the page's capped count (paging's `count_in_page`) shares.
    """
    words = words.strip()
    four, two = literal_column("4.0"), literal_column("2.0")
    hits = union_all(
        _hit(Case.id, Case.submitted_at, four).where(_contains(Case.number, words)),
        # (the kept names are in lower case: what was typed is lowered by the same SQL)
        _hit(Case.id, Case.submitted_at, two).where(Case.party_names.like(
            func.lower(literal(f"%{escape_like(words)}%")), escape="\\")),
        _facts_hits(words)).subquery()
    ranked = select(hits.c.case_id, hits.c.submitted_at, func.sum(hits.c.score).label("rank")) \
        .group_by(hits.c.case_id, hits.c.submitted_at).cte("ranked")
    order = (ranked.c.rank.desc(), ranked.c.submitted_at.desc(), ranked.c.case_id.desc())
    # (the fence as a literal, so that a generic plan of the prepared statement knows it)
    ordered = select(ranked).order_by(*order).offset(literal_column("0")).subquery("ordered")
    return query.join(ordered, ordered.c.case_id == Case.id), \
        (ordered.c.rank.desc(), ordered.c.submitted_at.desc(), ordered.c.case_id.desc())
