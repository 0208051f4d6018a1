"""Time the main pages as each role on a generated database, then the public pages under load.

    .venv/bin/python bench/pages.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_10k \\
        [--runs 5] [--duration 10] [--no-throughput] [--out bench/results/pages-10k.txt]

Part 1, pages: each person signs in through the real login form (the demo's accounts,
which bench/generate.py creates) with Flask's test client, and each page is fetched
once to warm up, then --runs times, its body read to the end (a streamed CSV included).
For each page the table gives the SQL statements the request ran (counted by a
SQLAlchemy before_cursor_execute listener, on the request's thread: the jobs it leaves
to the in-process pool, such as sealing the audit trail, run after it and are waited
for outside the timing), the median server time, the median time of the same
statements replayed bare on a plain psycopg connection in the same run (their
parameters as captured; writes inside a transaction that is rolled back), and the
ratio of the two. A page the app does not offer yet
(case search, sorting, a second page of the case list) prints n/a.

Part 2, throughput: the public pages under gunicorn (2 workers, production settings)
with wrk (Debian: `apt-get install wrk`), beside a bare Flask route mounted on the same
server (bench/bench_wsgi.py) as the ceiling: requests/s, latency p50/p99, errors, and
the workers' RSS after the run. wrk runs on the same machine and takes CPU from the
workers: the figures are for this machine under this load, given with its load average.

Every loop is bounded (runs, seconds, a timeout per page); all traffic goes to 127.0.0.1.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote_plus

import psycopg
from benchlib import ROOT, bench_app, bench_env, conninfo, local_url
from sqlalchemy import event

from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.jobs.engine import wait_for_background

CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
ROLES = {  # who signs in for each role column (the demo's people)
    "admin": "admin@example.org",
    "chair": "chair@example.org",
    "member": "member1@example.org",
    "complainant": "cert1@example.org",
    "respondent": "cert2@example.org",
    "public": None,
}
PAGE_TIMEOUT = 60.0  # seconds: a page slower than this is timed once, not --runs times


@dataclass
class Page:
    label: str
    role: str
    url: str | None  # None: the page does not exist yet (n/a)
    note: str = ""


@dataclass
class Result:
    page: Page
    status: int | None = None
    statements: list[int] = field(default_factory=list)
    server: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)
    replay_errors: int = 0


class StatementLog:
    """Every statement the request sends while recording, with its parameters: those of
    the thread that serves it, not of the jobs that run after the response (sealing the
    audit trail, delivering mail) in the in-process pool."""

    def __init__(self, engine):
        self.recording = False
        self.thread: int | None = None
        self.statements: list[tuple[str, object, bool]] = []
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        if self.recording and threading.get_ident() == self.thread:
            self.statements.append((statement, parameters, executemany))

    def start(self) -> None:
        self.statements = []
        self.thread = threading.get_ident()
        self.recording = True

    def stop(self) -> list[tuple[str, object, bool]]:
        self.recording = False
        return self.statements


def replay(conn: psycopg.Connection, statements) -> tuple[float, int]:
    """Run the captured statements bare, fetching every row; roll back. (seconds, errors)"""
    errors = 0
    started = time.perf_counter()
    with conn.cursor() as cur:
        for statement, parameters, many in statements:
            writes = not statement.lstrip().upper().startswith(("SELECT", "WITH"))
            if writes:
                cur.execute("SAVEPOINT bench_replay")
            try:
                if many:
                    cur.executemany(statement, parameters)
                else:
                    cur.execute(statement, parameters or None)
                if cur.description is not None:
                    cur.fetchall()
            except psycopg.Error:
                errors += 1
                cur.execute("ROLLBACK TO SAVEPOINT bench_replay") if writes else conn.rollback()
            else:
                if writes:
                    cur.execute("RELEASE SAVEPOINT bench_replay")
    elapsed = time.perf_counter() - started
    conn.rollback()
    return elapsed, errors


def sign_in(app, email: str | None):
    """A test client signed in through the real login form (anonymous for None)."""
    client = app.test_client()
    if email is None:
        return client
    page = client.get("/login")
    token = CSRF.search(page.get_data(as_text=True))
    form = {"email": email, "password": DEMO_PASSWORD}
    if token:
        form["csrf_token"] = token.group(1)
    answer = client.post("/login", data=form)
    if answer.status_code != 302:
        raise SystemExit(f"Could not sign in as {email} (status {answer.status_code}): "
                         "was the database made by bench/generate.py?")
    return client


def targets(conn: psycopg.Connection) -> dict:
    """Real numbers, names and ids from the database for the pages' addresses."""
    one = lambda sql, *args: (conn.execute(sql, args).fetchone() or (None,))[0]  # noqa: E731
    chair = one("SELECT id FROM users WHERE email = 'chair@example.org'")
    member = one("SELECT id FROM users WHERE email = 'member1@example.org'")
    return {
        "cases": one("SELECT count(*) FROM cases"),
        "audit": one("SELECT count(*) FROM audit_entries"),
        # a case far along (decided by a hearing, final) that the chair has declared on
        "case": one("""SELECT c.number FROM cases c JOIN coi_declarations d
                       ON d.case_id = c.id AND d.member_id = %s
                       WHERE c.status = 'final' AND NOT EXISTS (SELECT 1 FROM recusals r
                       WHERE r.case_id = c.id AND r.member_id = %s)
                       AND EXISTS (SELECT 1 FROM hearings h WHERE h.case_id = c.id)
                       ORDER BY c.id LIMIT 1""", chair, chair),
        "case_awaiting": one("""SELECT c.number FROM cases c WHERE c.status = 'investigation'
                                AND NOT EXISTS (SELECT 1 FROM coi_declarations d
                                WHERE d.case_id = c.id AND d.member_id = %s)
                                ORDER BY c.id LIMIT 1""", member),
        "case_complainant": one("""SELECT c.number FROM cases c JOIN users u
                                   ON u.id = c.complainant_id AND u.email = 'cert1@example.org'
                                   WHERE c.number IS NOT NULL ORDER BY c.id DESC LIMIT 1"""),
        "case_respondent": one("""SELECT c.number FROM cases c JOIN users u
                                  ON u.id = c.respondent_user_id AND u.email = 'cert2@example.org'
                                  WHERE c.served_at IS NOT NULL AND c.kind = 'complaint'
                                  ORDER BY c.id DESC LIMIT 1"""),
        "case_id": one("""SELECT target_id FROM audit_entries WHERE target_type = 'cases'
                          GROUP BY target_id ORDER BY count(*) DESC LIMIT 1"""),
        # (the generator draws names from 40 surnames: one is borne by 2.5% of people, the
        # worst a name search meets; a full name is what an office usually types)
        "surname": one("SELECT split_part(name, ' ', 2) FROM certificants "
                       "WHERE cert_number LIKE 'CCM-2%%' ORDER BY id LIMIT 1"),
        "full_name": one("SELECT name FROM certificants "
                         "WHERE cert_number LIKE 'CCM-2%%' ORDER BY id LIMIT 1"),
        "sanctioned": one("""SELECT split_part(ce.name, ' ', 2) FROM sanctions s
                             JOIN decisions d ON d.id = s.decision_id
                             JOIN cases c ON c.id = d.case_id
                             JOIN certificants ce ON ce.id = c.respondent_certificant_id
                             WHERE d.final_at IS NOT NULL AND s.kind IN ('public_reprimand',
                             'probation', 'suspension', 'revocation') ORDER BY s.id LIMIT 1"""),
        "document": one("SELECT number FROM documents WHERE kind = 'decision_and_order' "
                        "ORDER BY id LIMIT 1"),
        "by_state": conn.execute("SELECT DISTINCT ON (status) status, number FROM cases "
                                 "WHERE number IS NOT NULL ORDER BY status, id").fetchall(),
    }


