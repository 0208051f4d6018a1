"""CSV exports of the staff lists: the page's filters, never a recused case, formulas
neutralised, each export audited (issue 15)."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.cases.models import Case
from app.coi.models import Recusal
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.office.exports import neutralise
from app.registry.models import Certificant
from tests.case_helpers import case_in_state, clear


def rows_of(response) -> list[dict]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.is_streamed
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


@pytest.fixture
def listed(app, cast):
    people = cast("complainant", "respondent", "record", "chair", "admin")
    with app.app_context():
        numbers = {}
        for state in ("submitted", "submitted", "investigation", "awaiting_response"):
            case = case_in_state(state, people["complainant"], people["record"],
                                 people["respondent"])
            numbers.setdefault(state, []).append(case.number)
        record = db.session.get(Certificant, people["record"].id)
        record.name = "=HYPERLINK(\"http://evil.example\")"
        db.session.commit()
    people["numbers"] = numbers
    return people


def test_the_case_list_exports_the_rows_of_its_filters(client, auth, listed):
    auth.login(listed["admin"])
    page = client.get("/cases?status=submitted").get_data(as_text=True)
    assert 'href="/office/export/cases.csv?status=submitted"' in page
    rows = rows_of(client.get("/office/export/cases.csv?status=submitted"))
    assert sorted(r["number"] for r in rows) == sorted(listed["numbers"]["submitted"])
    assert {r["status"] for r in rows} == {"submitted"}
    assert {r["allegations"] for r in rows} == {"S7"}
    # a spreadsheet would run the respondent's "name": it is text now
    assert {r["respondent"] for r in rows} == {"'=HYPERLINK(\"http://evil.example\")"}
    assert len(rows_of(client.get("/office/export/cases.csv"))) == 4


def test_every_export_is_audited(app, client, auth, listed):
    auth.login(listed["admin"])
    rows_of(client.get("/office/export/cases.csv?status=submitted&older_than="))
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(
            AuditEntry.action == "office.exported").order_by(AuditEntry.id.desc())).scalars().first()
        assert entry.actor_id == listed["admin"].id
        assert entry.details == {"list": "cases", "filters": {"status": "submitted"}, "rows": 2}


def test_a_recused_member_never_exports_the_case(app, client, auth, listed):
    chair = listed["chair"]
    with app.app_context():
        for numbers in listed["numbers"].values():
            for number in numbers:
                clear(app, chair.id, number)
    recused_from = listed["numbers"]["submitted"][0]
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.number == recused_from)).scalar_one()
        db.session.add(Recusal(case_id=case.id, member_id=chair.id, cause="self", reason="Family."))
        db.session.commit()
    auth.login(chair)
    for url in ("/office/export/cases.csv", "/office/export/intake.csv",
                "/office/export/cases.csv?status=submitted"):
        numbers = {r["number"] for r in rows_of(client.get(url))}
        assert recused_from not in numbers
        assert numbers
    deadlines = rows_of(client.get("/office/export/deadlines.csv"))
    assert [r["case"] for r in deadlines] == listed["numbers"]["awaiting_response"]
    assert deadlines[0]["kind"] == "response"


def test_the_intake_queue_oldest_first(client, auth, listed):
    auth.login(listed["admin"])
    assert 'href="/office/export/intake.csv"' in client.get("/cases/intake").get_data(as_text=True)
    rows = rows_of(client.get("/office/export/intake.csv"))
    assert [r["number"] for r in rows] == listed["numbers"]["submitted"]


def test_outbox_and_audit_log_for_administrators(app, client, auth, listed):
    with app.app_context():
        db.session.add(OutboxMessage(recipient="a@example.com", subject="@SUM(1+1)", template="t",
                                     text_body="t", html_body="h", status="failed"))
        db.session.commit()
    auth.login(listed["admin"])
    assert 'href="/office/export/outbox.csv' in client.get("/admin/outbox/").get_data(as_text=True)
    rows = rows_of(client.get("/office/export/outbox.csv?status=failed"))
    assert [(r["recipient"], r["subject"]) for r in rows] == [("a@example.com", "'@SUM(1+1)")]
    rows_of(client.get("/office/export/cases.csv"))
    assert 'href="/office/export/audit.csv' in client.get("/admin/audit/").get_data(as_text=True)
    rows = rows_of(client.get("/office/export/audit.csv?action=office."))
    assert [r["action"] for r in rows] == ["office.exported"] * 3
    assert client.get("/office/export/nothing.csv").status_code == 404


def test_staff_only(client, auth, listed):
    auth.login(listed["complainant"])
    assert client.get("/office/export/cases.csv").status_code == 403
    auth.logout()
    auth.login(listed["chair"])
    assert client.get("/office/export/outbox.csv").status_code == 403


@pytest.mark.parametrize("cell,text", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-2", "'-2"), ("@x", "'@x"), ("\tx", "'\tx"),
    ("plain", "plain"), (None, ""), (3, "3")])
def test_neutralise(cell, text):
    assert neutralise(cell) == text
