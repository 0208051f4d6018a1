"""Time the main pages as each role on a generated database, then the public pages under load.

    .venv/bin/python bench/pages.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_10k \\
        [--runs 5] [--warmup 5] [--duration 10] [--no-throughput]
        [--out bench/results/pages-10k.txt]

Part 1, pages: each person signs in through the real login form (the demo's accounts,
which bench/generate.py creates) with Flask's test client, and each page is fetched
--warmup times (default 5) to warm up, then --runs times, its body read to the end (a
streamed CSV included). Five, because psycopg prepares a statement on a connection the
fifth time it runs there (its prepare_threshold), and a worker's pooled connection serves
a page many times: timed after it, a page is in the state production serves it in, and
its bare statements (replayed during the warm-up too) are in the same state.
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

Part 3, staff views at once: the chair, signed in over HTTP, reads their case page (each
view records an audit entry) and their case list (which records nothing) under wrk with
gunicorn -w 1 and then -w 2 (production settings, a Celery worker sealing the trail as
in production): requests/s and the entries written, what the second worker adds to
each, and how long the sealer takes to catch up. The audit INSERT takes no lock, so the
page that writes gains as much from the second worker as the page that does not.

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
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote_plus, urlencode

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
        # the framework's own cost of a signed-in page: the session and a short template
        Page("floor: a static page, signed in", "chair", "/accessibility"),
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
            runs: int, warmup: int = 5) -> Result:
    result = Result(page)
    if page.url is None:
        return result
    client = clients[page.role]
    slow = False
    for _ in range(max(1, warmup)):
        warm = time.perf_counter()
        log.start()
        client.get(page.url, buffered=True)
        statements = log.stop()
        wait_for_background()  # the jobs a request leaves run before the next one is timed
        slow = time.perf_counter() - warm > PAGE_TIMEOUT
        if slow:
            break
        replay(raw, statements)  # the bare statements warm up as the page's do
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


def run_pages(database_url: str, runs: int, out: list[str], only: str = "",
              warmup: int = 5) -> dict:
    app = bench_app(database_url)
    url = local_url(database_url)
    with app.app_context():
        log = StatementLog(db.engine)
    with psycopg.connect(conninfo(url)) as conn:
        t = targets(conn)
    if not t["case"] or not t["document"]:
        raise SystemExit("The database has no generated cases: run bench/generate.py first.")
    out.append(f"Database: {url.database} ({t['cases']:,} cases, {t['audit']:,} audit entries); "
               f"{runs} runs per page after {warmup} to warm up; medians.")
    clients = {role: sign_in(app, email) for role, email in ROLES.items()}
    list_html = clients["chair"].get("/cases").get_data(as_text=True)
    results = []
    # the bare statements under the app's own session settings (app/__init__.py: no JIT, no
    # parallel workers)
    with psycopg.connect(conninfo(url), options=app.config["DATABASE_SESSION_OPTIONS"]) as raw:
        for page in (p for p in pages(t, list_html) if only in p.label):
            results.append(measure(app, log, raw, clients, page, runs, warmup))
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
                   "declared, their page asks for the declaration; where they are recused, "
                   "the case is not found: 404): " + ", ".join(counts))
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


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its children still running."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(child) for child in workers_of(pid))


def workers_of(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def wrk(url: str, duration: int, connections: int, cookie: str | None = None) -> dict:
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    answer = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "5s", "--latency",
         *headers, url], capture_output=True, text=True, timeout=duration + 30)
    text = answer.stdout
    found = lambda pattern: (re.search(pattern, text, re.M) or [None, None])[1]  # noqa: E731
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))
    errors += int(found(r"Non-2xx or 3xx responses: (\d+)") or 0)
    return {"rps": float(found(r"Requests/sec:\s+([\d.]+)") or 0),
            "p50": found(r"^\s+50%\s+(\S+)\s*$") or "n/a",
            "p99": found(r"^\s+99%\s+(\S+)\s*$") or "n/a",
            "requests": int(found(r"(\d+) requests in") or 0), "errors": errors}


def production_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a process serving the bench database with production settings:
    they need a Redis (sign-in limits, jobs, the public cache): a database index of its own."""
    return {**os.environ, **bench_env(database_url), "APP_CONFIG": "production",
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"),
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-not-secret"), **extra}


@contextmanager
def served(env: dict[str, str], workers: int):
    """gunicorn with `workers` workers on a free local port (bench_wsgi: the app and the
    bare route); yields (its base address, the server process); stopped on the way out."""
    port = free_port()
    gunicorn = [str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", str(workers),
                "-b", f"127.0.0.1:{port}", "--chdir", str(ROOT / "bench"),
                "--pythonpath", str(ROOT), "--log-level", "warning", "bench_wsgi:app"]
    server = subprocess.Popen(gunicorn, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
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
        yield f"http://127.0.0.1:{port}", server
    finally:
        stop(server)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def wrk_line(label: str, r: dict) -> str:
    return (f"{label:<50} {r['rps']:>9.1f} {r['p50']:>9} {r['p99']:>9} "
            f"{r['requests']:>9} {r['errors']:>7}")


def wrk_head(title: str) -> list[str]:
    head = f"{title:<50} {'req/s':>9} {'p50':>9} {'p99':>9} {'requests':>9} {'errors':>7}"
    return ["", head, "-" * len(head)]


def run_throughput(database_url: str, t: dict, duration: int, connections: int,
                   out: list[str]) -> None:
    if shutil.which("wrk") is None:
        out.append("Throughput: n/a (wrk is not installed: apt-get install wrk)")
        return
    with served(production_env(database_url), 2) as (base, server):
        paths = [("bare Flask route (ceiling)", "/bare/"), ("health check", "/healthz"),
                 ("verify a document", f"/verify/{t['document']}"),
                 ("public register", "/public-register"),
                 ("public register, a query", f"/public-register?q={t['sanctioned']}"),
                 ("public register JSON", "/public-register.json")]
        out.extend(wrk_head(f"page (gunicorn -w 2, wrk -t2 -c{connections} -d{duration}s)"))
        for label, path in paths:
            subprocess.run(["curl", "-s", "-o", "/dev/null", base + path], timeout=60,
                           check=False)  # warm each worker's caches once
            line = wrk_line(label, wrk(base + path, duration, connections))
            out.append(line)
            print(line, flush=True)
        rss = [rss_mb(w) for w in workers_of(server.pid)]
        out.append("Worker RSS after the run: " + ", ".join(
            f"{m:.0f} MB" for m in rss if m is not None) + f" (master {rss_mb(server.pid):.0f} MB)")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is an answer here, not a place to go


def http_sign_in(base: str, email: str) -> str:
    """Sign in through the login form over HTTP; return the Cookie header that carries the
    session. (Production cookies are Secure, which a cookie jar would not send back over
    plain http to 127.0.0.1: they are carried by hand.)"""
    opener = urllib.request.build_opener(NoRedirect)

    def cookie_of(answer) -> str:
        jar = SimpleCookie()
        for header in answer.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        return "; ".join(f"{k}={m.value}" for k, m in jar.items())

    with opener.open(base + "/login", timeout=10) as page:
        cookie = cookie_of(page)
        token = CSRF.search(page.read().decode())
    form = {"email": email, "password": DEMO_PASSWORD, "csrf_token": token.group(1) if token else ""}
    request = urllib.request.Request(base + "/login", data=urlencode(form).encode(),
                                     headers={"Cookie": cookie})
    try:
        opener.open(request, timeout=10)
        raise SystemExit(f"Signing in as {email} over HTTP did not redirect")
    except urllib.error.HTTPError as answer:  # the 302 after a sign-in
        if answer.code != 302:
            raise SystemExit(f"Signing in as {email} over HTTP: status {answer.code}") from None
        return cookie_of(answer)


def audit_counts(conn: psycopg.Connection) -> tuple[int, int]:
    """(entries, entries not yet sealed), read by the primary key's upper end: a count(*)
    over a million rows would take longer than the run it measures."""
    top = conn.execute("SELECT coalesce(max(id), 0) FROM audit_entries").fetchone()[0]
    pending = conn.execute("SELECT count(*) FROM audit_entries WHERE seq IS NULL").fetchone()[0]
    return top, pending


@contextmanager
def lock_waits(database_url: str):
    """Sample the database's client backends every 20 ms while the block runs; yields a
    dict filled with how many samples saw a backend at work or in a transaction
    ("busy") and how many saw one waiting for a lock ("lock": a row, a table or an
    advisory lock, as the audit's old global lock was)."""
    seen = {"busy": 0, "lock": 0}
    done = threading.Event()

    def sample() -> None:
        query = ("SELECT wait_event_type FROM pg_stat_activity WHERE datname = current_database()"
                 " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                 " AND state <> 'idle'")
        with psycopg.connect(conninfo(local_url(database_url)), autocommit=True) as conn:
            while not done.wait(0.02):
                for (wait,) in conn.execute(query):
                    seen["busy"] += 1
                    seen["lock"] += wait == "Lock"

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield seen
    finally:
        done.set()
        sampler.join(timeout=10)


def settled_counts(conn: psycopg.Connection) -> tuple[int, int]:
    """audit_counts once the server has finished what wrk left in flight (requests queued
    behind a busy worker are still served after wrk stops): the same twice, 0.3 s apart."""
    seen, deadline = audit_counts(conn), time.monotonic() + 15
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = audit_counts(conn)
        if now[0] == seen[0]:
            break
        seen = now
    return seen


def run_staff_load(database_url: str, t: dict, duration: int, connections: int,
                   out: list[str]) -> None:
    """Signed-in staff views at once, under gunicorn with 1 and then 2 workers, a Celery
    worker sealing the audit trail as production does: the chair's case page, which
    records an audit entry per view, beside the chair's case list, which records nothing.
    The audit INSERT takes no lock, so the page that writes gains from a second worker as
    much as the one that does not; every view leaves its entry, and the sealer catches up."""
    if shutil.which("wrk") is None or t["case"] is None:
        out.append("Staff views at once: n/a (" + ("wrk is not installed: apt-get install wrk"
                   if t["case"] else "no generated cases") + ")")
        return
    # the bench's demo accounts sign in with a password: no second factor for this server
    env = production_env(database_url, MFA_REQUIRED_ROLES="")
    celery = [str(ROOT / ".venv" / "bin" / "celery"), "-A", "make_celery", "worker",
              "--concurrency", "1", "--loglevel", "WARNING", "--without-gossip",
              "--without-mingle", "--without-heartbeat"]
    subprocess.run([*celery[:3], "purge", "-f"], cwd=ROOT, env=env, capture_output=True,
                   timeout=60, check=False)  # what an earlier run left queued
    sealer = subprocess.Popen(celery, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    booted = time.monotonic() + 60
    while not workers_of(sealer.pid) and time.monotonic() < booted:
        time.sleep(0.2)  # its pool's process starts once the app is loaded
    boot_cpu = cpu_seconds(sealer.pid)
    views = {"case page": f"/cases/{t['case']}", "case list": "/cases"}
    out.extend(wrk_head(f"the chair, signed in (wrk -t2 -c{connections} -d{duration}s)"))
    rates, pending, started, written = {}, 0, time.monotonic(), 0
    try:
        with psycopg.connect(conninfo(local_url(database_url)), autocommit=True) as conn:
            for workers in (1, 2):
                with served(env, workers) as (base, _server):
                    cookie = http_sign_in(base, ROLES["chair"])
                    for view, path in views.items():
                        label = f"{view}, gunicorn -w {workers}"
                        check = subprocess.run(
                            ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                             f"Cookie: {cookie}", base + path], capture_output=True,
                            text=True, timeout=60, check=False).stdout
                        if check != "200":
                            out.append(f"{label}: answered {check}, not 200: not measured")
                            continue
                        first, _ = settled_counts(conn)
                        with lock_waits(database_url) as seen:
                            r = wrk(base + path, duration, connections, cookie)
                        last, pending = settled_counts(conn)
                        rates[view, workers] = r["rps"]
                        written += last - first
                        out.append(wrk_line(label, r) + f"   audit entries written {last - first:,}"
                                   f"; waiting on a lock in {seen['lock']:,} of "
                                   f"{seen['busy']:,} samples of a busy backend")
                        print(out[-1], flush=True)
            started = time.monotonic()
            while pending and time.monotonic() - started < 120:
                time.sleep(0.5)
                pending = audit_counts(conn)[1]
        sealer_cpu = cpu_seconds(sealer.pid) - boot_cpu
    finally:
        stop(sealer)
    gains = [f"{rates[v, 2] / rates[v, 1]:.2f}x for the {v}" for v in views
             if rates.get((v, 1)) and (v, 2) in rates]
    if gains:
        sealed = (f"the Celery worker had sealed every entry {time.monotonic() - started:.0f} s "
                  "after the last run" if not pending else
                  f"{pending:,} entries were still unsealed 120 s after the last run")
        out.append(f"Two workers against one: {', '.join(gains)} (which records nothing); "
                   f"{sealed}, having used {sealer_cpu:.1f} s of CPU for {written:,} entries.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=5,
                        help="fetches of each page before it is timed (default 5: see above)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--no-throughput", action="store_true",
                        help="the pages table only (same as --parts pages)")
    parser.add_argument("--parts", default="pages,public,staff",
                        help="which parts to run, of pages, public, staff (default: all)")
    parser.add_argument("--only", default="", help="measure only pages whose name contains this")
    parser.add_argument("--out", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    if not 1 <= args.runs <= 50 or not 1 <= args.warmup <= 50 or \
            not 1 <= args.duration <= 120 or not 1 <= args.connections <= 256:
        parser.error("--runs 1..50, --warmup 1..50, --duration 1..120, --connections 1..256")
    parts = {"pages"} if args.no_throughput else set(args.parts.split(","))
    if not parts or parts - {"pages", "public", "staff"}:
        parser.error("--parts: a comma-separated list of pages, public, staff")
    out = [f"bench/pages.py on {os.cpu_count()} CPU(s), "
           f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average before: "
           + " ".join(f"{x:.2f}" for x in os.getloadavg())]
    started = time.perf_counter()
    if "pages" in parts:
        t = run_pages(args.database_url, args.runs, out, args.only, args.warmup)
    else:
        with psycopg.connect(conninfo(local_url(args.database_url))) as conn:
            t = targets(conn)
    if "public" in parts:
        run_throughput(args.database_url, t, args.duration, args.connections, out)
    if "staff" in parts:
        run_staff_load(args.database_url, t, args.duration, args.connections, out)
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