def offered(html: str, name: str) -> bool:
    """Whether the case list offers a control (a field or a link parameter) by this name."""
    return f'name="{name}"' in html or f"{name}=" in html


def pages(t: dict, list_html: str) -> list[Page]:
    search = "/cases?q=" + (t["surname"] or "a") if offered(list_html, "q") else None
    named = ("/cases?q=" + quote_plus(t["full_name"] or "a")) if search else None
    sort = "/cases?sort=number" if offered(list_html, "sort") else None
    later = "/cases?page=3" if offered(list_html, "page") else None
    absent = "not offered by the case list yet"
    return [
        Page("staff case list", "admin", "/cases"),
        Page("staff case list", "chair", "/cases"),
        Page("case list, filter status", "chair", "/cases?status=investigation"),
        Page("case list, filter standard", "chair", "/cases?standard=S7"),
        Page("case list, filter older than", "chair", "/cases?older_than=365"),
        Page("case list, search", "chair", search, "" if search else absent),
        Page("case list, search a full name", "chair", named, "" if named else absent),
        Page("case list, sorted", "chair", sort, "" if sort else absent),
        Page("case list, a later page", "chair", later, "" if later else absent),
        Page("member's case list (recusals)", "member", "/cases"),
        Page("intake queue", "admin", "/cases/intake"),
        Page("intake queue", "chair", "/cases/intake"),
        Page("home", "admin", "/"),
        Page("home", "chair", "/"),
        Page("home", "member", "/"),
        Page("home", "complainant", "/"),
        Page("home", "respondent", "/"),
        Page("case page", "admin", f"/cases/{t['case']}"),
        Page("case page", "chair", f"/cases/{t['case']}"),
        Page("case page, awaiting declaration", "member", f"/cases/{t['case_awaiting']}"),
        Page("case page", "complainant", f"/cases/{t['case_complainant']}"),
        Page("case page", "respondent", f"/cases/{t['case_respondent']}"),
        Page("my complaints", "complainant", "/my/complaints"),
        Page("my matters", "respondent", "/my/matters"),
        Page("outbox", "admin", "/admin/outbox/"),
        Page("outbox, failed", "admin", "/admin/outbox/?status=failed"),
        Page("audit log", "admin", "/admin/audit/"),
        Page("audit log, by action", "admin", "/admin/audit/?action=case.viewed"),
        Page("audit log, by actor", "admin", "/admin/audit/?actor=chair"),
        Page("audit log, by target", "admin",
             f"/admin/audit/?target_type=cases&target_id={t['case_id']}"),
        Page("audit log, a later page", "admin", "/admin/audit/?page=20"),
        Page("registry search", "admin", f"/registry/?q={t['surname']}"),
        Page("public register", "public", "/public-register"),
        Page("public register, a query", "public", f"/public-register?q={t['sanctioned']}"),
        Page("public register JSON", "public", "/public-register.json"),
        Page("verify a document", "public", f"/verify/{t['document']}"),
        Page("health check", "public", "/healthz"),
        # the committee office (issue 15)
        Page("statistics", "admin", "/office/statistics"),
        Page("statistics", "chair", "/office/statistics"),
        Page("statistics, complaints", "admin", "/office/statistics?kind=complaint"),
        Page("cases CSV, investigation", "admin", "/office/export/cases.csv?status=investigation"),
        Page("cases CSV, all", "admin", "/office/export/cases.csv"),
    ]


