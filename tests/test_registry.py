"""The certificant registry: CSV import, search, linking accounts, and who may do what.

Everything goes through the real pages (signed in as a real account) or the
real `flask registry import` command; the database is only read back to check
what was stored and what the audit log says.
"""
from __future__ import annotations

import io
import re

import pytest
from pages import page
from sqlalchemy import select

from app.accounts.tokens import fingerprint, make_token
from app.audit.models import AuditEntry
from app.extensions import db
from app.registry.models import Certificant

HEADER = "certification_number,name,email,status,expiry_date\n"

# Existing records: CCM-100 is changed by the file, CCM-200 is repeated as is.
MIXED_ROWS = (
    "CCM-300,Cara New,cara@example.org,active,2027-06-30\n"      # line 2: created
    "CCM-100,Ann Updated,ann@example.org,suspended,\n"            # line 3: updated
    "CCM-200,Bob Same,bob@example.org,active,\n"                  # line 4: unchanged
    ",No Number,nn@example.org,active,\n"                         # line 5: no number
    "CCM-400,Dee Status,dee@example.org,retired,\n"               # line 6: bad status
    "CCM-500,Eve Date,eve@example.org,active,2027-02-30\n"        # line 7: bad date
    "CCM-600,Fay Email,not-an-email,active,\n"                     # line 8: bad email
    "ccm-300,Cara Again,cara2@example.org,active,\n"              # line 9: duplicate
    "CCM-700,Gus Lower,GUS@Example.org,Inactive,2026-01-15\n"     # line 10: created
)
MIXED_CSV = HEADER + MIXED_ROWS
MIXED_SUMMARY = "2 created, 1 updated, 1 unchanged, 5 rejected"


# --- reading pages -----------------------------------------------------------

