"""Exports (issue 16): the certified record of a proceeding and a person's own data.

On the demo: a staff record ZIP verifies at /verify and with `flask documents verify`, and a
changed byte in any member (the manifest and the index included) is found; every demo
reader's record of every case they may read holds exactly what the policy lets them open,
and nothing for a recused member or one awaiting declaration; a respondent's own data holds
only what a respondent may see; one export in progress per requester; only the requester
downloads, until it expires; every request and download is audited; the pages keep to
their statement budget.
"""
from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from budget import count_statements
from conftest import login_client
from pypdf import PdfReader
from sqlalchemy import select
from test_concurrent_issue import at_once, postgres_only

from app import access, clock
from app.accounts.models import User
from app.accounts.services import find_by_email
from app.audit.models import AuditEntry
from app.cases.models import Case
from app.coi import services as coi
from app.demo import DEMO_PASSWORD
from app.documents.models import Document
from app.documents.services import documents_of
from app.exports import bundle, services
from app.exports.models import Export
from app.exports.tasks import expire_exports
from app.extensions import db
from app.policy import can
from app.storage import store

ADMIN, CHAIR = "admin@example.org", "chair@example.org"
CLARA, RORY, WANDA = "cert1@example.org", "cert2@example.org", "cert3@example.org"
READERS = (ADMIN, CHAIR, "member1@example.org", "member2@example.org", "member3@example.org",
           "member4@example.org", "member5@example.org", "member6@example.org",
           CLARA, RORY, WANDA)


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _client(app, email):
    return login_client(app, email, DEMO_PASSWORD)


def _case(number: str) -> Case:
    return db.session.execute(select(Case).where(Case.number == number)).scalar_one()


def _record(client, number: str) -> tuple[int, bytes]:
    """Ask for a case's record, follow it to ready, and download it: (export id, ZIP)."""
    r = client.post(f"/cases/{number}/record")
    assert r.status_code == 302, r.status_code
    status_url = r.headers["Location"]
    export_id = int(status_url.rsplit("/", 1)[1])
    page = client.get(status_url).get_data(as_text=True)
    assert "Ready:" in page and "Download the ZIP" in page
    z = client.get(f"/exports/{export_id}/download")
    assert z.status_code == 200 and z.mimetype == "application/zip"
    return export_id, z.data


def _names(data: bytes) -> set[str]:
    return set(zipfile.ZipFile(io.BytesIO(data)).namelist())