def measure(app, log: StatementLog, raw: psycopg.Connection, clients: dict, page: Page,
            runs: int) -> Result:
    result = Result(page)
    if page.url is None:
        return result
    client = clients[page.role]
    warm = time.perf_counter()
    client.get(page.url, buffered=True)
    slow = time.perf_counter() - warm > PAGE_TIMEOUT
    wait_for_background()  # the jobs a request leaves run before the next one is timed
    for _ in range(1 if slow else runs):
        log.start()
        started = time.perf_counter()
        response = client.get(page.url, buffered=True)  # a streamed body is read to its end
        result.server.append(time.perf_counter() - started)
        statements = log.stop()
        wait_for_background()
        result.status = response.status_code
        result.statements.append(len(statements))
        elapsed, errors = replay(raw, statements)
        result.bare.append(elapsed)
        result.replay_errors = max(result.replay_errors, errors)
    return result


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.1f}" if values else "n/a"


def page_table(results: list[Result]) -> list[str]:
    head = (f"{'page':<34} {'role':<11} {'status':>6} {'stmts':>6} {'server ms':>10} "
            f"{'bare SQL ms':>11} {'ratio':>6}  note")
    lines = [head, "-" * len(head)]
    for r in results:
        p = r.page
        if p.url is None:
            lines.append(f"{p.label:<34} {p.role:<11} {'n/a':>6} {'n/a':>6} {'n/a':>10} "
                         f"{'n/a':>11} {'n/a':>6}  {p.note}")
            continue
        stmts = (str(r.statements[0]) if min(r.statements) == max(r.statements)
                 else f"{min(r.statements)}-{max(r.statements)}")
        server, bare = statistics.median(r.server), statistics.median(r.bare)
        no_sql = max(r.statements) == 0
        ratio = "n/a" if no_sql or bare <= 0 else f"{server / bare:.1f}"
        note = p.note
        if no_sql:
            note = (note + "; " if note else "") + "no SQL (served from the cache)"
        if r.replay_errors:
            note = (note + "; " if note else "") + f"{r.replay_errors} write(s) refused on " \
                "replay (the audit hash is taken)"
        if len(r.server) == 1:
            note = (note + "; " if note else "") + "timed once (slow)"
        lines.append(f"{p.label:<34} {p.role:<11} {r.status:>6} {stmts:>6} {ms(r.server):>10} "
                     f"{ms(r.bare):>11} {ratio:>6}  {note}")
    return lines