def upload(client, content: bytes | str, filename: str = "records.csv"):
    data = content.encode() if isinstance(content, str) else content
    return client.post("/registry/import", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def search_rows(client, q: str = "") -> dict[str, list[str]]:
    """Search as the signed-in user; rows keyed by certification number."""
    r = client.get("/registry/", query_string={"q": q})
    assert r.status_code == 200
    rows = page(r).rows
    if len(rows) == 1 and rows[0][0].startswith("No records match"):
        return {}
    return {row[0]: row for row in rows}


def stored_numbers(app) -> set[str]:
    with app.app_context():
        return set(db.session.execute(select(Certificant.cert_number)).scalars())


def audit(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        entries = db.session.execute(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        ).scalars().all()
        for e in entries:
            db.session.expunge(e)
        return entries


def flashes(response) -> str:
    return " ".join(re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', response.get_data(as_text=True),
                               flags=re.S))


@pytest.fixture
def admin(make, auth):
    user = make.user("admin", email="admin@example.org", name="Ada Admin")
    auth.login(user)
    return user


@pytest.fixture
def existing(make):
    """Two records the mixed file refers to."""
    make.certificant("CCM-100", "Ann Old", "ann@example.org")
    make.certificant("CCM-200", "Bob Same", "bob@example.org")


# --- CSV import through the upload page ---------------------------------------

def test_upload_reports_every_row_and_stores_the_good_ones(app, client, admin, existing):
    r = upload(client, MIXED_CSV)

    assert r.status_code == 200
    p = page(r)
    assert f"{MIXED_SUMMARY}." in p.text
    report = {int(row[0]): row[1:] for row in p.rows}
    assert report[2] == ["CCM-300", "created", ""]
    assert report[3] == ["CCM-100", "updated", ""]
    assert report[4] == ["CCM-200", "unchanged", ""]
    assert report[5][:2] == ["—", "rejected"]
    assert "certification number is missing" in report[5][2]
    assert report[6][:2] == ["CCM-400", "rejected"]
    assert "status 'retired' is not one of active, inactive, suspended, revoked" in report[6][2]
    assert report[7][:2] == ["CCM-500", "rejected"]
    assert "expiry date '2027-02-30' is not a date" in report[7][2]
    assert report[8][:2] == ["CCM-600", "rejected"]
    assert "email 'not-an-email' is not valid" in report[8][2]
    assert report[9][:2] == ["ccm-300", "rejected"]
    assert "appears earlier in this file" in report[9][2]
    assert report[10] == ["CCM-700", "created", ""]
    assert sorted(report) == list(range(2, 11))

    # The good rows are in the registry although the file had bad ones.
    rows = search_rows(client)
    assert set(rows) == {"CCM-100", "CCM-200", "CCM-300", "CCM-700"}
    assert rows["CCM-300"][1:] == ["Cara New", "active", "2027-06-30"]
    assert rows["CCM-100"][1:] == ["Ann Updated", "suspended", "—"]
    assert rows["CCM-200"][1:] == ["Bob Same", "active", "—"]
    assert rows["CCM-700"][1:] == ["Gus Lower", "inactive", "2026-01-15"]

    # The record page shows what was stored, email normalised to lower case.
    html = client.get("/registry/", query_string={"q": "CCM-700"}).get_data(as_text=True)
    detail_url = re.search(r'href="(/registry/\d+)">CCM-700<', html).group(1)
    detail = page(client.get(detail_url)).text
    assert "Gus Lower" in detail and "gus@example.org" in detail and "inactive" in detail


def test_upload_writes_one_audit_entry_with_the_summary(app, client, admin, existing):
    upload(client, MIXED_CSV, filename="march.csv")

    [entry] = audit(app, "registry.imported")
    assert entry.actor_id == admin.id
    assert entry.details["source"] == "march.csv"
    assert {k: entry.details[k] for k in ("created", "updated", "unchanged", "rejected")} == {
        "created": 2, "updated": 1, "unchanged": 1, "rejected": 5}
    assert entry.details["rejected_lines"] == [5, 6, 7, 8, 9]


def test_importing_the_same_file_twice_changes_nothing_the_second_time(client, admin, existing):
    upload(client, MIXED_CSV)
    r = upload(client, MIXED_CSV)

    assert "0 created, 0 updated, 4 unchanged, 5 rejected." in page(r).text


def test_upload_missing_columns_is_refused_and_stores_nothing(app, client, admin):
    r = upload(client, "certification_number,name,status\nCCM-1,Ann,active\n")

    assert r.status_code == 200
    p = page(r)
    error = p.ids.get("file-error", "")
    assert "missing: email, expiry_date" in error
    assert "Import report" not in p.text
    assert stored_numbers(app) == set()
    assert audit(app, "registry.imported") == []


def test_upload_of_a_file_that_is_not_utf8_is_refused(app, client, admin):
    latin1 = (HEADER + "CCM-1,Zoë Ürban,zoe@example.org,active,\n").encode("latin-1")
    r = upload(client, latin1)

    assert r.status_code == 200
    assert "The file is not UTF-8 text" in page(r).ids.get("file-error", "")
    assert stored_numbers(app) == set()


def test_upload_accepts_utf8_with_bom_and_accents(client, admin):
    r = upload(client, ("\ufeff" + HEADER + "CCM-1,Zoë Ürban,zoe@example.org,active,\n").encode())

    assert "1 created" in page(r).text
    assert search_rows(client, "CCM-1")["CCM-1"][1] == "Zoë Ürban"


def test_upload_that_is_not_a_csv_file_is_refused(app, client, admin):
    r = upload(client, MIXED_CSV, filename="records.txt")

    assert "The file must be a .csv file." in page(r).ids.get("file-error", "")
    assert stored_numbers(app) == set()


def test_report_line_numbers_match_the_file_when_it_has_blank_lines(client, admin):
    # A spreadsheet export often leaves an empty line; the report must still
    # point at the line the administrator sees in the file.
    csv_text = HEADER + "CCM-1,Ann,ann@example.org,active,\n\nCCM-2,Bob,bob@,active,\n"
    r = upload(client, csv_text)

    report = {row[1]: int(row[0]) for row in page(r).rows}
    assert report["CCM-1"] == 2
    assert report["CCM-2"] == 4  # the bad row is on the file's fourth line


def test_overlong_email_is_rejected_with_a_clear_reason(app, client, admin):
    long_email = "a" * 250 + "@example.org"  # longer than the 254 characters stored
    r = upload(client, HEADER + f"CCM-1,Ann,{long_email},active,\n")

    [row] = page(r).rows
    assert row[:3] == ["2", "CCM-1", "rejected"]
    assert "email" in row[3]
    assert stored_numbers(app) == set()


# --- CSV import from the command line -------------------------------------------

def test_cli_import_prints_a_per_row_report_and_stores_the_good_rows(app, runner, existing,
                                                                     tmp_path):
    path = tmp_path / "registry.csv"
    path.write_text(MIXED_CSV, encoding="utf-8")

    result = runner.invoke(args=["registry", "import", str(path)])

    # some rows were rejected: the good ones are stored, the exit status says so
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0] == "line 2\tCCM-300\tcreated"
    assert lines[1] == "line 3\tCCM-100\tupdated"
    assert lines[2] == "line 4\tCCM-200\tunchanged"
    assert lines[3] == "line 5\t-\trejected: certification number is missing"
    assert lines[4].startswith("line 6\tCCM-400\trejected: status 'retired'")
    assert lines[5].startswith("line 7\tCCM-500\trejected: expiry date '2027-02-30'")
    assert lines[6] == "line 8\tCCM-600\trejected: email 'not-an-email' is not valid"
    assert lines[7] == "line 9\tccm-300\trejected: the same certification number appears earlier in this file"
    assert lines[8] == "line 10\tCCM-700\tcreated"
    assert lines[9] == MIXED_SUMMARY
    assert len(lines) == 10

    assert stored_numbers(app) == {"CCM-100", "CCM-200", "CCM-300", "CCM-700"}
    with app.app_context():
        ann = db.session.execute(
            select(Certificant).where(Certificant.cert_number == "CCM-100")).scalar_one()
        assert (ann.name, ann.status) == ("Ann Updated", "suspended")

    [entry] = audit(app, "registry.imported")
    assert entry.actor_id is None and entry.actor_label == "system"
    assert entry.details["source"] == str(path)
    assert entry.details["created"] == 2 and entry.details["rejected"] == 5


