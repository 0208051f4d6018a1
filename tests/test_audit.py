"""The audit chain: written without a lock, sealed with the audit key, checked by `flask audit verify`.

Tampering is done the way someone with database access would do it: raw SQL, and on
PostgreSQL with the append-only trigger switched off (`session_replication_role`), as
a superuser could.
"""
from __future__ import annotations

import hashlib
import json

import pytest
from pages import Page
from sqlalchemy import event, select, text

from app import create_app
from app.audit.models import AuditEntry
from app.audit.sealing import seal_pending
from app.audit.services import record, redact_for_target, redact_personal, verify_chain
from app.audit.signing import audit_key, content_mac, link_hash
from app.extensions import db

# tampering goes through connections of its own: the tables are emptied after each test
# instead of rolled back
pytestmark = pytest.mark.committed


@pytest.fixture(autouse=True)
def checkpoint_dir(app, tmp_path, monkeypatch):
    """Each test keeps its checkpoints in a folder of its own."""
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_DIR", tmp_path / "audit")
    return tmp_path / "audit"


def _entries(app, n: int, **personal) -> None:
    with app.test_request_context():
        for i in range(n):
            record("test.event", target_type="thing", target_id=i, n=i, personal=personal or None)
        db.session.commit()


def _rows(app) -> list[AuditEntry]:
    with app.app_context():
        rows = db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
        db.session.expunge_all()
        return rows


def _tamper(app, sql: str, **params) -> None:
    """Change the table behind the application's back."""
    with app.app_context(), db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(sql), params)


def _verify(runner):
    return runner.invoke(args=["audit", "verify"])


# --- writing and sealing -------------------------------------------------------------------

def test_entries_are_written_unsealed_then_sealed_and_verify(app, runner):
    _entries(app, 3)
    assert [e.seq for e in _rows(app)] == [None, None, None]
    assert runner.invoke(args=["audit", "seal"]).output == "Sealed 3 entries.\n"
    rows = _rows(app)
    assert [e.seq for e in rows] == [1, 2, 3]
    assert [e.prev_hash for e in rows[1:]] == [e.hash for e in rows[:2]]
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert "Audit chain intact: 3 entries checked" in result.output


def test_verify_seals_what_is_pending_first(app, runner):
    _entries(app, 2)
    result = _verify(runner)
    assert result.exit_code == 0 and "2 entries checked (2 sealed now" in result.output


def test_a_request_seals_the_entries_it_committed(app, make, auth):
    admin = make.user("admin")  # written outside a request: left pending
    assert [e.seq for e in _rows(app)] == [None]
    auth.login(admin)  # records auth.login and commits; the request seals both after
    rows = _rows(app)
    assert [e.action for e in rows] == ["account.created", "auth.login"]
    assert [e.seq for e in rows] == [1, 2]
    with app.app_context():
        assert verify_chain().ok


def test_the_actor_and_address_are_personal_and_details_are_not(app, make):
    user = make.user(email="ann@example.com")
    with app.test_request_context(environ_base={"REMOTE_ADDR": "192.0.2.7"}):
        record("test.event", actor=user, target_type="cases", target_id=4, number="EC-1",
               name="Ann Example", reason="she said so")
        db.session.commit()
    entry = _rows(app)[-1]
    assert entry.details == {"number": "EC-1"}
    assert entry.personal == {"actor": "ann@example.com", "ip": "192.0.2.7",
                              "name": "Ann Example", "reason": "she said so"}
    assert entry.actor_label == "ann@example.com" and entry.ip_address == "192.0.2.7"


def test_entries_cannot_be_changed_through_the_app(app):
    _entries(app, 3)
    with app.app_context():
        entry = db.session.query(AuditEntry).first()
        entry.action = "rewritten"
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.query(AuditEntry).first())
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.flush()
        db.session.rollback()


# --- tampering -----------------------------------------------------------------------------

def test_verify_names_an_altered_entry(app, runner):
    _entries(app, 3)
    seal_and_ids = [e.id for e in _rows(app)]
    _verify(runner)
    _tamper(app, "UPDATE audit_entries SET details = :d WHERE id = :id",
            d='{"n": 99}', id=seal_and_ids[1])
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"BROKEN at entry {seal_and_ids[1]} " in result.output
    assert "content does not match its MAC" in result.output


def test_verify_names_altered_personal_data(app, runner):
    _entries(app, 2, witness="Jo Bloggs")
    _verify(runner)
    first = _rows(app)[0]
    _tamper(app, "UPDATE audit_entries SET personal = :p WHERE id = :id",
            p=json.dumps({**first.personal, "witness": "Someone Else"}), id=first.id)
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"BROKEN at entry {first.id} " in result.output
    assert "personal data does not match its digest" in result.output


def test_verify_notices_a_removed_entry(app, runner):
    _entries(app, 3)
    _verify(runner)
    ids = [e.id for e in _rows(app)]
    _tamper(app, "DELETE FROM audit_entries WHERE id = :id", id=ids[1])
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"BROKEN at entry {ids[2]} " in result.output and "missing" in result.output


