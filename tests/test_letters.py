"""Letters the office words: the sandbox, versions, a second approval, revert, and documents
that record the wording they were issued with."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.cases.models import Case
from app.documents import services as documents
from app.documents.models import Document
from app.extensions import db
from app.letters import services as letters
from app.letters.catalogue import ALERT
from app.letters.models import LetterVersion
from app.proceedings.documents import DOCUMENT_TYPES
from tests.case_helpers import case_in_state

RECEIPT = "document:receipt"
WORDING = ("<p>Dear {{ addressee.name }},</p><p>Your complaint is case {{ case_number }}, "
           "received {{ received_at }}. OFFICE-WORDED.</p>")

ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ case_number.__class__.__base__ }}",
    "{{ allegations.__class__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'] }}",
    "{{ config }}",
    "{{ request }}",
    "{{ self._TemplateReference__context }}",
    "{{ ''.format.__self__ }}",
    "{% for x in ().__class__.__base__.__subclasses__() %}{{ x }}{% endfor %}",
    "{{ allegations.append(1) }}",
]


@pytest.fixture
def office(app, make):
    make.catalogue()
    people = {"ada": make.user("admin", email="ada@example.com", name="Ada Admin"),
              "bo": make.user("admin", email="bo@example.com", name="Bo Admin"),
              "carla": make.user(email="carla@example.com", name="Carla Complainant")}
    cert = make.certificant()
    with app.test_request_context():
        case = case_in_state("submitted", db.session.get(User, people["carla"].id), cert)
        db.session.commit()
        people["number"] = case.number
    return people


@pytest.mark.parametrize("source", ESCAPES)
def test_templates_cannot_reach_python_internals(ctx, source):
    with pytest.raises(letters.LetterError):
        letters.render_text(source, {"case_number": "EC-1", "allegations": [{"code": "S7"}]},
                            html=True)


def test_only_documented_fields_exist_and_values_are_escaped(ctx):
    with pytest.raises(letters.LetterError, match="undefined"):
        letters.render_text("{{ password_hash }}", {"case_number": "EC-1"}, html=False)
    out = letters.render_text("<p>{{ name }}</p>", {"name": "<script>x</script>"}, html=True)
    assert "<script>" not in out and "&lt;script&gt;" in out


def _propose(client, key, body, note="", preview=False):
    data = {"body": body, "note": note}
    data["preview" if preview else "propose"] = "1"
    return client.post(f"/admin/letters/{key}", data=data, follow_redirects=True)


def test_a_change_needs_a_second_administrator_and_documents_record_it(
        app, office, auth, client):
    auth.login(office["ada"])
    # the preview renders against a demo case as each audience receives it
    r = _propose(client, RECEIPT, WORDING, preview=True)
    assert r.status_code == 200 and "OFFICE-WORDED" in r.data.decode()
    assert office["number"] in r.data.decode()
    # a text that fails to render: the preview shows the error, and it is not proposed
    r = _propose(client, RECEIPT, "<p>{{ no_such_field }}</p>", preview=True)
    assert r.status_code == 400 and "does not render" in r.data.decode()
    r = _propose(client, RECEIPT, "{{ ''.__class__ }}")
    assert r.status_code == 400
    r = _propose(client, RECEIPT, WORDING, note="Shorter receipt")
    assert r.status_code == 200 and "Version 1 is proposed" in r.data.decode()
    with app.app_context():
        version = db.session.execute(select(LetterVersion)).scalar_one()
    # not in force until approved, and never by its author
    assert client.post(f"/admin/letters/versions/{version.id}/approve").status_code == 403
    with app.test_request_context():
        assert letters.in_force(RECEIPT) is None
    auth.logout()
    auth.login(office["bo"])
    r = client.post(f"/admin/letters/versions/{version.id}/approve", follow_redirects=True)
    assert r.status_code == 200 and "Version 1 is now in force" in r.data.decode()
    auth.logout()

    with app.test_request_context():
        case = db.session.execute(select(Case).where(Case.number == office["number"])
                                  ).scalar_one()
        document = documents.issue(case, DOCUMENT_TYPES["receipt"],
                                   db.session.get(User, office["ada"].id))
        db.session.commit()
        assert document.letter_version_id == version.id
        number = document.number
    r = client.get(f"/verify/{number}")
    assert "wording, version 1" in r.data.decode()


def test_a_wording_that_fails_never_issues(app, office):
    with app.test_request_context():
        ada, bo = (db.session.get(User, office[w].id) for w in ("ada", "bo"))
        # an approved wording that a case's data cannot satisfy (a field only some cases have)
        version = letters.propose(
            letters.Letter(RECEIPT, "Receipt", "document", ("complainant",), {}, ""),
            "<p>{{ corrects.number }}</p>", ada)
        letters.approve(version, bo)
        case = db.session.execute(select(Case).where(Case.number == office["number"])
                                  ).scalar_one()
        with pytest.raises(documents.DocumentError, match="wording version 1"):
            documents.issue(case, DOCUMENT_TYPES["receipt"], ada)
        db.session.rollback()
        assert db.session.query(Document).count() == 0


def test_revert_proposes_the_earlier_wording_again(app, office, auth, client):
    with app.test_request_context():
        ada, bo = (db.session.get(User, office[w].id) for w in ("ada", "bo"))
        v1 = letters.propose(ALERT, "First: {{ read_url }}", ada)
        letters.approve(v1, bo)
        v2 = letters.propose(ALERT, "Second: {{ read_url }}", ada)
        letters.approve(v2, bo)
        db.session.commit()
        v1_id = v1.id
    auth.login(office["ada"])
    r = client.post(f"/admin/letters/versions/{v1_id}/revert", follow_redirects=True)
    assert "proposed again as version 3" in r.data.decode()
    with app.test_request_context():
        assert letters.in_force(ALERT.key).body.startswith("Second")  # until approved
        v3 = db.session.execute(select(LetterVersion).where(LetterVersion.version == 3)
                                ).scalar_one()
        assert v3.body.startswith("First") and v3.status == "proposed"
