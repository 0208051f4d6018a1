"""The rows of the case lists (staff list, search, a member's list, intake queue): what a
line shows, read as plain columns in the page's own statement.

A line shows a case's number, kind, status, filing date, respondent and the codes of its
allegations. Loaded as ORM objects, a page of 50 built 50 cases, their registry records
and ~130 allegations with their facts and catalogue items, in two statements, to show
seven short values a case: ~2.5 ms of ORM work and a second round trip. Here the page's
statement selects those values, the respondent's record by an outer join and the codes
aggregated in a correlated subquery (one index probe a row), so a page of cases is one
statement (and its capped count) and each line a small frozen dataclass.

The awaiting list (a case the reader has not declared on yet) shows less: `Awaited`, no
kind, status or allegations, since nothing of the case's content is open to the reader.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, aggregate_order_by, func, select

from app.cases.models import Allegation, Case, respondent_label
from app.catalogue.models import CodeItem
from app.extensions import db
from app.paging import CappedPagination
from app.registry.models import Certificant

CODES_SEPARATOR = ", "


@dataclass(frozen=True, slots=True)
class CaseRow:
    """One line of a case list."""
    number: str
    kind: str
    status: str
    submitted_at: datetime
    respondent_display: str
    codes: str  # the allegations' codes in the order they were made, comma separated


@dataclass(frozen=True, slots=True)
class Awaited:
    """A case listed as awaiting the reader's declaration: its number, filing date and
    respondent, and nothing else (its content is not open to them yet)."""
    number: str
    submitted_at: datetime
    respondent_display: str


def _codes():
    """SQL: the codes of the correlated case's allegations, in their order, as one text.
    PostgreSQL orders within the aggregate. SQLite before 3.44 cannot: it concatenates in
    the order of an ordered subquery, which it keeps in practice (the aggregate above stops
    the subquery being flattened) though its documentation does not promise it; SQLite
    serves development and the tests, where a test checks the order on both databases."""
    if db.session.get_bind().dialect.name == "postgresql":
        agg = func.aggregate_strings(CodeItem.code, CODES_SEPARATOR)
        return select(aggregate_order_by(agg, Allegation.id)) \
            .join(CodeItem, CodeItem.id == Allegation.code_item_id) \
            .where(Allegation.case_id == Case.id).correlate(Case).scalar_subquery()
    ordered = select(CodeItem.code) \
        .join(Allegation, CodeItem.id == Allegation.code_item_id) \
        .where(Allegation.case_id == Case.id).order_by(Allegation.id) \
        .correlate(Case).subquery()
    return select(func.aggregate_strings(ordered.c.code, CODES_SEPARATOR)) \
        .correlate(Case).scalar_subquery()


def case_rows(query: Select) -> Select:
    """A query of cases (its conditions, joins and order kept) reading what a line shows."""
    return query.with_only_columns(
        Case.number, Case.kind, Case.status, Case.submitted_at, Case.respondent_name,
        Certificant.name, Certificant.cert_number, _codes(),
    ).outerjoin(Certificant, Certificant.id == Case.respondent_certificant_id)


def as_case_rows(page: CappedPagination) -> CappedPagination:
    """A page of `case_rows` (read with `scalars=False`), its items made lines."""
    page.items = [CaseRow(number, kind, status, at, respondent_label(given, name, cert),
                          codes or "")
                  for number, kind, status, at, given, name, cert, codes in page.items]
    return page


def awaiting_rows(query: Select) -> Select:
    """A query of cases awaiting a declaration, reading what their line shows."""
    return query.with_only_columns(
        Case.number, Case.submitted_at, Case.respondent_name,
        Certificant.name, Certificant.cert_number,
    ).outerjoin(Certificant, Certificant.id == Case.respondent_certificant_id)


def as_awaited(page: CappedPagination) -> CappedPagination:
    page.items = [Awaited(number, at, respondent_label(given, name, cert))
                  for number, at, given, name, cert in page.items]
    return page
