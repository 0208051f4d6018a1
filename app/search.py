"""Search helpers shared by the pages that search or filter by what a person types."""
from __future__ import annotations

from sqlalchemy import ARRAY, Integer, any_, cast, func, select

from app.extensions import db


def escape_like(text: str) -> str:
    """Text for a LIKE pattern (escape character `\\`), its wildcards taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def among(column, key, *where):
    """SQL: `column` is the `key` of a row matching `where` (the catalogue items of a code,
    for the filter by standard). On PostgreSQL as `= ANY` of those keys gathered first into
    an array: the planner then probes `column`'s index row by row, where an IN of the
    subquery was planned from a guess of its size as a hash of every match (the chair's
    count of cases alleging S7, 17,380 allegations hashed: 10 ms, 4 this way; the case
    search used it for the people a name found until their names were kept on the case).
    SQLite keeps the IN."""
    if db.session.get_bind().dialect.name == "postgresql":
        keys = select(func.array_agg(key)).where(*where).scalar_subquery()
        return column == any_(cast(keys, ARRAY(Integer)))
    return column.in_(select(key).where(*where))
