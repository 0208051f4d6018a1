"""Pages of a list: Flask-SQLAlchemy's pagination with a total that stays cheap.

An exact count of a long filtered list scans every row it matches, and people read the
first pages. So the total is counted up to a cap (a count over `LIMIT cap + 1`), which
the page shows as "more than 500" when reached (ten pages; a count of 1,000 cleared
cases took the chair's intake queue 15 ms at 100,000 cases, the rest of the page 30); the
cap moves past the page being read, so "next" always works. Rows may be ORM objects
(`scalars=True`) or tuples.

A list whose rows come from an expensive set it builds first (a search gathers and ranks
its hits in a CTE) counts in the same statement instead (`count_in_page`: the same capped
count, as a scalar subquery beside each row, so the set is built once for both; PostgreSQL
materializes a CTE that two parts of a statement read).
"""
from __future__ import annotations

from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select

from app.extensions import db

PER_PAGE = 50
COUNT_CAP = 500


class CappedPagination(Pagination):
    """One page of a select, with `total` counted up to a cap (`total_capped` when reached)."""

    _counted: int | None = None

    def _query_items(self) -> list:
        stmt: Select = self._query_args["select"]
        if self._query_args["count_in_page"]:
            stmt = stmt.add_columns(self._capped_count(stmt).scalar_subquery().label("listed"))
        result = db.session.execute(stmt.limit(self.per_page).offset(self._query_offset))
        rows = result.unique().all() if self._query_args["scalars"] else result.all()
        if self._query_args["count_in_page"]:
            # an empty first page counted nothing; past the end, the count is asked apart
            self._counted = rows[0].listed if rows else 0 if self._query_offset == 0 else None
            rows = [row[:-1] for row in rows]
        if self._query_args["scalars"]:
            return [row[0] for row in rows]
        return list(rows)

    def _limit(self) -> int:
        """One past what is counted: the cap, or the page being read if it lies beyond."""
        return max(self._query_args["cap"], self.page * self.per_page) + 1

    def _capped_count(self, stmt: Select) -> Select:
        return select(func.count()).select_from(
            stmt.order_by(None).limit(self._limit()).subquery())

    def _query_count(self) -> int:
        if self._counted is not None:  # counted beside the page's rows
            total = self._counted
        else:
            total = db.session.execute(
                self._capped_count(self._query_args["select"])).scalar_one()
        # At the cap the total is one past it, so the last page counted offers "next".
        self.total_capped = total >= self._limit()
        self.count_cap = self._limit() - 1
        return total


def page_number() -> int:
    """The page asked for (?page=), 1 when absent or not a number."""
    return max(1, request.args.get("page", 1, type=int))


def paginate(query: Select, *, per_page: int = PER_PAGE, cap: int = COUNT_CAP,
             page: int | None = None, scalars: bool = True,
             count_in_page: bool = False) -> CappedPagination:
    """One page of `query` and its capped total: two statements (one with
    `count_in_page`, unless the page is past the end), plus the query's eager loading."""
    return CappedPagination(page=page or page_number(), per_page=per_page,
                            max_per_page=per_page, error_out=False, select=query,
                            scalars=scalars, cap=cap, count_in_page=count_in_page)
