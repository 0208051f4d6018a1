"""Count the SQL statements a request runs, so an N+1 fails a test instead of slowing a page.

    with count_statements(app) as seen:
        client.get("/cases")
    assert seen.count <= 10, seen.report()

A `before_cursor_execute` listener on the app's engine counts every statement sent while
the block runs (in the request, its after-request hooks included: sealing the audit
trail, delivering mail), with its text kept for the failure message. The savepoints the
test harness wraps each request in (tests/conftest.py) are not the app's and are not
counted: outside the suite they are the BEGIN and COMMIT that the driver sends without a
statement of the app's (the benchmark counts the same way).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event

from app.extensions import db

HARNESS = ("SAVEPOINT ", "RELEASE SAVEPOINT ", "ROLLBACK TO SAVEPOINT ")


@dataclass
class Statements:
    texts: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.texts)

    def report(self) -> str:
        """The statements, one a line, shortened: what to read when a budget fails."""
        return "\n".join(f"{n:>3}. {' '.join(t.split())[:220]}"
                         for n, t in enumerate(self.texts, 1))


@contextmanager
def count_statements(app) -> Iterator[Statements]:
    """Count the statements the app's engine runs inside the block."""
    seen = Statements()

    def listener(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith(HARNESS):
            seen.texts.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)
