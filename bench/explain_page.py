"""Explain a page's statements: each one the request runs, with its EXPLAIN ANALYZE.

    .venv/bin/python bench/explain_page.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_100k \\
        --only "home" [--role chair] [--slowest 3]

The pages, the people and the sign-in are bench/pages.py's. For each page whose label
contains --only (and, if given, read by --role), the request is made once to warm up and
once with its statements recorded; each SELECT is then run under EXPLAIN (ANALYZE,
BUFFERS) on a plain connection with the app's session settings (DATABASE_SESSION_OPTIONS), and the
--slowest of them are printed with their plans, slowest first. Writes are not explained
(the page's audit entry). This is how the issue's "check each list's queries with
EXPLAIN ANALYZE at 100k cases" is done.
"""
from __future__ import annotations

import argparse
import sys

import psycopg
from benchlib import bench_app, conninfo, local_url
from pages import ROLES, StatementLog, pages, sign_in, targets

from app.extensions import db
from app.jobs.engine import wait_for_background


def explain(conn: psycopg.Connection, statement: str, parameters) -> tuple[float, str]:
    """(execution + planning ms, the plan's text) of one SELECT, rolled back."""
    with conn.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters or None)
        lines = [row[0] for row in cur.fetchall()]
    conn.rollback()
    total = 0.0
    for line in lines:
        if line.startswith(("Planning Time:", "Execution Time:")):
            total += float(line.split(":")[1].split()[0])
    return total, "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--only", required=True, help="pages whose label contains this")
    parser.add_argument("--role", default="", help="only the pages read by this role")
    parser.add_argument("--slowest", type=int, default=3, help="plans printed per page")
    args = parser.parse_args(argv)
    app = bench_app(args.database_url)
    url = local_url(args.database_url)
    with app.app_context():
        log = StatementLog(db.engine)
    with psycopg.connect(conninfo(url)) as conn:
        t = targets(conn)
    clients = {role: sign_in(app, email) for role, email in ROLES.items()}
    list_html = clients["chair"].get("/cases").get_data(as_text=True)
    with psycopg.connect(conninfo(url), options=app.config["DATABASE_SESSION_OPTIONS"]) as raw:
        for page in pages(t, list_html):
            if page.url is None or args.only not in page.label or (
                    args.role and page.role != args.role):
                continue
            client = clients[page.role]
            client.get(page.url, buffered=True)
            wait_for_background()
            log.start()
            client.get(page.url, buffered=True)
            statements = log.stop()
            wait_for_background()
            timed = []
            for n, (statement, parameters, many) in enumerate(statements, 1):
                if many or not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                ms, plan = explain(raw, statement, parameters)
                timed.append((ms, n, statement, plan))
            print(f"\n=== {page.label} ({page.role}) {page.url}: {len(statements)} statements; "
                  "planning + execution ms each: "
                  + ", ".join(f"#{n} {ms:.1f}" for ms, n, _s, _p in sorted(timed, key=lambda x: x[1])))
            for ms, n, statement, plan in sorted(timed, reverse=True)[:args.slowest]:
                print(f"\n--- #{n}: {ms:.1f} ms\n{statement}\n{plan}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