def test_cli_import_refuses_a_file_with_missing_columns(app, runner, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("certification_number,name\nCCM-1,Ann\n", encoding="utf-8")

    result = runner.invoke(args=["registry", "import", str(path)])

    assert result.exit_code != 0
    assert "missing: email, status, expiry_date" in result.output
    assert stored_numbers(app) == set()
    assert audit(app, "registry.imported") == []


def test_cli_import_refuses_a_file_that_is_not_utf8(app, runner, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "CCM-1,Zoë,zoe@example.org,active,\n").encode("latin-1"))

    result = runner.invoke(args=["registry", "import", str(path)])

    assert result.exit_code != 0
    assert "not UTF-8" in result.output
    assert stored_numbers(app) == set()


def test_cli_import_of_a_missing_file_fails_clearly(runner, tmp_path):
    result = runner.invoke(args=["registry", "import", str(tmp_path / "nope.csv")])

    assert result.exit_code != 0
    assert "does not exist" in result.output


# --- search ------------------------------------------------------------------------

@pytest.fixture
def people(make):
    make.certificant("CCM-1001", "Alice Smith")
    make.certificant("CCM-1002", "Bob Smithers")
    make.certificant("CCM-2001", "Carol Jones")
    make.certificant("ACM-5", "Dan Brown")


def test_search_by_number_prefix(client, admin, people):
    assert set(search_rows(client, "CCM-10")) == {"CCM-1001", "CCM-1002"}
    assert set(search_rows(client, "ccm-2")) == {"CCM-2001"}  # case does not matter
    assert set(search_rows(client, "CCM")) == {"CCM-1001", "CCM-1002", "CCM-2001"}


def test_search_by_number_is_a_prefix_not_a_substring(client, admin, people):
    r = client.get("/registry/", query_string={"q": "1001"})

    assert "No records match “1001”." in page(r).text


def test_search_by_name_substring(client, admin, people):
    rows = search_rows(client, "smith")
    assert set(rows) == {"CCM-1001", "CCM-1002"}
    assert [row[1] for row in rows.values()] == ["Alice Smith", "Bob Smithers"]  # by name
    assert set(search_rows(client, "ones")) == {"CCM-2001"}