def run_pages(database_url: str, runs: int, out: list[str], only: str = "") -> dict:
    app = bench_app(database_url)
    url = local_url(database_url)
    with app.app_context():
        log = StatementLog(db.engine)
    with psycopg.connect(conninfo(url)) as conn:
        t = targets(conn)
    if not t["case"] or not t["document"]:
        raise SystemExit("The database has no generated cases: run bench/generate.py first.")
    out.append(f"Database: {url.database} ({t['cases']:,} cases, {t['audit']:,} audit entries); "
               f"{runs} runs per page after one warm-up; medians.")
    clients = {role: sign_in(app, email) for role, email in ROLES.items()}
    list_html = clients["chair"].get("/cases").get_data(as_text=True)
    results = []
    # the bare statements under the app's own session settings (app/__init__.py: no JIT)
    with psycopg.connect(conninfo(url), options="-c jit=off") as raw:
        for page in (p for p in pages(t, list_html) if only in p.label):
            results.append(measure(app, log, raw, clients, page, runs))
            print(page_table(results[-1:])[-1], flush=True)
        # every state's case page renders for the administrator and the chair (the data
        # is valid), and how many statements each runs
        broken, counts = [], []
        for state, number in t["by_state"] if not only else ():
            seen = []
            for role in ("admin", "chair"):
                log.start()
                status = clients[role].get(f"/cases/{number}").status_code
                seen.append(str(len(log.stop())) if status == 200 else str(status))
                if status != 200 and role == "admin":
                    broken.append(f"{state} ({number}): {status}")
            counts.append(f"{state} {'/'.join(seen)}")
    out.extend(page_table(results))
    if not only:
        out.append("")
        out.append("Case page of one case per state, as the administrator: " +
                   ("all 200" if not broken else "NOT 200: " + ", ".join(broken)))
        out.append("Its statements per state (administrator/chair; where the chair has not "
                   "declared, their page asks for the declaration): " + ", ".join(counts))
    return t


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def workers_of(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def wrk(url: str, duration: int, connections: int) -> dict:
    answer = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "5s", "--latency",
         url], capture_output=True, text=True, timeout=duration + 30)
    text = answer.stdout
    found = lambda pattern: (re.search(pattern, text, re.M) or [None, None])[1]  # noqa: E731
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))
    errors += int(found(r"Non-2xx or 3xx responses: (\d+)") or 0)
    return {"rps": float(found(r"Requests/sec:\s+([\d.]+)") or 0),
            "p50": found(r"^\s+50%\s+(\S+)\s*$") or "n/a",
            "p99": found(r"^\s+99%\s+(\S+)\s*$") or "n/a",
            "requests": int(found(r"(\d+) requests in") or 0), "errors": errors}


