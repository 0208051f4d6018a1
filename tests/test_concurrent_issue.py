"""Issuing is idempotent: two administrators issuing the same document at the same instant
get one original and the recipients one email (real PostgreSQL, two sessions at once)."""
from __future__ import annotations

import threading

import pytest
import test_documents as td
from conftest import PASSWORD

from app.documents.models import Document
from app.extensions import db
from app.notifications.models import OutboxMessage

story = td.story  # the served complaint of the document tests


def postgres_only(app) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite lets one writer in at a time, so there is no race to test; "
                        "run with TEST_DATABASE_URL=postgresql+psycopg://...")


def at_once(app, requests) -> list:
    """Send each (client, method, url, data) at the same instant; return the responses."""
    barrier = threading.Barrier(len(requests))
    responses: list = [None] * len(requests)
    errors: list[BaseException] = []

    def send(i: int, client, method: str, url: str, data: dict) -> None:
        try:
            barrier.wait(timeout=30)
            responses[i] = getattr(client, method)(url, data=data)
        except BaseException as error:  # reported in the test's thread
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=send, args=(i, *r)) for i, r in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return responses


def signed_in(app, user):
    client = app.test_client()
    r = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert r.status_code == 302
    return client


@pytest.mark.postgres_only
@pytest.mark.parametrize("attempt", range(3))
def test_two_concurrent_issues_make_one_original_and_one_email(app, story, make, runner, smtp,
                                                               attempt):
    postgres_only(app)
    people, numbers = story
    served = numbers["served"]
    admins = [signed_in(app, people["admin"]),
              signed_in(app, make.user("admin", email="abe@example.com", name="Abe Admin"))]
    url = f"/cases/{served}/documents/receipt/issue"
    responses = at_once(app, [(c, "post", url, {}) for c in admins])
    assert [r.status_code for r in responses] == [302, 302]  # never a 500
    pages = [c.get(f"/cases/{served}").data.decode() for c in admins]
    assert sum(f"{served}-D1 issued and sent" in p for p in pages) == 1
    assert sum("it was not issued again" in p for p in pages) == 1
    with app.app_context():
        docs = db.session.query(Document).filter_by(kind="receipt").all()
        assert [(d.number, d.status) for d in docs] == [(f"{served}-D1", "issued")]
        mail = db.session.query(OutboxMessage).filter(
            OutboxMessage.subject.like("Receipt of complaint%")).count()
    assert mail == 1
    runner.invoke(args=["outbox", "send"])
    assert [m["Subject"] for m in smtp.to("clara@example.com")
            if m["Subject"].startswith("Receipt")] == [f"Receipt of complaint {served}-D1"]


@pytest.mark.postgres_only
def test_two_concurrent_corrections_make_one_correction(app, story, make):
    postgres_only(app)
    people, numbers = story
    served = numbers["served"]
    admins = [signed_in(app, people["admin"]),
              signed_in(app, make.user("admin", email="abe@example.com", name="Abe Admin"))]
    assert admins[0].post(f"/cases/{served}/documents/receipt/issue").status_code == 302
    url = f"/cases/{served}/documents/receipt/issue"
    responses = at_once(app, [(c, "post", url, {"reason": f"Fix {i}"})
                              for i, c in enumerate(admins)])
    assert all(r.status_code in (302, 422) for r in responses)
    with app.app_context():
        docs = db.session.query(Document).filter_by(kind="receipt").order_by(Document.seq).all()
        assert [d.status for d in docs] == ["superseded", "issued"]
        assert docs[1].supersedes_id == docs[0].id
