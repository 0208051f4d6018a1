"""The code catalogue: the CLI listing, which version governs a date, adding
versions, editing and deleting items, and who may do it.

Pages are driven as a signed-in account; the database is only read back to
check the audit log.
"""
from __future__ import annotations

import html
import re
from datetime import date

import pytest
from pages import page
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.catalogue import services
from app.catalogue.seed import RULES, STANDARDS
from app.extensions import db

ALL_CODES = [f"S{n}" for n in range(1, 29)] + [f"R{n}" for n in range(1, 7)]


def flashes(response) -> str:
    found = re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', response.get_data(as_text=True),
                       flags=re.S)
    return " ".join(html.unescape(f) for f in found)


def input_value(response, name: str) -> str:
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', response.get_data(as_text=True)).group(0)
    value = re.search(r'\bvalue="([^"]*)"', tag)
    return html.unescape(value.group(1)) if value else ""


def audit(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        entries = db.session.execute(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        ).scalars().all()
        for e in entries:
            db.session.expunge(e)
        return entries


def version_items(client, version_id: int) -> dict[str, list[str]]:
    """The version page's rows (standards and rules), keyed by code."""
    r = client.get(f"/catalogue/versions/{version_id}")
    assert r.status_code == 200
    return {row[0]: row for row in page(r).rows if row and row[0] != "None."}


def item_id(client, version_id: int, code: str) -> int:
    markup = client.get(f"/catalogue/versions/{version_id}").get_data(as_text=True)
    return int(re.search(rf'href="/catalogue/items/(\d+)">{code}<', markup).group(1))


def versions_listed(client) -> dict[str, list[str]]:
    return {row[0]: row for row in page(client.get("/catalogue/")).rows
            if row[0] != "No versions yet."}


@pytest.fixture
def v2009(make):
    return make.catalogue()


@pytest.fixture
def admin(make, auth):
    user = make.user("admin", email="admin@example.org", name="Ada Admin")
    auth.login(user)
    return user


# --- `flask catalogue list` -------------------------------------------------------

def test_cli_list_prints_the_2009_code_one_item_per_line(runner, v2009):
    result = runner.invoke(args=["catalogue", "list"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 34
    assert [line.split("\t")[0] for line in lines] == ALL_CODES
    assert all(len(line.split("\t")) == 3 for line in lines)
    seeded = {code: (title, summary) for code, title, summary in STANDARDS + RULES}
    for line in lines:
        code, title, summary = line.split("\t")
        assert (title, summary) == seeded[code]
    assert lines[0].startswith("S1\tThe advocate\t")
    assert lines[-1].startswith("R6\t")


def test_cli_list_by_version_name(runner, v2009):
    result = runner.invoke(args=["catalogue", "list", "--version", "2009"])

    assert result.exit_code == 0
    assert len(result.output.splitlines()) == 34


def test_cli_list_unknown_version_fails_clearly(runner, v2009):
    result = runner.invoke(args=["catalogue", "list", "--version", "1999"])

    assert result.exit_code != 0
    assert "No catalogue version '1999'." in result.output


def test_cli_list_on_an_empty_catalogue_says_so(runner):
    result = runner.invoke(args=["catalogue", "list"])

    assert result.exit_code != 0
    assert "The catalogue is empty" in result.output


def test_seeding_twice_does_not_duplicate_items(make, runner):
    make.catalogue()
    make.catalogue()

    assert len(runner.invoke(args=["catalogue", "list"]).output.splitlines()) == 34


# --- which version governs a date ----------------------------------------------------

def test_governing_version_is_the_latest_in_force_on_the_date(make, ctx):
    make.catalogue()
    services.add_version("2020", date(2020, 1, 1), "", None)

    assert services.governing_version(date(2015, 6, 15)).name == "2009"
    assert services.governing_version(date(2021, 3, 1)).name == "2020"
    assert services.governing_version(date(2008, 12, 31)) is None
    # The day a version takes effect, it governs.
    assert services.governing_version(date(2009, 1, 1)).name == "2009"
    assert services.governing_version(date(2019, 12, 31)).name == "2009"
    assert services.governing_version(date(2020, 1, 1)).name == "2020"


# --- adding a version ------------------------------------------------------------------

def test_admin_adds_a_version_copying_the_2009_items(app, client, admin, v2009):
    form = client.get("/catalogue/versions/new")
    assert form.status_code == 200
    assert f'<option value="{v2009}">2009</option>' in form.get_data(as_text=True)

    r = client.post("/catalogue/versions/new", data={
        "name": "2020", "effective_date": "2020-01-01", "notes": "Revised in 2019.",
        "copy_from": str(v2009)}, follow_redirects=True)

    assert r.status_code == 200
    assert "Version 2020 added." in flashes(r)
    p = page(r)
    assert "Code of conduct, version 2020" in p.text
    assert "In force from 2020-01-01. Revised in 2019." in p.text
    copied = {row[0]: row for row in p.rows}
    assert list(copied) == ALL_CODES
    assert copied["S3"][1] == "Competence"

    listed = versions_listed(client)
    assert listed["2020"][1:] == ["2020-01-01", "34"]
    assert listed["2009"][1:] == ["2009-01-01", "34"]
    [entry] = audit(app, "catalogue.version_added")
    assert entry.actor_id == admin.id
    assert entry.details["copied_from"] == "2009" and entry.details["items"] == 34


def test_the_copy_is_independent_of_the_original(client, admin, v2009):
    r = client.post("/catalogue/versions/new", data={
        "name": "2020", "effective_date": "2020-01-01", "copy_from": str(v2009)})
    new_id = int(re.search(r"/catalogue/versions/(\d+)", r.headers["Location"]).group(1))
    s3 = item_id(client, new_id, "S3")
    edit = client.get(f"/catalogue/items/{s3}")

    client.post(f"/catalogue/items/{s3}", data={
        "title": "Competence and diligence", "summary": "New wording.",
        "revision": input_value(edit, "revision")})

    assert version_items(client, new_id)["S3"][1:] == ["Competence and diligence", "New wording."]
    assert version_items(client, v2009)["S3"][1] == "Competence"


def test_admin_adds_an_empty_version(client, admin, v2009):
    r = client.post("/catalogue/versions/new", data={
        "name": "2030 draft", "effective_date": "2030-01-01", "copy_from": "0"},
        follow_redirects=True)

    assert "Version 2030 draft added." in flashes(r)
    assert versions_listed(client)["2030 draft"][1:] == ["2030-01-01", "0"]


def test_duplicate_version_name_is_refused_next_to_the_name(client, admin, v2009):
    r = client.post("/catalogue/versions/new", data={
        "name": "2009", "effective_date": "2012-01-01", "copy_from": "0"})

    assert r.status_code == 200
    p = page(r)
    assert "A version named '2009' already exists." in p.ids.get("name-error", "")
    assert "There is a problem" in p.text
    assert set(versions_listed(client)) == {"2009"}


def test_same_effective_date_is_refused_next_to_the_date(client, admin, v2009):
    r = client.post("/catalogue/versions/new", data={
        "name": "2009 bis", "effective_date": "2009-01-01", "copy_from": "0"})

    assert r.status_code == 200
    p = page(r)
    # The message belongs to the field that is wrong: the date, not the name.
    assert "already takes effect on that date" in p.ids.get("effective_date-error", "")
    assert "already takes effect" not in p.ids.get("name-error", "")
    assert set(versions_listed(client)) == {"2009"}


def test_version_without_a_date_is_refused(client, admin, v2009):
    r = client.post("/catalogue/versions/new", data={"name": "2020", "effective_date": "",
                                                     "copy_from": "0"})

    assert "Enter a date." in page(r).ids.get("effective_date-error", "")
    assert set(versions_listed(client)) == {"2009"}


# --- editing an item -----------------------------------------------------------------

def test_admin_edits_an_item_and_the_change_is_audited(app, client, admin, v2009):
    s3 = item_id(client, v2009, "S3")
    form = client.get(f"/catalogue/items/{s3}")
    assert form.status_code == 200
    assert input_value(form, "title") == "Competence"
    revision = input_value(form, "revision")
    assert revision

    r = client.post(f"/catalogue/items/{s3}", data={
        "title": "Competence and care", "summary": "  Handle every case with due care.  ",
        "revision": revision}, follow_redirects=True)

    assert "S3 saved." in flashes(r)
    assert version_items(client, v2009)["S3"][1:] == ["Competence and care",
                                                        "Handle every case with due care."]
    [entry] = audit(app, "catalogue.item_edited")
    assert entry.actor_id == admin.id
    assert (entry.target_type, entry.target_id) == ("code_items", str(s3))
    assert entry.details["code"] == "S3" and entry.details["version"] == "2009"
    old_summary = dict((c, s) for c, _, s in STANDARDS)["S3"]
    assert entry.details["changes"] == {
        "title": ["Competence", "Competence and care"],
        "summary": [old_summary, "Handle every case with due care."],
    }


def test_edit_audit_lists_only_what_changed(app, client, admin, v2009):
    s5 = item_id(client, v2009, "S5")
    form = client.get(f"/catalogue/items/{s5}")

    client.post(f"/catalogue/items/{s5}", data={
        "title": "Legal and payer requirements", "summary": page(form).ids["summary"],
        "revision": input_value(form, "revision")})

    [entry] = audit(app, "catalogue.item_edited")
    assert entry.details["changes"] == {
        "title": ["Legal and benefit system requirements", "Legal and payer requirements"]}


def test_saving_without_changes_writes_no_audit_entry(app, client, admin, v2009):
    s5 = item_id(client, v2009, "S5")
    form = client.get(f"/catalogue/items/{s5}")

    r = client.post(f"/catalogue/items/{s5}", data={
        "title": input_value(form, "title"), "summary": page(form).ids["summary"],
        "revision": input_value(form, "revision")}, follow_redirects=True)

    assert "S5 saved." in flashes(r)
    assert audit(app, "catalogue.item_edited") == []


def test_stale_edit_is_refused_and_the_earlier_edit_is_kept(app, client, admin, v2009):
    s3 = item_id(client, v2009, "S3")
    # Two editors open the same item.
    first = client.get(f"/catalogue/items/{s3}")
    second = client.get(f"/catalogue/items/{s3}")
    seen = input_value(first, "revision")
    assert input_value(second, "revision") == seen

    saved = client.post(f"/catalogue/items/{s3}", data={
        "title": "Competence (first editor)", "summary": "First editor's wording.",
        "revision": seen})
    assert saved.status_code == 302

    stale = client.post(f"/catalogue/items/{s3}", data={
        "title": "Competence (second editor)", "summary": "Second editor's wording.",
        "revision": seen})

    assert stale.status_code == 409
    assert "Someone else edited this item while you were working on it." in flashes(stale)
    p = page(stale)
    # The current wording is shown, and the second editor's text is kept in the form.
    assert "Current wording Competence (first editor): First editor's wording." in p.text
    assert input_value(stale, "title") == "Competence (second editor)"
    assert p.ids["summary"] == "Second editor's wording."

    # The earlier edit was not overwritten.
    row = version_items(client, v2009)["S3"]
    assert row[1:] == ["Competence (first editor)", "First editor's wording."]
    assert len(audit(app, "catalogue.item_edited")) == 1

    # Having seen the current wording, the second editor can save on purpose.
    again = client.post(f"/catalogue/items/{s3}", data={
        "title": "Competence (second editor)", "summary": "Second editor's wording.",
        "revision": input_value(stale, "revision")}, follow_redirects=True)
    assert "S3 saved." in flashes(again)
    assert version_items(client, v2009)["S3"][1] == "Competence (second editor)"


def test_edit_with_an_empty_title_is_refused(client, admin, v2009):
    s3 = item_id(client, v2009, "S3")
    form = client.get(f"/catalogue/items/{s3}")

    r = client.post(f"/catalogue/items/{s3}", data={
        "title": "  ", "summary": "x", "revision": input_value(form, "revision")})

    assert r.status_code == 200
    assert page(r).ids.get("title-error")
    assert version_items(client, v2009)["S3"][1] == "Competence"


# --- deleting an item ------------------------------------------------------------------

def test_admin_deletes_an_unused_item(app, client, runner, admin, v2009):
    s28 = item_id(client, v2009, "S28")
    assert "Delete S28" in page(client.get(f"/catalogue/items/{s28}")).text

    r = client.post(f"/catalogue/items/{s28}/delete", follow_redirects=True)

    assert "Item deleted." in flashes(r)
    assert "S28" not in {row[0] for row in page(r).rows}
    assert client.get(f"/catalogue/items/{s28}").status_code == 404
    assert versions_listed(client)["2009"][2] == "33"
    assert len(runner.invoke(args=["catalogue", "list"]).output.splitlines()) == 33
    [entry] = audit(app, "catalogue.item_deleted")
    assert entry.actor_id == admin.id
    assert entry.details["code"] == "S28" and entry.details["version"] == "2009"


# --- who may do what ------------------------------------------------------------------

@pytest.fixture(params=["certificant", "member"])
def reader(request, make, auth):
    """A signed-in account that may read the catalogue but not change it."""
    user = make.user() if request.param == "certificant" else make.user("member")
    auth.login(user)
    return user


def admin_item_id(make, client, auth, v2009, code: str) -> int:
    """Look an item's id up as an administrator, then sign out."""
    auth.login(make.user("admin"))
    ident = item_id(client, v2009, code)
    auth.logout()
    return ident


def test_reader_sees_the_catalogue_without_edit_controls(make, client, auth, v2009):
    s3 = admin_item_id(make, client, auth, v2009, "S3")
    auth.login(make.user("member"))

    assert list(version_items(client, v2009)) == ALL_CODES
    markup = client.get(f"/catalogue/versions/{v2009}").get_data(as_text=True)
    assert "/catalogue/items/" not in markup and "Add an item" not in markup
    item = client.get(f"/catalogue/items/{s3}")
    assert item.status_code == 200
    assert "<form method=\"post\" novalidate" not in item.get_data(as_text=True)
    assert "Add a version" not in page(client.get("/catalogue/")).text


def test_reader_cannot_edit_or_delete_items(make, client, auth, v2009):
    s3 = admin_item_id(make, client, auth, v2009, "S3")
    s28 = admin_item_id(make, client, auth, v2009, "S28")
    for role in ("certificant", "member"):
        user = make.user() if role == "certificant" else make.user("member")
        auth.login(user)

        edit = client.post(f"/catalogue/items/{s3}", data={
            "title": "Hijacked", "summary": "Hijacked.", "revision": "1"})
        delete = client.post(f"/catalogue/items/{s28}/delete")

        assert edit.status_code == 403, role
        assert delete.status_code == 403, role
        auth.logout()

    auth.login(make.user("admin"))
    rows = version_items(client, v2009)
    assert rows["S3"][1] == "Competence"
    assert "S28" in rows


def test_reader_cannot_add_versions(client, reader, v2009):
    assert client.get("/catalogue/versions/new").status_code == 403
    r = client.post("/catalogue/versions/new", data={
        "name": "2020", "effective_date": "2020-01-01", "copy_from": "0"})
    assert r.status_code == 403


def test_reader_edit_post_is_refused_even_when_the_form_is_invalid(make, client, auth, v2009):
    # Permission must not depend on what was typed: a refused user gets 403,
    # not the edit form with validation errors.
    s3 = admin_item_id(make, client, auth, v2009, "S3")
    auth.login(make.user("member"))

    r = client.post(f"/catalogue/items/{s3}", data={"title": "", "summary": "", "revision": ""})

    assert r.status_code == 403
