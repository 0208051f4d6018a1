"""The public register, its JSON and /verify at scale: paginated, cached until a sanction
becomes final or a document changes, revalidated with ETag / Last-Modified (issue 11)."""
from __future__ import annotations

import io
import re
import secrets

import pytest
from case_helpers import case_in_state
from flask import template_rendered
from sqlalchemy import text

from app import create_app
from app.accounts.models import Role, User
from app.cases.models import Case
from app.documents.models import Document
from app.extensions import db
from app.proceedings import services as p
from app.registry.models import Certificant
from config import TestingConfig


@pytest.fixture
def cached_app(app):
    """The app with its cache on (the suite's config turns it off), on the same database."""
    config = type("CachedConfig", (TestingConfig,), {
        "CACHE_TYPE": "SimpleCache",
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    return create_app(config)


def _people(make):
    make.catalogue()
    return {"complainant": make.user(name="Clara Complainant"),
            "chair": make.user(Role.CHAIR, Role.MEMBER, name="Cecil Chair"),
            "panel": [make.user(Role.MEMBER), make.user(Role.MEMBER)],
            "respondent": make.user(name="Rory Respondent")}


def _case(app, people, state: str, name: str) -> str:
    with app.test_request_context():
        cert = Certificant(cert_number=f"CCM-{secrets.randbelow(900000) + 100000}", name=name,
                           status="active")
        db.session.add(cert)
        db.session.flush()
        users = {k: db.session.get(User, v.id) for k, v in people.items() if k != "panel"}
        case = case_in_state(state, users["complainant"], cert, users["respondent"],
                             chair=users["chair"],
                             panel=[db.session.get(User, u.id) for u in people["panel"]])
        db.session.commit()
        return case.number


def test_the_register_is_paged_with_its_page_in_the_json(app, make, client):
    people = _people(make)
    for n in range(53):
        _case(app, people, "final", f"Suspended Person{n:02d}")
    first = client.get("/public-register.json").get_json()
    assert len(first["entries"]) == 50 and first["total"] == 53 and first["page"] == 1
    second = client.get(first["next"]).get_json()
    assert len(second["entries"]) == 3 and second["next"] is None
    names = {e["name"] for e in first["entries"] + second["entries"]}
    assert len(names) == 53
    page = client.get("/public-register?q=Person").get_data(as_text=True)
    assert "53 entries" in page and 'rel="next"' in page and "q=Person" in page


@pytest.mark.committed  # the cached app has its own connections
def test_a_cached_register_changes_when_a_sanction_becomes_final(cached_app, make):
    people = _people(make)
    _case(cached_app, people, "final", "Frank Final")
    pending = _case(cached_app, people, "decided", "Dora Decided")
    client = cached_app.test_client()

    first = client.get("/public-register.json")
    assert [e["name"] for e in first.get_json()["entries"]] == ["Frank Final"]
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get("/public-register.json", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/public-register", headers={"If-Modified-Since": modified}) \
        .status_code in (200, 304)

    # a change the app did not make (no commit through it) is not seen: the page is cached
    with cached_app.app_context():
        db.session.execute(text("UPDATE certificants SET name = 'Frank Changed' "
                                "WHERE name = 'Frank Final'"))
        db.session.commit()
    assert "Frank Final" in client.get("/public-register").get_data(as_text=True)

    # the decision becoming final (the appeal window closed) is seen at once
    with cached_app.test_request_context():
        case = db.session.query(Case).filter_by(number=pending).one()
        p.finalize(case)
        db.session.commit()
    after = client.get("/public-register.json", headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["ETag"] != etag
    assert {e["name"] for e in after.get_json()["entries"]} == {"Frank Changed", "Dora Decided"}


def _decision_document(app, number: str, chair_id: int) -> None:
    """The case's decision as an issued document row (its file is not needed to verify)."""
    with app.app_context():
        case = db.session.query(Case).filter_by(number=number).one()
        db.session.add(Document(case_id=case.id, seq=1, number=f"{number}-D1",
                                kind="decision_and_order", title="Decision and order",
                                stored_name=secrets.token_hex(8), sha256="ab" * 32, size=1,
                                pages=1, issued_by_id=chair_id))
        db.session.commit()


@pytest.mark.committed  # the cached app has its own connections
def test_verify_is_cached_until_the_document_is_superseded(cached_app, make):
    people = _people(make)
    number = _case(cached_app, people, "final", "Vera Verified")
    _decision_document(cached_app, number, people["chair"].id)
    client = cached_app.test_client()
    assert "In force" in client.get(f"/verify/{number}-D1").get_data(as_text=True)
    with cached_app.app_context():
        document = db.session.query(Document).filter_by(number=f"{number}-D1").one()
        document.status, document.superseded_note = "superseded", "The hearing was postponed."
        db.session.commit()
    page = client.get(f"/verify/{number}-D1").get_data(as_text=True)
    assert "Superseded" in page and "postponed" in page


@pytest.mark.committed  # the cached app has its own connections
def test_verify_is_rendered_once_for_everyone_and_each_reader_gets_a_token_of_their_own(
        app, make):
    config = type("CachedCsrfConfig", (TestingConfig,), {
        "CACHE_TYPE": "SimpleCache", "WTF_CSRF_ENABLED": True,
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    cached = create_app(config)
    people = _people(make)
    number = _case(cached, people, "final", "Tara Token")
    _decision_document(cached, number, people["chair"].id)
    rendered = []
    template_rendered.connect(lambda sender, template, context, **extra:
                              rendered.append(template.name), cached, weak=False)
    url = f"/verify/{number}-D1"
    tokens = []
    for _ in range(2):  # two readers, each with a session of their own
        reader = cached.test_client()
        for _visit in range(2):  # each comes back too
            page = reader.get(url).get_data(as_text=True)
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            assert "csrf-token-of-this-reader" not in page and "In force" in page
            tokens.append(token)
        # the token in the page is this reader's: the check of a copy is accepted
        r = reader.post(url, data={"csrf_token": token,
                                   "file": (io.BytesIO(b"%PDF-1.7 not it"), "copy.pdf")},
                        content_type="multipart/form-data")
        assert r.status_code == 200 and "Not a match" in r.get_data(as_text=True)
    # rendered once for all four views (and twice for the two checks, which are not shared)
    assert rendered.count("documents/verify.html") == 3, rendered
    assert tokens[0] != tokens[2]  # two readers, two tokens
    # a page without its token is refused, as any form
    r = cached.test_client().post(url, data={"file": (io.BytesIO(b"x"), "copy.pdf")},
                                  content_type="multipart/form-data")
    assert r.status_code == 400