def test_truncation_is_detected_against_the_checkpoint(app, runner, checkpoint_dir):
    _entries(app, 5)
    written = runner.invoke(args=["audit", "checkpoint"])
    assert "5 entries, last 5" in written.output
    assert _verify(runner).exit_code == 0
    last_two = [e.id for e in _rows(app)][-2:]
    _tamper(app, "DELETE FROM audit_entries WHERE id IN (:a, :b)", a=last_two[0], b=last_two[1])
    result = _verify(runner)
    assert result.exit_code == 1
    assert "BROKEN at number 4 in the chain" in result.output
    assert "chain ends at entry 3" in result.output and "recorded 5" in result.output


def test_without_a_checkpoint_verify_says_so(app, runner):
    _entries(app, 1)
    assert "No checkpoint to compare against" in _verify(runner).output


def test_appended_forgery_with_a_plain_hash_is_detected(app, runner):
    _entries(app, 3)
    _verify(runner)
    head = _rows(app)[-1]
    forged_hash = hashlib.sha256(b"forged" + head.hash.encode()).hexdigest()
    _tamper(app, "INSERT INTO audit_entries (created_at, action, details, nonce, mac, seq, "
                 "prev_hash, hash) VALUES (:at, 'case.dismiss', '{}', 'x', :mac, 4, :prev, :hash)",
            at=head.created_at.replace(tzinfo=None), mac=hashlib.sha256(b"m").hexdigest(),
            prev=head.hash, hash=forged_hash)
    forged = _rows(app)[-1]
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"BROKEN at entry {forged.id} (number 4" in result.output


def test_an_entry_slipped_in_unsealed_is_sealed_but_still_detected(app, runner):
    """Only the application (holding the key) writes a valid content MAC."""
    _entries(app, 2)
    _tamper(app, "INSERT INTO audit_entries (created_at, action, details, nonce, mac) "
                 "VALUES ('2026-01-01 00:00:00', 'case.dismiss', '{}', 'x', :mac)",
            mac=hashlib.sha256(b"guess").hexdigest())
    forged = _rows(app)[-1]
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"BROKEN at entry {forged.id} (number 3" in result.output
    assert "not written by the application" in result.output


def _rechain(app, start_id: int, link) -> None:
    """Recompute every link from one entry on, as a forger would after an edit."""
    prev = None
    for row in _rows(app):
        if row.id < start_id:
            prev = row.hash
            continue
        new_hash = link(row.seq, prev, row.mac)
        _tamper(app, "UPDATE audit_entries SET prev_hash = :p, hash = :h WHERE id = :id",
                p=prev, h=new_hash, id=row.id)
        prev = new_hash


def test_an_edit_rechained_with_plain_sha256_is_detected(app, runner):
    _entries(app, 4)
    _verify(runner)
    second = _rows(app)[1]
    new_mac = hashlib.sha256(b'{"n": 99}').hexdigest()
    _tamper(app, "UPDATE audit_entries SET details = :d, mac = :m WHERE id = :id",
            d='{"n": 99}', m=new_mac, id=second.id)
    _rechain(app, second.id, lambda seq, prev, mac: hashlib.sha256(
        f"{seq}{prev}{mac}".encode()).hexdigest())
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"BROKEN at entry {second.id} " in result.output


def test_an_edit_rechained_with_the_key_is_caught_by_the_checkpoint(app, runner):
    """Even with the key, history before a checkpoint cannot be rewritten unnoticed."""
    _entries(app, 4)
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    second = _rows(app)[1]
    with app.app_context():
        key = audit_key()
        forged = content_mac(key, created_at=second.created_at, actor_id=None,
                             action=second.action, target_type=second.target_type,
                             target_id=second.target_id, details={"n": 99},
                             personal_digest=second.personal_digest, nonce=second.nonce)
    _tamper(app, "UPDATE audit_entries SET details = :d, mac = :m WHERE id = :id",
            d='{"n": 99}', m=forged, id=second.id)
    _rechain(app, second.id, lambda seq, prev, mac: link_hash(key, seq, prev, mac))
    result = _verify(runner)
    assert result.exit_code == 1
    assert "differs from the signed checkpoint" in result.output


def test_an_altered_checkpoint_file_is_detected(app, runner, checkpoint_dir):
    _entries(app, 3)
    runner.invoke(args=["audit", "checkpoint"])
    path = checkpoint_dir / "checkpoints.jsonl"
    path.write_text(path.read_text().replace('"count":3', '"count":2'))
    result = _verify(runner)
    assert result.exit_code == 1 and "not signed with the audit key" in result.output


