"""Headers in the production configuration, and upload limits that hold per case."""
from __future__ import annotations

import io

import pytest
from case_helpers import PDF, file_complaint, item_id
from conftest import PASSWORD
from werkzeug.datastructures import FileStorage

from app import create_app
from app.accounts.models import User
from app.cases import services
from app.cases.models import Case
from app.cases.uploads import check_and_store
from app.extensions import db
from config import ProductionConfig

HTTPS = "https://localhost"


@pytest.fixture
def production(app):
    """The production settings, on the test database (over HTTPS, as production runs)."""
    settings = {key: app.config[key] for key in (
        "SQLALCHEMY_DATABASE_URI", "UPLOAD_DIR", "DOCUMENT_DIR", "ARGON2_TIME_COST",
        "ARGON2_MEMORY_COST", "ARGON2_PARALLELISM", "MAIL_TRANSPORT", "AUDIT_KEY",
        "AUDIT_CHECKPOINT_DIR", "JOBS_SYNC")}
    settings |= {"SECRET_KEY": "x" * 32, "RATELIMIT_STORAGE_URI": "memory://",
                 "WTF_CSRF_ENABLED": False, "MFA_REQUIRED_ROLES": ""}
    return create_app(type("ProductionOnTestDatabase", (ProductionConfig,), settings))


def _evidence_of(app, user) -> int:
    """A draft complaint by `user` with one file; return the file's id."""
    with app.test_request_context():
        author = db.session.get(User, user.id)
        draft = services.start_draft(author)
        stored = check_and_store(FileStorage(io.BytesIO(PDF), "statement.pdf"))
        [evidence] = services.attach_evidence(draft, [stored], "complaint", author)
        db.session.commit()
        return evidence.id


@pytest.mark.committed  # a second app reads what this test commits
def test_headers_on_pages_and_downloads_in_production(production, make):
    user = make.user()
    evidence_id = _evidence_of(production, user)
    client = production.test_client()
    r = client.get("/login", base_url=HTTPS)
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "camera=()" in r.headers["Permissions-Policy"]
    assert "geolocation=()" in r.headers["Permissions-Policy"]
    r = client.post("/login", data={"email": user.email, "password": PASSWORD}, base_url=HTTPS)
    assert r.status_code == 302
    for url in ("/", "/account", "/static/style.css"):
        r = client.get(url, base_url=HTTPS)
        assert r.status_code == 200, url
        assert r.headers["Cache-Control"] == "no-store", url
        assert "Permissions-Policy" in r.headers and "Strict-Transport-Security" in r.headers
    r = client.get(f"/evidence/{evidence_id}", base_url=HTTPS)
    assert r.status_code == 200 and r.data == PDF
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert r.headers["Cache-Control"] == "no-store"


def test_no_hsts_outside_production_but_the_other_headers(client):
    r = client.get("/login")
    assert "Strict-Transport-Security" not in r.headers
    assert "microphone=()" in r.headers["Permissions-Policy"]


def test_anonymous_answers_carry_the_permissions_policy(client):
    r = client.get("/public-register.json")
    assert r.status_code == 200 and "Permissions-Policy" in r.headers


def _add_files(app, client, draft_url: str, names: list[str]):
    data = {"respondent_number": "CCM-300003", "relation": "client", "remedy": "A review.",
            "attest_not_confidential": "y", "attest_good_faith": "y", "save": "Save draft",
            "allegations-0-code_item_id": str(item_id(app, "S7")),
            "allegations-0-conduct_from": "2025-03-03", "allegations-0-facts": "Facts.",
            "evidence": [(io.BytesIO(PDF), name) for name in names]}
    return client.post(draft_url, data=data, content_type="multipart/form-data",
                       follow_redirects=True)


def test_upload_limits_hold_per_case_not_only_per_submission(app, make, auth, client,
                                                             monkeypatch):
    make.catalogue()
    make.certificant(number="CCM-300003")
    monkeypatch.setitem(app.config, "UPLOAD_MAX_FILES", 2)
    monkeypatch.setitem(app.config, "UPLOAD_MAX_FILES_PER_CASE", 3)
    auth.login(make.user())
    _, draft_url = file_complaint(app, client, "CCM-300003", codes=("S7",), submit=False,
                                  files=(("one.pdf", PDF), ("two.pdf", PDF)))
    r = _add_files(app, client, draft_url, ["three.pdf", "four.pdf"])
    assert r.status_code == 400
    assert "four.pdf: was not accepted: a case holds at most 3 files" in r.data.decode()
    r = _add_files(app, client, draft_url, ["five.pdf"])
    assert "five.pdf: was not accepted: a case holds at most 3 files" in r.data.decode()
    with app.app_context():
        case = db.session.get(Case, int(draft_url.rstrip("/").split("/")[-2]))
        assert sorted(e.original_name for e in case.evidence) == ["one.pdf", "three.pdf",
                                                                  "two.pdf"]
    # and by size: the files of a case add up to at most the configured bytes
    monkeypatch.setitem(app.config, "UPLOAD_MAX_FILES_PER_CASE", 100)
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES_PER_CASE", 4 * len(PDF))
    r = _add_files(app, client, draft_url, ["six.pdf", "seven.pdf"])
    assert "seven.pdf: was not accepted: a case&#39;s files add up to at most" in r.data.decode()