def run_throughput(database_url: str, t: dict, duration: int, connections: int,
                   out: list[str]) -> None:
    if shutil.which("wrk") is None:
        out.append("Throughput: n/a (wrk is not installed: apt-get install wrk)")
        return
    port = free_port()
    # Production settings need a Redis (sign-in limits, jobs): a database index of its own.
    env = {**os.environ, **bench_env(database_url), "APP_CONFIG": "production",
           "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"),
           "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-not-secret")}
    gunicorn = [str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
                "--chdir", str(ROOT / "bench"), "--pythonpath", str(ROOT), "--log-level",
                "warning", "bench_wsgi:app"]
    server = subprocess.Popen(gunicorn, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise SystemExit("gunicorn did not start within 30 s")
        paths = [("bare Flask route (ceiling)", "/bare/"), ("health check", "/healthz"),
                 ("verify a document", f"/verify/{t['document']}"),
                 ("public register", "/public-register"),
                 ("public register, a query", f"/public-register?q={t['sanctioned']}"),
                 ("public register JSON", "/public-register.json")]
        title = f"page (gunicorn -w 2, wrk -t2 -c{connections} -d{duration}s)"
        head = (f"{title:<50} {'req/s':>9} {'p50':>9} {'p99':>9} {'requests':>9} "
                f"{'errors':>7}")
        out.extend(["", head, "-" * len(head)])
        for label, path in paths:
            subprocess.run(["curl", "-s", "-o", "/dev/null", base + path], timeout=60,
                           check=False)  # warm each worker's caches once
            r = wrk(base + path, duration, connections)
            line = (f"{label:<50} {r['rps']:>9.1f} {r['p50']:>9} {r['p99']:>9} "
                    f"{r['requests']:>9} {r['errors']:>7}")
            out.append(line)
            print(line, flush=True)
        rss = [rss_mb(w) for w in workers_of(server.pid)]
        out.append("Worker RSS after the run: " + ", ".join(
            f"{m:.0f} MB" for m in rss if m is not None) + f" (master {rss_mb(server.pid):.0f} MB)")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--no-throughput", action="store_true")
    parser.add_argument("--only", default="", help="measure only pages whose name contains this")
    parser.add_argument("--out", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    if not 1 <= args.runs <= 50 or not 1 <= args.duration <= 120 or \
            not 1 <= args.connections <= 256:
        parser.error("--runs 1..50, --duration 1..120, --connections 1..256")
    out = [f"bench/pages.py on {os.cpu_count()} CPU(s), "
           f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average before: "
           + " ".join(f"{x:.2f}" for x in os.getloadavg())]
    started = time.perf_counter()
    t = run_pages(args.database_url, args.runs, out, args.only)
    if not args.no_throughput:
        run_throughput(args.database_url, t, args.duration, args.connections, out)
    out.append("")
    out.append(f"Load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
               f"took {time.perf_counter() - started:.0f} s.")
    report = "\n".join(out) + "\n"
    print("\n" + report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