def test_search_treats_percent_and_underscore_as_plain_characters(client, admin, people):
    # What the user types is matched literally; "_" and "%" are not wildcards.
    assert search_rows(client, "CCM_10") == {}
    assert search_rows(client, "%") == {}


def test_empty_search_lists_everyone(client, admin, people):
    assert len(search_rows(client, "")) == 4


# --- linking an account to a registry record ---------------------------------------

def request_link(client, number: str, note: str = ""):
    return client.post("/registry/link", data={"cert_number": number, "note": note},
                       follow_redirects=True)


def profile_record(client) -> str:
    """What the profile page says under 'Registry record'."""
    text = page(client.get("/account")).text
    return re.search(r"Registry record (.*?) Profile", text).group(1)


def pending_request_ids(client) -> list[int]:
    html = client.get("/registry/link-requests").get_data(as_text=True)
    return sorted({int(i) for i in re.findall(r'action="/registry/link-requests/(\d+)"', html)})


def test_verified_email_matching_the_record_links_at_once(make, client, auth):
    make.certificant("CCM-42", "Pat Case", email="Pat@Example.org")
    user = make.user(email="pat@example.org")
    auth.login(user)

    r = request_link(client, "ccm-42")

    assert "Your account is now linked to your registry record." in flashes(r)
    assert profile_record(client) == "CCM-42 (active)"
    assert "Link your certification" not in page(client.get("/account")).text


def test_different_email_waits_for_an_administrator_who_approves(app, make, client, auth):
    make.certificant("CCM-42", "Pat Case", email="pat.work@example.org")
    user = make.user(email="pat@example.org", name="Pat Person")
    admin = make.user("admin")
    auth.login(user)

    r = request_link(client, "CCM-42", note="My work address is on the record.")

    assert "Your request was sent to an administrator." in flashes(r)
    assert "Your request to link record CCM-42 is waiting for an administrator." in page(r).text
    assert profile_record(client) == "Not linked"

    auth.logout()
    auth.login(admin)
    listing = page(client.get("/registry/link-requests")).text
    assert "Pat Person" in listing and "CCM-42 — Pat Case" in listing
    assert "My work address is on the record." in listing
    [request_id] = pending_request_ids(client)

    r = client.post(f"/registry/link-requests/{request_id}", data={"decision": "approve"},
                    follow_redirects=True)

    assert "Decision recorded." in flashes(r)
    assert "No requests are waiting." in page(r).text

    auth.logout()
    auth.login(user)
    assert profile_record(client) == "CCM-42 (active)"
    [decided] = audit(app, "registry.link_decided")
    assert decided.actor_id == admin.id and decided.details["approved"] is True


def test_rejected_request_leaves_the_account_unlinked(make, client, auth):
    make.certificant("CCM-42", "Pat Case", email="someone.else@example.org")
    user = make.user(email="pat@example.org")
    admin = make.user("admin")
    auth.login(user)
    request_link(client, "CCM-42")

    auth.logout()
    auth.login(admin)
    [request_id] = pending_request_ids(client)
    r = client.post(f"/registry/link-requests/{request_id}", data={"decision": "reject"},
                    follow_redirects=True)
    assert "Decision recorded." in flashes(r)
    assert pending_request_ids(client) == []

    auth.logout()
    auth.login(user)
    profile = page(client.get("/account")).text
    assert profile_record(client) == "Not linked"
    assert "waiting for an administrator" not in profile
    assert "Link your certification" in profile  # they may ask again


def test_record_linked_to_someone_else_is_refused(make, client, auth):
    record = make.certificant("CCM-42", "Pat Case", email="pat@example.org")
    make.user(email="first@example.org", certificant=record)
    second = make.user(email="pat@example.org")  # even with the matching email
    auth.login(second)

    r = request_link(client, "CCM-42")

    assert "That record is already linked to another account." in flashes(r)
    assert profile_record(client) == "Not linked"


def test_unknown_number_is_refused(make, client, auth):
    auth.login(make.user())

    r = request_link(client, "CCM-999")

    assert "No registry record has that certification number." in flashes(r)


