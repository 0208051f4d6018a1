"""The shipped benchmark still runs: generated data is valid, its audit chain verifies,
every page the benchmark visits answers (PostgreSQL only, as the benchmark is)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
TEST_URL = os.environ.get("TEST_DATABASE_URL", "")

pytestmark = pytest.mark.skipif(
    not TEST_URL.startswith("postgresql"),
    reason="the benchmark generator loads PostgreSQL with COPY: set TEST_DATABASE_URL to a "
           "PostgreSQL database")


@pytest.fixture(scope="module")
def bench_db():
    """A small generated database beside the test database, dropped afterwards."""
    url = make_url(TEST_URL)
    bench = url.set(database=f"bench_{url.database}")
    rendered = bench.render_as_string(hide_password=False)
    answer = _run(sys.executable, "bench/generate.py", "--database-url", rendered,
                  "--cases", "300", "--audit", "2000", timeout=300)
    assert answer.returncode == 0, answer.stderr[-2000:]
    yield rendered, answer.stdout
    admin = f"host={url.host} port={url.port or 5432} user={url.username} dbname=postgres"
    if url.password:
        admin += f" password={url.password}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "bench_{url.database}" WITH (FORCE)')


def _run(*command: str, timeout: int, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "SECRET_KEY": "bench-test", **env})


def test_generated_audit_chain_verifies_with_the_apps_command(bench_db):
    url, report = bench_db
    # the generator prints the environment to verify with (key, checkpoints, database)
    line = next(line for line in report.splitlines() if line.startswith("Check the chain: "))
    env = dict(pair.split("=", 1) for pair in line.split(": ", 1)[1].split() if "=" in pair)
    assert env["DATABASE_URL"] == url
    answer = _run(sys.executable, "-m", "flask", "--app", "wsgi", "audit", "verify",
                  timeout=120, **env)
    assert answer.returncode == 0, answer.stderr
    checked = int(re.search(r"intact: (\d+) entries", answer.stdout).group(1))
    assert checked >= 2000
    assert "audit entries: " in report


def test_every_benchmarked_page_answers_and_the_register_has_entries(bench_db, tmp_path):
    url, _ = bench_db
    out = tmp_path / "pages.txt"
    answer = _run(sys.executable, "bench/pages.py", "--database-url", url, "--runs", "1",
                  "--warmup", "1", "--no-throughput", "--out", str(out), timeout=300)
    assert answer.returncode == 0, answer.stderr[-2000:]
    report = out.read_text()
    lines = report.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("---")) + 1
    rows = lines[first:lines.index("", first)]
    assert len(rows) >= 30
    statuses = {re.split(r"\s{2,}", row.strip())[2] for row in rows}
    assert statuses <= {"200", "n/a"}, report
    assert "one case per state, as the administrator: all 200" in report

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        entries = conn.execute(
            "SELECT count(*) FROM sanctions s JOIN decisions d ON d.id = s.decision_id "
            "WHERE d.final_at IS NOT NULL AND s.kind IN ('public_reprimand', 'probation', "
            "'suspension', 'revocation')").fetchone()[0]
        states = {row[0] for row in conn.execute("SELECT DISTINCT status FROM cases")}
    assert entries >= 1
    assert {"draft", "submitted", "investigation", "closed", "dismissed"} <= states


@pytest.mark.skipif(shutil.which("wrk") is None, reason="the load runs need Debian's wrk")
def test_staff_views_under_load_each_leave_their_audit_entry_and_are_sealed(bench_db, tmp_path):
    url, _ = bench_db
    out = tmp_path / "staff.txt"
    answer = _run(sys.executable, "bench/pages.py", "--database-url", url, "--parts", "staff",
                  "--duration", "2", "--connections", "4", "--out", str(out), timeout=300)
    assert answer.returncode == 0, answer.stderr[-2000:]
    report = out.read_text()
    rows = {(m.group(1), int(m.group(2))): tuple(int(g.replace(",", "")) for g in m.groups()[2:])
            for m in re.finditer(r"^(case page|case list), gunicorn -w (\d) .*?(\d+)\s+(\d+)"
                                 r"\s+audit entries written ([\d,]+);", report, re.M)}
    assert set(rows) == {("case page", 1), ("case page", 2), ("case list", 1),
                         ("case list", 2)}, report
    for (view, _), (requests, errors, written) in rows.items():
        assert requests > 0 and errors == 0, report
        if view == "case page":  # every view that answered wrote its entry (wrk may
            assert requests <= written <= requests + 4, report  # not count the last ones)
        else:
            assert written == 0, report
    assert "sealed every entry" in report, report
