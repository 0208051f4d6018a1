"""The same create sent twice at the same instant (a double click, two tabs, a retry) makes
one thing: votes, notes, declarations, evidence, registry imports. Real PostgreSQL, two
sessions of real HTTP clients released together."""
from __future__ import annotations

import io

import pytest
import test_proceedings as tp
from case_helpers import PDF
from sqlalchemy import func, select
from test_concurrent_issue import at_once, postgres_only, signed_in

from app.audit.models import AuditEntry
from app.cases.models import Case, CaseEvent, Evidence
from app.coi.models import CoiDeclaration
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.proceedings.models import Vote
from app.registry.models import Certificant

w = tp.w  # one case and everyone concerned with it, from the proceedings tests

pytestmark = pytest.mark.postgres_only


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def case_id(w) -> int:
    with w.app.app_context():
        return db.session.execute(select(Case.id).where(Case.number == w.number)).scalar_one()


def twice(w, who: str) -> list:
    """Two clients signed in as the same person."""
    return [w.clients[who], signed_in(w.app, w.users[who])]


def test_a_vote_sent_twice_at_once_is_one_vote(w):
    postgres_only(w.app)
    tp.open_case(w)
    tp.to_review(w)
    url = f"/cases/{w.number}/vote/outcome"
    data = {"vote-outcome-choice": "hearing", "vote-outcome-reasons": "Facts disputed."}
    responses = at_once(w.app, [(c, "post", url, dict(data)) for c in twice(w, "alma")])
    assert [r.status_code for r in responses] == [302, 302]  # never a 500
    assert count(w.app, Vote, Vote.case_id == case_id(w), Vote.member_id == w.id("alma")) == 1


def test_a_note_sent_twice_at_once_is_one_note(w):
    postgres_only(w.app)
    tp.open_case(w)
    url = f"/cases/{w.number}/notes"
    responses = at_once(w.app, [(c, "post", url, {"text": "Call the witness on Monday."})
                                for c in twice(w, "chair")])
    assert [r.status_code for r in responses] == [302, 302]
    assert count(w.app, CaseEvent, CaseEvent.case_id == case_id(w),
                 CaseEvent.action == "note") == 1
    assert count(w.app, AuditEntry, AuditEntry.action == "case.note_added") == 1
    page = w.page("chair")
    assert "Call the witness on Monday." in page


def test_a_declaration_sent_twice_at_once_is_one_declaration_and_one_notice(w, make):
    postgres_only(w.app)
    tp.open_case(w)
    nina = make.user("member", email="nina@example.com", name="Nina Newmember")
    clients = [signed_in(w.app, nina), signed_in(w.app, nina)]
    mail_before = {a: count(w.app, OutboxMessage, OutboxMessage.recipient == a)
                   for a in ("clara@example.com", "rory@example.com")}
    url = f"/cases/{w.number}/declaration"
    data = {"kind": "disclosure", "relation": "friend",
            "text": "We studied together twenty years ago."}
    responses = at_once(w.app, [(c, "post", url, dict(data)) for c in clients])
    assert all(r.status_code in (302, 400) for r in responses), \
        [r.status_code for r in responses]
    assert count(w.app, CoiDeclaration, CoiDeclaration.member_id == nina.id) == 1
    for address, before in mail_before.items():
        # each party is told of the disclosure once
        assert count(w.app, OutboxMessage, OutboxMessage.recipient == address) == before + 1


def test_evidence_sent_twice_at_once_is_filed_once(w):
    postgres_only(w.app)
    tp.open_case(w)
    w.do("chair", "assign_investigators", member_ids=w.ids("ivy"))
    url = f"/cases/{w.number}/investigation/evidence"
    upload_dir = w.app.config["UPLOAD_DIR"]
    files_before = len(list(upload_dir.iterdir()))

    def form() -> dict:
        return {"source": "Handed over by the complainant on 3 November.",
                "evidence": [(io.BytesIO(PDF + b"%ledger"), "ledger.pdf")]}

    requests = [(c, "post", url, form()) for c in twice(w, "ivy")]
    responses = at_once(w.app, requests)
    assert [r.status_code for r in responses] == [302, 302]
    assert count(w.app, Evidence, Evidence.case_id == case_id(w),
                 Evidence.context == "investigation") == 1
    # the second copy's file was removed: one new file on disk for one new row
    assert len(list(upload_dir.iterdir())) == files_before + 1


def test_one_csv_imported_twice_at_once_creates_each_record_once(app, make):
    postgres_only(app)
    admins = [signed_in(app, make.user("admin", email="ada@example.com")),
              signed_in(app, make.user("admin", email="abe@example.com"))]
    rows = "".join(f"CCM-7{i:05d},Person {i},p{i}@example.com,active,2030-01-31\n"
                   for i in range(40))
    csv = ("certification_number,name,email,status,expiry_date\n" + rows).encode()
    responses = at_once(app, [(c, "post", "/registry/import",
                               {"file": (io.BytesIO(csv), "registry.csv")}) for c in admins])
    assert [r.status_code for r in responses] == [200, 200]
    assert count(app, Certificant, Certificant.cert_number.like("CCM-7%")) == 40
    with app.app_context():
        reports = [e.details for e in db.session.execute(select(AuditEntry).where(
            AuditEntry.action == "registry.imported")).scalars()]
    outcomes = sorted((r["created"], r["unchanged"], r["rejected"]) for r in reports)
    assert outcomes == [(0, 40, 0), (40, 0, 0)]  # the second found the first one's rows
