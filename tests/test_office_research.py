"""The de-identified research extract (S16, S28): no identifier of any demo person, no
combination of quasi-identifiers under k, reproducible, audited (issue 15)."""
from __future__ import annotations

import csv
import io
from collections import Counter

from conftest import login_client
from sqlalchemy import select

from app.accounts.services import find_by_email
from app.audit.models import AuditEntry
from app.cases.models import Case
from app.demo import DEMO_PASSWORD, DEMO_REGISTRY, DEMO_USERS
from app.extensions import db
from app.office.research import COLUMNS, QUASI, anonymise
from app.registry.services import find_by_number
from tests.case_helpers import case_in_state

ADMIN = "admin@example.org"


def _more_cases(app, n=6):
    """Enough alike cases for one group to reach k."""
    with app.app_context():
        clara, record = find_by_email("cert1@example.org"), find_by_number("CCM-100003")
        for _ in range(n):
            case_in_state("submitted", clara, record)
        db.session.commit()


def test_no_identifier_and_no_small_group(demo):
    _more_cases(demo)
    client = login_client(demo, ADMIN, DEMO_PASSWORD)
    r = client.get("/office/research/extract.csv")
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == COLUMNS
    assert rows, "the alike cases make one group of at least k"
    groups = Counter(tuple(row[q] for q in QUASI) for row in rows)
    assert min(groups.values()) >= demo.config["RESEARCH_MIN_CELL"]
    with demo.app_context():
        numbers = db.session.execute(select(Case.number).where(Case.number.is_not(None))).scalars()
        identifiers = ([u["email"] for u in DEMO_USERS] + [u["name"] for u in DEMO_USERS]
                       + [n for r in DEMO_REGISTRY for n in (r[0], r[1], r[2]) if n]
                       + list(numbers))
        for part in (name for u in DEMO_USERS for name in u["name"].split()):
            identifiers.append(part)
    lowered = text.lower()
    for identifier in identifiers:
        assert identifier.lower() not in lowered, identifier
    # reproducible, and every download is audited with what it held
    again = client.get("/office/research/extract.csv")
    assert again.data == r.data
    assert again.headers["X-Extract-SHA256"] == r.headers["X-Extract-SHA256"]
    with demo.app_context():
        entries = db.session.execute(select(AuditEntry).where(
            AuditEntry.action == "office.research_extract")).scalars().all()
        assert len(entries) == 2
        assert entries[0].details["rows"] == len(rows)
        assert entries[0].details["sha256"] == r.headers["X-Extract-SHA256"]


def test_only_administrators(demo):
    for who in ("chair@example.org", "cert1@example.org"):
        client = login_client(demo, who, DEMO_PASSWORD)
        assert client.get("/office/research/extract.csv").status_code == 403
    page = login_client(demo, ADMIN, DEMO_PASSWORD).get("/office/research").get_data(as_text=True)
    assert "Data dictionary" in page and "standards_alleged" in page


def row(**kw):
    base = {c: "" for c in COLUMNS} | {"year": "2026", "month": "3", "kind": "complaint",
                                      "standards_alleged": "S7", "outcome": "open"}
    return base | kw


def test_small_groups_are_generalised_then_left_out():
    rows = [row() for _ in range(5)] + [row(standards_alleged="S9") for _ in range(3)] \
        + [row(standards_alleged="S1", kind="staff")]
    kept, left_out = anonymise(rows, 5)
    # the three S9 cases and the staff case are generalised (month, standards, then outcome
    # and sanction, then kind) into one group of four, still under k: left out
    groups = Counter(tuple(r[q] for q in QUASI) for r in kept)
    assert min(groups.values()) >= 5
    assert left_out == 4 and len(kept) == 5
    assert sum(1 for r in kept if r["standards_alleged"] == "S7") == 5
    assert anonymise(rows, 5) == (kept, left_out)
    # five alike cases in different months keep their standards, not their months
    spread = [row(month=str(m)) for m in range(1, 6)]
    kept, left_out = anonymise(spread, 5)
    assert left_out == 0 and {(r["month"], r["standards_alleged"]) for r in kept} == {("*", "S7")}
