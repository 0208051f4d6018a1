"""Pages of a list: Flask-SQLAlchemy's pagination with a total that stays cheap.

An exact count of a long filtered list scans every row it matches, and people read the
first pages. So the total is counted up to a cap (a count over `LIMIT cap + 1`), which
the page shows as "more than 1,000" when reached; the cap moves past the page being
read, so "next" always works. Rows may be ORM objects (`scalars=True`) or tuples.
"""
from __future__ import annotations

from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select

from app.extensions import db

PER_PAGE = 50
COUNT_CAP = 1000


class CappedPagination(Pagination):
    """One page of a select, with `total` counted up to a cap (`total_capped` when reached)."""

    def _query_items(self) -> list:
        stmt: Select = self._query_args["select"]
        result = db.session.execute(stmt.limit(self.per_page).offset(self._query_offset))
        if self._query_args["scalars"]:
            return list(result.unique().scalars())
        return list(result.all())

    def _query_count(self) -> int:
        stmt: Select = self._query_args["select"]
        limit = max(self._query_args["cap"], self.page * self.per_page) + 1
        total = db.session.execute(select(func.count()).select_from(
            stmt.order_by(None).limit(limit).subquery())).scalar_one()
        # At the cap the total is one past it, so the last page counted offers "next".
        self.total_capped = total >= limit
        self.count_cap = limit - 1
        return total


def page_number() -> int:
    """The page asked for (?page=), 1 when absent or not a number."""
    return max(1, request.args.get("page", 1, type=int))


def paginate(query: Select, *, per_page: int = PER_PAGE, cap: int = COUNT_CAP,
             page: int | None = None, scalars: bool = True) -> CappedPagination:
    """One page of `query` and its capped total: two statements, plus the query's eager
    loading."""
    return CappedPagination(page=page or page_number(), per_page=per_page,
                            max_per_page=per_page, error_out=False, select=query,
                            scalars=scalars, cap=cap)