def test_approving_a_request_for_a_record_linked_meanwhile_is_refused(make, client, auth):
    record = make.certificant("CCM-42", "Pat Case", email="pat@example.org")
    claimant = make.user(email="claimant@example.org")
    admin = make.user("admin")
    auth.login(claimant)
    request_link(client, "CCM-42")
    auth.logout()
    # The owner links by verified email before the administrator decides.
    owner = make.user(email="pat@example.org")
    auth.login(owner)
    request_link(client, "CCM-42")
    auth.logout()

    auth.login(admin)
    [request_id] = pending_request_ids(client)
    r = client.post(f"/registry/link-requests/{request_id}", data={"decision": "approve"},
                    follow_redirects=True)

    assert "The record is already linked to another account." in flashes(r)
    detail = page(client.get(f"/registry/{record.id}")).text
    assert "pat@example.org" in detail and "claimant@example.org" not in detail


def verify_link(app, user) -> str:
    with app.test_request_context():
        token = make_token("verify", {"uid": user.id, "email": fingerprint(user.email)})
    return f"/verify-email/{token}"


def test_verifying_email_links_the_record_with_that_email(app, make, client, auth):
    make.certificant("CCM-77", "Quinn Case", email="Quinn@Example.org")
    user = make.user(email="quinn@example.org", verified=False)

    r = client.get(verify_link(app, user), follow_redirects=True)

    assert "Your email address is confirmed." in flashes(r)
    auth.login(user)
    assert profile_record(client) == "CCM-77 (active)"
    [linked] = audit(app, "registry.account_linked")
    assert linked.details == {"user_id": user.id, "how": "verified email"}


def test_verifying_email_does_not_link_when_two_records_share_it(app, make, client, auth):
    make.certificant("CCM-77", email="quinn@example.org")
    make.certificant("CCM-78", email="quinn@example.org")
    user = make.user(email="quinn@example.org", verified=False)

    client.get(verify_link(app, user))
    auth.login(user)

    assert profile_record(client) == "Not linked"


def test_verifying_email_does_not_take_a_record_linked_to_someone_else(app, make, client, auth):
    record = make.certificant("CCM-77", email="quinn@example.org")
    make.user(email="other@example.org", certificant=record)
    user = make.user(email="quinn@example.org", verified=False)

    client.get(verify_link(app, user))
    auth.login(user)

    assert profile_record(client) == "Not linked"


# --- who may do what ----------------------------------------------------------------

def test_certificant_cannot_search_import_or_decide(app, make, client, auth):
    make.certificant("CCM-1")
    auth.login(make.user())  # no roles: a certificant / public user

    assert client.get("/registry/").status_code == 403
    assert client.get("/registry/import").status_code == 403
    assert upload(client, MIXED_CSV).status_code == 403
    assert client.get("/registry/link-requests").status_code == 403
    assert stored_numbers(app) == {"CCM-1"}


@pytest.mark.parametrize("role", ["member", "chair"])
def test_committee_can_search_but_not_import(app, make, client, auth, role):
    record = make.certificant("CCM-1", "Ann Case")
    auth.login(make.user(role))

    assert "CCM-1" in search_rows(client, "CCM")
    assert client.get(f"/registry/{record.id}").status_code == 200
    assert client.get("/registry/import").status_code == 403
    assert upload(client, MIXED_CSV).status_code == 403
    assert client.get("/registry/link-requests").status_code == 403
    assert stored_numbers(app) == {"CCM-1"}


def test_committee_member_cannot_decide_link_requests(make, client, auth):
    make.certificant("CCM-42", email="x@example.org")
    user = make.user(email="pat@example.org")
    auth.login(user)
    request_link(client, "CCM-42")
    auth.logout()
    auth.login(make.user("admin"))
    [request_id] = pending_request_ids(client)
    auth.logout()

    auth.login(make.user("member"))
    r = client.post(f"/registry/link-requests/{request_id}", data={"decision": "approve"})
    assert r.status_code == 403

    auth.logout()
    auth.login(user)
    assert profile_record(client) == "Not linked"


def test_admin_sees_import_and_link_request_buttons(client, admin):
    text = page(client.get("/registry/")).text
    assert "Import CSV" in text and "Link requests" in text


def test_signed_out_visitor_is_sent_to_sign_in(client):
    r = client.get("/registry/import")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