def _rezip(data: bytes, change: str) -> bytes:
    """The same ZIP with one byte of one member changed."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = bytearray(source.read(info))
            if info.filename == change:
                content[len(content) // 2] ^= 0x01
            target.writestr(info.filename, bytes(content))
    return out.getvalue()


def _allowed(reader: User, case: Case, prefix: str = "") -> set[str]:
    """What the policy says this reader may open of the case, as the ZIP names it: the
    documents and evidence the download rules allow, the audit entries and disclosure log
    for staff cleared on the case."""
    names = {f"{prefix}documents/{d.number}.pdf" for d in documents_of(case)
             if can(reader, "document.download", d) and d.disposed_at is None}
    names |= {f"{prefix}evidence/{e.id}-{bundle._safe(e.original_name)}" for e in case.evidence
              if can(reader, "evidence.download", e)}
    # (the audit trail names who voted and noted: as the tally, not for a member kept apart
    # from the panel's deliberation)
    if can(reader, "case.view_internal", case) and can(reader, "case.see_votes", case):
        names.add(f"{prefix}audit.json")
    if can(reader, "case.see_disclosure_log", case):
        names |= {f"{prefix}disclosure-log.json", f"{prefix}disclosure-log.csv"}
    return names


RESTRICTED = ("documents/", "evidence/", "audit.json", "disclosure-log.")


def _restricted(names: set[str], prefix: str = "") -> set[str]:
    return {n for n in names if n.startswith(prefix)
            and n[len(prefix):].startswith(RESTRICTED)}


def test_a_staff_record_verifies_and_any_changed_byte_is_found(app, demo, runner, tmp_path):
    admin = _client(app, ADMIN)
    number = "EC-2026-00014"  # final: documents, evidence, a hearing, a decision
    export_id, data = _record(admin, number)
    with app.app_context():
        export = db.session.get(Export, export_id)
        index = db.session.execute(select(Document).where(
            Document.number == export.index_number)).scalar_one()
        assert export.index_number == f"{number}-X{export_id}" and index.case_id is None
        assert index.attests == export.manifest_sha256
        case = _case(number)
        reader = find_by_email(ADMIN)
        expected = _allowed(reader, case)
    names = _names(data)
    assert {"index.pdf", "manifest.json", "case.json", "timeline.json", "timeline.csv",
            "hearing.json", "audit.json"} <= names
    assert _restricted(names) == expected
    assert any(n.startswith("evidence/") for n in names)
    assert sum(n.startswith("documents/") for n in names) >= 3
    bundle_zip = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(bundle_zip.read("manifest.json"))
    assert {m["name"] for m in manifest["members"]} == names - {"index.pdf", "manifest.json"}
    # the index: a real PDF listing every member with its hash, and the manifest's hash
    text = "".join(pdf_text(bundle_zip.read("index.pdf")).split())
    assert export.manifest_sha256 in text and export.index_number in text
    for member in manifest["members"]:
        assert member["sha256"] in text
    # the staff record carries the audit entries of the case and of its documents
    audit = json.loads(bundle_zip.read("audit.json"))
    assert {"case.submit", "case.accept", "document.issued", "export.requested"} <= {
        e["action"] for e in audit}
    # the index verifies at /verify, by number and as a copy
    page = admin.get(f"/verify/{export.index_number}").get_data(as_text=True)
    assert index.sha256 in page and export.manifest_sha256 in page
    copy = admin.post(f"/verify/{export.index_number}", content_type="multipart/form-data",
                      data={"file": (io.BytesIO(bundle_zip.read("index.pdf")), "index.pdf")})
    assert "Genuine." in copy.get_data(as_text=True)
    # and the whole bundle with `flask documents verify`
    path = tmp_path / "record.zip"
    path.write_bytes(data)
    result = runner.invoke(args=["documents", "verify", str(path)])
    assert result.exit_code == 0, result.output
    assert f"INTACT: index {export.index_number}" in result.output
    # a changed byte in any member, the manifest and the index included, is found
    for name in sorted(names):
        path.write_bytes(_rezip(data, name))
        result = runner.invoke(args=["documents", "verify", str(path)])
        assert result.exit_code == 1, (name, result.output)
        assert f"FAILED: {name}" in result.output, (name, result.output)
    # a member added or taken away too
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename != "timeline.csv":
                target.writestr(info.filename, source.read(info))
        target.writestr("extra.txt", b"slipped in")
    path.write_bytes(out.getvalue())
    result = runner.invoke(args=["documents", "verify", str(path)])
    assert result.exit_code == 1
    assert "FAILED: timeline.csv: missing" in result.output
    assert "FAILED: extra.txt: not in the manifest" in result.output
    # the request, the build and the download are audited
    with app.app_context():
        actions = set(db.session.execute(select(AuditEntry.action).where(
            AuditEntry.target_type == "exports",
            AuditEntry.target_id == str(export_id))).scalars())
        assert {"export.requested", "export.built", "export.downloaded"} <= actions


def test_each_readers_record_holds_what_the_policy_lets_them_open(app, demo):
    """Every demo reader, every case: the record's documents, evidence, audit entries and
    disclosure log are exactly what the policy lets that reader open (and nothing for a
    case they cannot read)."""
    with app.test_request_context():
        cases = db.session.execute(select(Case).where(Case.number.is_not(None))
                                   .order_by(Case.id)).scalars().all()
        checked = 0
        for email in READERS:
            reader = find_by_email(email)
            for case in cases:
                if not can(reader, "export.record", case):
                    continue
                names = {m.name for m in bundle.record_members(case, reader)}
                assert _restricted(names) == _allowed(reader, case), (email, case.number)
                if not can(reader, "case.view_internal", case):
                    timeline = json.loads(next(m for m in bundle.record_members(case, reader)
                                               if m.name == "timeline.json").make())
                    assert not any(line["internal"] for line in timeline)
                checked += 1
        assert checked > 40


def test_parties_get_their_part_and_the_refused_get_nothing(app, demo, make):
    number = "EC-2026-00017"  # final: Wanda complained about Rory
    with app.app_context():
        case = _case(number)
        case.withhold_identity = True  # the chair withheld Wanda's name from Rory
        db.session.commit()
        rory, wanda = find_by_email(RORY), find_by_email(WANDA)
        allowed = {RORY: _allowed(rory, case), WANDA: _allowed(wanda, case)}
    with app.app_context():
        case = _case(number)
        files = [(f"/documents/{d.number}.pdf", f"documents/{d.number}.pdf")
                 for d in documents_of(case)]
        files += [(f"/evidence/{e.id}", f"evidence/{e.id}-{bundle._safe(e.original_name)}")
                  for e in case.evidence]
    for email in (RORY, WANDA):
        client = _client(app, email)
        _, data = _record(client, number)
        names = _names(data)
        assert _restricted(names) == allowed[email]
        # the same answer as the download routes give this reader: in the ZIP, byte for
        # byte, exactly what they may download; what they may not (404) is not in it
        answers = set()
        for url, name in files:
            r = client.get(url)
            answers.add(r.status_code)
            assert r.status_code in (200, 404), (email, url)
            assert (name in names) == (r.status_code == 200), (email, url)
            if r.status_code == 200:
                assert zipfile.ZipFile(io.BytesIO(data)).read(name) == r.data
        assert answers == {200, 404}, (email, answers)  # each is refused something
        assert "audit.json" not in names and "disclosure-log.json" not in names
        overview = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("case.json"))
        if email == RORY:
            text = b" ".join(zipfile.ZipFile(io.BytesIO(data)).read(n) for n in names
                             if n.endswith((".json", ".csv")))
            assert b"Wanda" not in text
            assert overview["complainant"] == "withheld at the complainant's request"
            assert "remedy_sought" not in overview and "relation" not in overview
        else:
            assert overview["complainant"] == "Wanda Witness" and "remedy_sought" in overview
    # a member recused from the case and a member who has not declared: 404, no export
    awaiting = make.user("member")
    with app.test_request_context():
        recused = find_by_email("member2@example.org")
        case = _case(number)
        if not access.is_recused(recused, case):
            coi.recuse_self(case, recused, "The respondent is a former colleague.")
        db.session.commit()
        assert access.awaiting_declaration(db.session.get(User, awaiting.id), case)
        recused_id = recused.id
    for member_id, client in ((recused_id, _client(app, "member2@example.org")),
                              (awaiting.id, login_client(app, awaiting))):
        assert client.post(f"/cases/{number}/record").status_code == 404
        with app.app_context():
            assert not can(db.session.get(User, member_id), "export.record", _case(number))
            assert db.session.execute(select(Export).where(
                Export.requester_id == member_id)).first() is None


def test_the_own_data_of_a_respondent_holds_only_what_a_respondent_may_see(app, demo):
    client = _client(app, RORY)
    page = client.get("/account")
    assert "Your data: ask for a copy" in page.get_data(as_text=True)
    r = client.post("/account/data")
    assert r.status_code == 302
    export_id = int(r.headers["Location"].rsplit("/", 1)[1])
    data = client.get(f"/exports/{export_id}/download").data
    names = _names(data)
    files = zipfile.ZipFile(io.BytesIO(data))
    assert {"account.json", "registry.json", "notices.json", "messages.json",
            "practice-disclosures.json", "index.pdf", "manifest.json"} <= names
    account = json.loads(files.read("account.json"))
    assert account["email"] == RORY and "password_hash" not in account
    assert not any("totp" in key for key in account)
    assert json.loads(files.read("registry.json"))["cert_number"] == "CCM-100002"
    assert all(n["subject"] for n in json.loads(files.read("notices.json")))
    with app.app_context():
        rory = find_by_email(RORY)
        user_row = db.session.get(User, rory.id)
        assert user_row.password_hash.encode() not in data
        cases = bundle.own_cases(rory)
        as_respondent = [c for c in cases if c.complainant_id != rory.id]
        assert as_respondent and any(c.complainant_id == rory.id for c in cases)
        for case in cases:
            prefix = f"cases/{case.number or f'draft-{case.id}'}/"
            assert _restricted(names, prefix) == _allowed(rory, case, prefix), case.number
            assert f"{prefix}audit.json" not in names
        for case in as_respondent:
            prefix = f"cases/{case.number}/"
            overview = json.loads(files.read(f"{prefix}case.json"))
            assert "remedy_sought" not in overview and "relation" not in overview
        # nothing of a case he is not a party to (or not yet served on)
        others = db.session.execute(select(Case.number).where(
            Case.number.is_not(None))).scalars().all()
        folders = {n.split("/")[1] for n in names if n.startswith("cases/")}
        assert folders == {c.number or f"draft-{c.id}" for c in cases}
        assert set(others) - folders
    # the request is logged and the administrators list it
    admin = _client(app, ADMIN)
    listing = admin.get("/admin/data-requests").get_data(as_text=True)
    assert "Rory Respondent" in listing and "Ready" in listing
    assert _client(app, CLARA).get("/admin/data-requests").status_code == 403
    with app.app_context():
        actions = set(db.session.execute(select(AuditEntry.action).where(
            AuditEntry.target_type == "exports",
            AuditEntry.target_id == str(export_id))).scalars())
        assert {"export.requested", "export.built", "export.downloaded"} <= actions


def test_one_export_in_progress_per_requester_and_case(app, demo, monkeypatch):
    with app.test_request_context():
        admin, case = find_by_email(ADMIN), _case("EC-2026-00001")
        first, created = services.request_record(case, admin)
        db.session.commit()
        assert created and first.status == "queued"
        again, created = services.request_record(case, admin)
        assert not created and again.id == first.id
        # two identical requests at the same instant: both looked before either wrote,
        # so the second finds nothing in progress; the unique index refuses its row
        real = services.in_progress
        calls = []

        def blind_first(user, scope):
            calls.append(scope)
            return None if len(calls) == 1 else real(user, scope)

        monkeypatch.setattr(services, "in_progress", blind_first)
        third, created = services.request_record(case, admin)
        assert not created and third.id == first.id
        db.session.commit()
        assert db.session.execute(select(Export).where(
            Export.requester_id == admin.id, Export.case_id == case.id)).scalars().all() == [first]
    monkeypatch.undo()
    client = _client(app, ADMIN)
    r = client.post("/cases/EC-2026-00001/record", follow_redirects=True)
    assert "already being built" in r.get_data(as_text=True)


def test_only_the_requester_downloads_until_it_expires(app, demo):
    clara = _client(app, CLARA)
    export_id, _ = _record(clara, "EC-2026-00001")
    for email in (ADMIN, WANDA):
        other = _client(app, email)
        assert other.get(f"/exports/{export_id}").status_code == 404
        assert other.get(f"/exports/{export_id}/download").status_code == 404
    with app.app_context():
        stored = db.session.get(Export, export_id).stored_name
        assert store("exports").read(stored)
    clock.freeze(clock.now() + timedelta(days=app.config["EXPORT_DAYS"], minutes=1))
    try:
        assert clara.get(f"/exports/{export_id}/download").status_code == 410
        page = clara.get(f"/exports/{export_id}").get_data(as_text=True)
        assert "has expired" in page
    finally:
        clock.freeze(None)
    with app.app_context():
        assert db.session.get(Export, export_id).status == "expired"
        with pytest.raises(FileNotFoundError):
            store("exports").read(stored)


def test_the_daily_task_deletes_a_zip_nobody_opens_again(app, demo):
    clara = _client(app, CLARA)
    export_id, _ = _record(clara, "EC-2026-00001")
    with app.app_context():
        stored = db.session.get(Export, export_id).stored_name
    clock.freeze(clock.now() + timedelta(days=app.config["EXPORT_DAYS"], minutes=1))
    try:
        with app.app_context():
            assert expire_exports.run() == {"expired": 1}
            assert db.session.get(Export, export_id).status == "expired"
            with pytest.raises(FileNotFoundError):
                store("exports").read(stored)
            assert expire_exports.run() == {"expired": 0}
    finally:
        clock.freeze(None)


def test_a_reader_who_loses_the_case_gets_no_record(app, demo):
    """A member recused between the request and the build: the job refuses, builds nothing."""
    with app.test_request_context():
        member, case = find_by_email("member2@example.org"), _case("EC-2026-00014")
        if not can(member, "export.record", case):
            coi.declare(case, member, "none")
        export, _ = services.request_record(case, member)
        coi.recuse_self(case, member, "I know the respondent after all.")
        db.session.commit()
        services.build(export.id)
        export = db.session.get(Export, export.id)
        assert export.status == "failed" and "no longer open to you" in export.error
        assert export.stored_name is None and export.index_number is None


BUDGET = 10


def test_the_export_pages_keep_to_their_budget_as_rows_double(app, demo):
    """The own-data page, an export's page and the administrators' list: at most ten
    statements, and no more with twice the exports."""
    admin = _client(app, ADMIN)
    rory = _client(app, RORY)

    def add_rows(n):
        with app.app_context():
            users = [find_by_email(e) for e in READERS]
            for i in range(n):
                for user in users:
                    db.session.add(Export(kind="own_data", scope=f"old-{i}-{clock.now()}",
                                          requester_id=user.id, status="failed",
                                          error="old"))
            db.session.commit()

    add_rows(5)  # 55 requests: a second page
    r = rory.post("/account/data")
    export_url = r.headers["Location"]
    pages = [(admin, "/admin/data-requests"), (admin, "/admin/data-requests?page=2"),
             (rory, "/account/data"), (rory, export_url)]

    def measure():
        out = []
        for client, url in pages:
            client.get(url)
            with count_statements(app) as seen:
                assert client.get(url).status_code == 200, url
            out.append(seen)
        return out

    first = measure()
    add_rows(6)
    second = measure()
    for (_, url), before, after in zip(pages, first, second, strict=True):
        assert after.count <= BUDGET, f"{url}: {after.count}\n{after.report()}"
        assert after.count <= before.count, f"{url}: {before.count} → {after.count}\n{after.report()}"


@pytest.mark.postgres_only
def test_two_identical_requests_at_the_same_instant_make_one_export(app, demo):
    """Real PostgreSQL, two sessions at once (last in the module: it commits for real)."""
    postgres_only(app)
    number = "EC-2026-00004"
    clients = [_client(app, CHAIR), _client(app, CHAIR)]
    responses = at_once(app, [(c, "post", f"/cases/{number}/record", {}) for c in clients])
    assert [r.status_code for r in responses] == [302, 302]  # never a 500
    with app.app_context():
        chair, case = find_by_email(CHAIR), _case(number)
        exports = db.session.execute(select(Export).where(
            Export.requester_id == chair.id, Export.case_id == case.id)).scalars().all()
        assert len(exports) == 1 and exports[0].status == "done"
        asked = db.session.execute(select(AuditEntry).where(
            AuditEntry.action == "export.requested", AuditEntry.actor_id == chair.id)
        ).scalars().all()
        assert sorted(bool(e.details.get("in_progress")) for e in asked) == [False, True]


def test_a_build_that_breaks_leaves_no_file_and_says_so(app, demo, monkeypatch, tmp_path):
    """An evidence file missing from storage: the export fails with a message, its
    temporary file is gone, nothing is stored, no index is issued, and it is audited."""
    monkeypatch.setitem(app.config, "EXPORT_DIR", tmp_path)
    with app.test_request_context():
        admin, case = find_by_email(ADMIN), _case("EC-2026-00001")
        evidence = case.evidence[0]
        path = store("evidence").path(evidence.stored_name)
        kept = path.read_bytes()
        indexes = db.session.execute(select(Document).where(Document.case_id.is_(None))
                                     ).scalars().all()
        export, _ = services.request_record(case, admin)
        db.session.commit()
        path.unlink()
        try:
            services.build(export.id)
        finally:
            path.write_bytes(kept)
        export = db.session.get(Export, export.id)
        assert export.status == "failed" and "could not be built" in export.error
        assert export.stored_name is None and export.index_number is None
        assert db.session.execute(select(Document).where(Document.case_id.is_(None))
                                  ).scalars().all() == indexes
        assert not list(tmp_path.iterdir())
        assert db.session.execute(select(AuditEntry).where(
            AuditEntry.action == "export.failed",
            AuditEntry.target_id == str(export.id))).scalar_one()