def test_the_sealer_checkpoints_every_n_entries_and_mails_them(app, runner, smtp, monkeypatch,
                                                               checkpoint_dir):
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_EVERY", 3)
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_EMAIL", "auditor@example.org")

    def seal_after(n):
        _entries(app, n)
        with app.app_context():
            seal_pending(wait=False)

    path = checkpoint_dir / "checkpoints.jsonl"
    seal_after(2)
    assert not path.exists()
    seal_after(2)  # 4 sealed, 4 since the last checkpoint
    seal_after(1)  # 5 sealed, 1 since
    seal_after(3)  # 8 sealed, 4 since
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(c["count"], c["last_seq"]) for c in lines] == [(4, 4), (8, 8)]
    assert lines[-1]["head"] == _rows(app)[-1].hash
    assert "2 sent" in runner.invoke(args=["outbox", "send"]).output
    mailed = smtp.to("auditor@example.org")
    assert [m["Subject"] for m in mailed] == ["Audit checkpoint: 4 entries",
                                              "Audit checkpoint: 8 entries"]
    assert lines[-1]["signature"] in smtp.text_of(mailed[-1])
    assert _verify(runner).exit_code == 0


# --- redaction -----------------------------------------------------------------------------

def test_redaction_keeps_the_chain_and_removes_the_personal_text(app, make, runner, auth, client):
    admin = make.user("admin", email="boss@example.com")
    with app.test_request_context():
        record("case.note_added", actor=admin, target_type="cases", target_id=7, number="EC-7",
               personal={"text": "Jane Roe told us about the insurer"})
        record("case.note_added", target_type="cases", target_id=8, number="EC-8",
               personal={"text": "Keep this one"})
        db.session.commit()
    assert _verify(runner).exit_code == 0  # sealed before redaction
    _entries(app, 1)  # one more, still pending when redacted
    with app.test_request_context():
        redacted = redact_for_target("cases", 7, actor=admin)
        db.session.commit()
    assert redacted == 1

    result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert "1 redacted" in result.output
    with app.app_context(), db.engine.connect() as conn:
        stored = [str(tuple(r)) for r in conn.execute(text("SELECT * FROM audit_entries"))]
    assert not any("Jane Roe" in r for r in stored)
    assert not any("boss@example.com" in r and "EC-7" in r for r in stored)
    assert any("Keep this one" in r for r in stored)
    [done] = [e for e in _rows(app) if e.action == "audit.redacted"]
    assert (done.target_type, done.target_id, done.details) == ("cases", "7", {"entries": 1})

    auth.login(admin)
    page = Page(client.get("/admin/audit/?target_type=cases&target_id=7").data.decode())
    note = next(row for row in page.rows if "case.note_added" in row)
    assert "redacted" in note[3] and note[7] == "redacted"
    assert "Jane Roe" not in page.text
    kept = Page(client.get("/admin/audit/?target_id=8").data.decode())
    assert "Keep this one" in kept.text


def test_redacting_an_unsealed_entry_then_sealing_verifies(app, runner):
    _entries(app, 2, witness="Jo Bloggs")
    with app.app_context():
        assert redact_personal(_rows(app)[:1]) == 1
        db.session.commit()
    result = _verify(runner)
    assert result.exit_code == 0 and "1 redacted" in result.output


# --- the log page --------------------------------------------------------------------------

def test_admin_browses_and_filters_the_log(app, make, auth, client):
    admin = make.user("admin", email="boss@example.com")
    app.test_client().post("/login", data={"email": "nobody@example.com",
                                           "password": "wrong password!!"})
    auth.login(admin)
    page = client.get("/admin/audit/?action=auth.login_failed").data.decode()
    assert "nobody@example.com" in page and "auth.login_failed" in page
    assert "account.created" not in page
    everything = client.get("/admin/audit/?actor=boss").data.decode()
    assert "account.created" in everything and "auth.login" in everything


def test_log_search_takes_wildcards_literally(app, make, auth, client):
    admin = make.user("admin", email="boss@example.com")
    auth.login(admin)
    assert "auth.login" in client.get("/admin/audit/?action=auth.").data.decode()
    for query in ("action=auth_login", "action=%25login", "actor=%25", "actor=boss_example"):
        page = client.get(f"/admin/audit/?{query}").data.decode()
        assert "No entries match." in page, query


# --- streaming, settings -------------------------------------------------------------------

def test_verify_reads_the_log_a_page_at_a_time(app):
    _entries(app, 7)
    with app.app_context():
        seal_pending()
        statements = []

        def seen(conn, cursor, statement, *args):
            if "FROM audit_entries" in statement and "LIMIT" in statement:
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            report = verify_chain(page=3)
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
    assert report.ok and report.checked == 7
    assert len(statements) == 4  # pages of 3, 3, 1 and an empty one


def test_production_refuses_to_start_without_an_audit_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db/ethics")
    monkeypatch.delenv("AUDIT_KEY", raising=False)
    with pytest.raises(RuntimeError, match="AUDIT_KEY"):
        create_app("production")
    monkeypatch.setenv("AUDIT_KEY", "short")
    with pytest.raises(RuntimeError, match="AUDIT_KEY"):
        create_app("production")

