"""Bulk work runs as a job whose page shows its progress and says when it is done."""
from __future__ import annotations

import re

import test_documents as td
from test_outbox_claims import _queue

from app.documents.models import Document
from app.extensions import db
from app.jobs.models import Job
from app.notifications.models import OutboxMessage

story = td.story  # three complaints: one served, one asked for information, one dismissed


def _job_page(client, response) -> str:
    assert response.status_code == 302, response.status_code
    location = response.headers["Location"]
    assert re.search(r"/admin/jobs/\d+$", location)
    return client.get(location).data.decode()


def test_bulk_issue_issues_once_per_case_and_shows_progress(app, story, auth, client, runner,
                                                           smtp):
    people, numbers = story
    auth.login(people["admin"])
    page = client.get("/admin/jobs/issue?kind=receipt").data.decode()
    assert all(n in page for n in numbers.values())
    assert "Cases waiting for it (3)" in page
    page = _job_page(client, client.post("/admin/jobs/issue", data={"kind": "receipt"}))
    assert "Finished: 3 of 3 done." in page
    assert 'http-equiv="refresh"' not in page  # finished: the page stops refreshing
    for number in numbers.values():
        assert f"{number}-D1 issued to 1 recipient(s)" in page
    with app.app_context():
        assert db.session.query(Document).filter_by(kind="receipt", status="issued").count() == 3
        assert db.session.query(OutboxMessage).filter(
            OutboxMessage.subject.like("Receipt of complaint%")).count() == 3
    # nothing is left waiting: a second run is refused, not repeated
    r = client.post("/admin/jobs/issue", data={"kind": "receipt"})
    assert r.status_code == 422 and "No case is waiting for this document." in r.data.decode()
    runner.invoke(args=["outbox", "send"])
    assert len([m for m in smtp.to("clara@example.com")
                if m["Subject"].startswith("Receipt")]) == 3


def test_a_running_job_page_refreshes_itself(app, make, auth, client):
    admin = make.user("admin")
    with app.app_context():
        job = Job(kind="issue_documents", title="Issue receipts", status="running", total=4,
                  done=1, lines=["EC-2026-00001-D1 issued"], created_by_id=admin.id)
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    auth.login(admin)
    page = client.get(f"/admin/jobs/{job_id}").data.decode()
    assert 'http-equiv="refresh"' in page and "1 of 4 (25%)" in page


def test_resend_failed_sends_each_again_with_progress(app, make, auth, client, smtp):
    _queue(app, 2)
    with app.app_context():
        for message in db.session.query(OutboxMessage):
            message.status, message.attempts, message.last_error = "failed", 8, "gave up"
        db.session.commit()
    auth.login(make.user("admin"))
    assert "Send the 2 failed message(s) again" in client.get("/admin/jobs/").data.decode()
    page = _job_page(client, client.post("/admin/jobs/resend-failed"))
    assert "Finished: 2 of 2 done." in page and "reader1@example.com: sent" in page
    assert sorted(m["To"] for m in smtp.messages) == ["reader0@example.com", "reader1@example.com"]
    with app.app_context():
        assert {m.status for m in db.session.query(OutboxMessage)} == {"sent"}
