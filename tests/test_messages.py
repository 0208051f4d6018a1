"""Case messages: private threads per party, content-free alerts, closed cases, witness links,
the staff dashboard, stock replies and the daily digest; through the real pages and a real
SMTP server."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.accounts.models import User
from app.audit.models import AuditEntry
from app.cases.models import Case, CaseEvent, Disclosure
from app.extensions import db
from app.messages.models import Message, Thread
from tests.case_helpers import PDF, case_in_state, clear

SECRET = "The invoice of 3 March was altered by hand"
LINK = re.compile(r"(http://\S+/witness/\S+)")


@pytest.fixture
def cast(app, make):
    """A served case under investigation, its parties, cleared staff, a recused member and
    an outsider."""
    make.catalogue()
    cert = make.certificant(email="rita@example.com")
    people = {
        "complainant": make.user(email="carla@example.com", name="Carla Complainant"),
        "respondent": make.user(email="rita@example.com", name="Rita Respondent",
                                certificant=cert),
        "chair": make.user("chair", "member", email="chair@example.com", name="Chris Chair"),
        "admin": make.user("admin", email="admin@example.com", name="Ada Admin"),
        "member": make.user("member", email="mo@example.com", name="Mo Member"),
        "recused": make.user("member", email="rex@example.com", name="Rex Recused"),
        "outsider": make.user(email="otto@example.com", name="Otto Outsider"),
    }
    with app.test_request_context():
        case = case_in_state("investigation", db.session.get(User, people["complainant"].id),
                             cert, db.session.get(User, people["respondent"].id))
        db.session.commit()
        number = case.number
    for who in ("chair", "member"):
        clear(app, people[who].id, number)
    from app.coi import services as coi
    with app.test_request_context():
        case = db.session.execute(select(Case).where(Case.number == number)).scalar_one()
        coi.recuse_self(case, db.session.get(User, people["recused"].id), "My cousin.")
        db.session.commit()
    return people, number


def _alerts(smtp, address):
    return [m for m in smtp.to(address) if m["Subject"].startswith("New message")]


def _deliver(runner):
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output


def _send(client, number, key, text, files=()):
    data = {"text": text}
    if files:
        data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(f"/cases/{number}/messages/{key}", data=data,
                       content_type="multipart/form-data", follow_redirects=True)


def test_each_party_reads_only_their_own_thread(app, cast, auth, client, smtp):
    people, number = cast
    auth.login(people["complainant"])
    r = _send(client, number, "complainant", SECRET, files=[("invoice.pdf", PDF)])
    assert r.status_code == 200 and SECRET in r.data.decode()
    page = client.get(f"/cases/{number}").data.decode()
    assert 'id="messages"' in page and f"/cases/{number}/messages/complainant" in page
    # the complainant cannot open the respondent's thread
    assert client.get(f"/cases/{number}/messages/respondent").status_code == 404
    auth.logout()

    auth.login(people["respondent"])
    assert client.get(f"/cases/{number}/messages/complainant").status_code == 404
    r = client.get(f"/cases/{number}/messages/respondent")
    assert r.status_code == 200 and SECRET not in r.data.decode()
    auth.logout()

    for who in ("recused", "outsider"):
        auth.login(people[who])
        assert client.get(f"/cases/{number}/messages/complainant").status_code == 404
        auth.logout()

    auth.login(people["member"])  # cleared on the case: the office
    r = client.get(f"/cases/{number}/messages/complainant")
    assert r.status_code == 200 and SECRET in r.data.decode() and "invoice.pdf" in r.data.decode()
    with app.app_context():
        read = db.session.execute(select(AuditEntry).where(
            AuditEntry.action == "message.thread_read", AuditEntry.actor_id == people["member"].id)
        ).scalars().all()
        assert read, "reading a thread is audited"
        # the message is on the staff timeline without its text, and its file is evidence
        event = db.session.execute(select(CaseEvent).where(CaseEvent.action == "message")
                                   ).scalars().one()
        assert "complainant" in event.summary and SECRET not in event.summary + event.body
        assert not event.to_complainant and not event.to_respondent


def test_alerts_carry_no_message_text(app, cast, auth, client, smtp, runner):
    people, number = cast
    auth.login(people["complainant"])
    _send(client, number, "complainant", SECRET)
    auth.logout()
    _deliver(runner)
    # the office is told: chair and administrator cleared on the case, never the recused member
    for address in ("chair@example.com", "admin@example.com"):
        [mail] = _alerts(smtp, address)
        text = smtp.text_of(mail)
        assert number in mail["Subject"] and SECRET not in text
        assert SECRET not in mail.get_body(preferencelist=("html",)).get_content()
        assert "Carla" not in text and f"/cases/{number}/messages/complainant" in text
    assert not _alerts(smtp, "rex@example.com") and not _alerts(smtp, "mo@example.com")

    auth.login(people["chair"])
    r = _send(client, number, "complainant", "Thank you, we will look into it.")
    assert r.status_code == 200
    auth.logout()
    _deliver(runner)
    [mail] = _alerts(smtp, "carla@example.com")
    text = smtp.text_of(mail)
    assert "look into it" not in text and "Chris" not in text and "Carla" in text
    with app.app_context():
        assert db.session.query(Disclosure).filter_by(item_type="message").count() == 1


def test_a_message_to_a_closed_case_arrives_marked(app, make, auth, client, smtp, runner):
    make.catalogue()
    cert = make.certificant()
    complainant = make.user(email="late@example.com")
    admin = make.user("admin", email="office@example.com")
    with app.test_request_context():
        case = case_in_state("dismissed", db.session.get(User, complainant.id), cert)
        db.session.commit()
        number = case.number
    auth.login(complainant)
    r = _send(client, number, "complainant", "I remembered one more thing.")
    assert r.status_code == 200 and "after the case closed" in r.data.decode()
    auth.logout()
    auth.login(admin)
    r = client.get(f"/cases/{number}/messages/complainant").data.decode()
    assert "received after the case closed" in r
    assert number in client.get("/").data.decode()  # waiting on the dashboard
    _deliver(runner)
    [mail] = _alerts(smtp, "office@example.com")
    assert "one more thing" not in smtp.text_of(mail)


def test_the_dashboard_lists_waiting_threads_with_their_wait(app, cast, auth, client):
    people, number = cast
    clock.freeze(clock.now())
    auth.login(people["respondent"])
    _send(client, number, "respondent", "What does a cautionary letter mean for me?")
    auth.logout()
    clock.freeze(clock.now() + timedelta(days=3, hours=2))
    auth.login(people["chair"])
    home = client.get("/").data.decode()
    assert "Messages waiting for the office" in home and "3 days" in home and "Respondent" in home
    _send(client, number, "respondent", "A cautionary letter is not disciplinary.")
    assert "No party is waiting" in client.get("/").data.decode()
    auth.logout()
    auth.login(people["recused"])
    assert number not in client.get("/").data.decode()


def test_a_refused_file_sends_nothing_and_keeps_the_text(app, cast, auth, client):
    people, number = cast
    auth.login(people["complainant"])
    r = _send(client, number, "complainant", "See the attached.",
              files=[("evil.pdf", b"MZ\x90\x00 not a pdf")])
    assert r.status_code == 400 and "See the attached." in r.data.decode()
    with app.app_context():
        assert db.session.query(Message).count() == 0


def test_stock_replies_start_a_reply(app, cast, auth, client):
    people, number = cast
    auth.login(people["admin"])
    r = client.post("/admin/stock-replies", data={"title": "Received",
                    "body": "We received your message and will answer within 5 days."},
                    follow_redirects=True)
    assert r.status_code == 200
    with app.app_context():
        from app.messages.models import StockReply
        reply_id = db.session.query(StockReply).one().id
    page = client.get(f"/cases/{number}/messages/complainant?stock={reply_id}").data.decode()
    assert "will answer within 5 days" in page
    auth.logout()
    auth.login(people["chair"])
    assert client.get("/admin/stock-replies").status_code == 403


def test_daily_digest_lists_where_never_what(app, cast, auth, client, smtp, runner):
    people, number = cast
    auth.login(people["chair"])
    client.post("/messages/alerts", data={"mode": "daily"})
    auth.logout()
    auth.login(people["complainant"])
    _send(client, number, "complainant", SECRET)
    auth.logout()
    _deliver(runner)
    assert not _alerts(smtp, "chair@example.com") and _alerts(smtp, "admin@example.com")
    result = runner.invoke(args=["messages", "digest"])
    assert result.exit_code == 0, result.output
    _deliver(runner)
    [mail] = [m for m in smtp.to("chair@example.com") if "New messages" in m["Subject"]]
    assert SECRET not in smtp.text_of(mail) and number in smtp.text_of(mail)
    runner.invoke(args=["messages", "digest"])  # once a day at most, and nothing new
    _deliver(runner)
    assert len([m for m in smtp.to("chair@example.com") if "New messages" in m["Subject"]]) == 1


def _witness_link(client, smtp, runner, number, email="wendy@example.com"):
    r = client.post(f"/cases/{number}/witness-links", data={
        "name": "Wendy Witness", "email": email, "days": 10,
        "request": "Please send the appointment diary for March 2025."}, follow_redirects=True)
    assert r.status_code == 200, r.data.decode()
    _deliver(runner)
    [mail] = smtp.to(email)
    assert "appointment diary" not in smtp.text_of(mail)
    return LINK.search(smtp.text_of(mail)).group(1)


def test_a_witness_reads_replies_and_uploads_through_the_link(app, cast, auth, client, smtp,
                                                             runner):
    people, number = cast
    auth.login(people["member"])
    url = _witness_link(client, smtp, runner, number)
    auth.logout()
    path = url.split("localhost", 1)[-1] if "localhost" in url else re.sub(r"^http://[^/]+", "", url)
    r = client.get(path)
    assert r.status_code == 200 and "appointment diary" in r.data.decode()
    assert r.headers["Cache-Control"] == "no-store"
    r = client.post(path, data={"text": "Here is the diary.",
                                "files": [(io.BytesIO(PDF), "diary.pdf")]},
                    content_type="multipart/form-data", follow_redirects=True)
    assert r.status_code == 200 and "Here is the diary." in r.data.decode()
    # the link opens nothing else: not the case, not another thread
    assert client.get(f"/cases/{number}").status_code == 302
    with app.app_context():
        thread = db.session.execute(select(Thread).where(Thread.party_role == "witness")).scalar_one()
        assert [m.sender for m in thread.messages] == ["office", "party"]
        assert thread.messages[1].attachments[0].evidence.original_name == "diary.pdf"
        uses = db.session.execute(select(AuditEntry.details).where(
            AuditEntry.action == "witness_link.used")).scalars().all()
        assert {u["what"] for u in uses} == {"opened", "replied"}
    auth.login(people["chair"])
    assert "Here is the diary." in client.get(
        f"/cases/{number}/messages/witness-{thread.witness_link_id}").data.decode()


def test_a_revoked_or_expired_witness_link_stops_working(app, cast, auth, client, smtp,
                                                         runner):
    people, number = cast
    auth.login(people["chair"])
    url = _witness_link(client, smtp, runner, number)
    path = re.sub(r"^http://[^/]+", "", url)
    with app.app_context():
        link_id = db.session.execute(select(Thread.witness_link_id).where(
            Thread.party_role == "witness")).scalar_one()
    assert client.get(path).status_code == 200
    r = client.post(f"/cases/{number}/witness-links/{link_id}/revoke", follow_redirects=True)
    assert r.status_code == 200
    auth.logout()
    r = client.get(path)
    assert r.status_code == 400 and "appointment diary" not in r.data.decode()
    assert client.post(path, data={"text": "late"}).status_code == 400

    auth.login(people["chair"])
    url2 = _witness_link(client, smtp, runner, number, email="walt@example.com")
    auth.logout()
    path2 = re.sub(r"^http://[^/]+", "", url2)
    clock.freeze(clock.now() + timedelta(days=11))
    r = client.get(path2)
    assert r.status_code == 400 and "expired" in r.data.decode()
    assert client.get(path2[:-3] + "abc").status_code == 400  # tampered
