"""Pages of a list: Flask-SQLAlchemy's pagination with a total that stays cheap.

An exact count of a long filtered list scans every row it matches; people read the
first pages. So the total is counted up to a cap (a count over `LIMIT cap + 1`), which
the page shows as "more than 1,000" when reached; the cap moves past the page being
read, so "next" always works.
"""
from __future__ import annotations

from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select

from app.extensions import db

PER_PAGE = 50
COUNT_CAP = 1000


def page_number() -> int:
    """The page asked for (?page=), 1 when absent or not a number."""
    return max(1, request.args.get("page", 1, type=int))


def paginate(query: Select, *, per_page: int = PER_PAGE, cap: int = COUNT_CAP,
             page: int | None = None, unique: bool = False) -> Pagination:
    """One page of `query`, with `total` counted up to a cap (`total_capped` when reached).

    Two statements: the page's rows and the capped count (plus whatever eager loading
    the query asks for).
    """
    page = page or page_number()
    pagination = db.paginate(query, page=page, per_page=per_page, max_per_page=per_page,
                             error_out=False, count=False)
    if unique:  # joined eager loading of a collection repeats rows
        pagination.items = list(dict.fromkeys(pagination.items))
    limit = max(cap, page * per_page) + 1
    total = db.session.execute(select(func.count()).select_from(
        query.order_by(None).limit(limit).subquery())).scalar_one()
    # At the cap the total is one past it, so the last page counted still offers "next".
    pagination.total = total
    pagination.total_capped = total >= limit
    pagination.count_cap = limit - 1
    return pagination
