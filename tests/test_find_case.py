"""Find a case (/cases?q=): by number, party names, certification number and words of the
facts, ranked, within the cases open to the reader; lists paged with their filters kept."""
from __future__ import annotations

import importlib.util
import pathlib
import re
from datetime import UTC, date, datetime

import pytest
from budget import count_statements
from case_helpers import case_in_state
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app import paging
from app.accounts.models import Role, User
from app.cases import party_names
from app.cases.models import Allegation, Case
from app.catalogue.models import CodeItem
from app.coi.models import CoiDeclaration, Recusal
from app.extensions import db
from app.registry.models import Certificant


def _numbers(html: str) -> list[str]:
    table = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r">(EC-\d{4}-\d{5})<", table)


# (key, respondent's name, facts, standard alleged); "recused": the chair withdrew from it
SEARCHED = [
    ("okafor", "Nnamdi Okafor", "Kept client files in an unlocked car.", "S7"),
    ("housing", "Petra Lindqvist", "Discussed the client's housing with a landlord.", "S7"),
    ("recused", "Osric Okafor", "Accepted a referral fee from a provider.", "S7"),
    ("other", "Ulla Underwood", "Closed the file without notice.", "S7")]


def _build(app, make, cases=SEARCHED):
    """The chair, and Clara's cases under investigation, declared on by the chair (recused
    from "recused"): (chair, {key: number})."""
    make.catalogue()
    chair = make.user(Role.CHAIR, Role.MEMBER, name="Cecil Chair")
    clara = make.user(name="Clara Quillfeather")
    numbers = {}
    with app.test_request_context():
        complainant = db.session.get(User, clara.id)
        for key, name, facts, code in cases:
            cert = Certificant(cert_number=f"CCM-7{len(numbers):05d}", name=name, status="active")
            db.session.add(cert)
            db.session.flush()
            case = case_in_state("investigation", complainant, cert, code=code)
            db.session.get(Allegation, case.allegations[0].id).facts = facts
            db.session.add(CoiDeclaration(case_id=case.id, member_id=chair.id, kind="none"))
            if key == "recused":
                db.session.add(Recusal(case_id=case.id, member_id=chair.id, cause="self",
                                       reason="I know the respondent."))
            numbers[key] = case.number
        db.session.commit()
    return chair, numbers


def test_one_box_finds_by_name_number_certificate_and_facts(app, make, auth, client):
    chair, numbers = _build(app, make)
    auth.login(chair)
    assert _numbers(client.get("/cases?q=okafor").get_data(as_text=True)) == [numbers["okafor"]]
    assert _numbers(client.get(f"/cases?q={numbers['other']}").get_data(as_text=True)) \
        == [numbers["other"]]
    assert _numbers(client.get("/cases?q=CCM-700001").get_data(as_text=True)) \
        == [numbers["housing"]]
    assert _numbers(client.get("/cases?q=housing landlord").get_data(as_text=True)) \
        == [numbers["housing"]]
    # the complainant, in whatever case it is typed
    for typed in ("Quillfeather", "QUILLFEATHER", "quillFEATHER"):
        assert set(_numbers(client.get(f"/cases?q={typed}").get_data(as_text=True))) \
            == {numbers["okafor"], numbers["housing"], numbers["other"]}, typed
    assert _numbers(client.get("/cases?q=ccm-700001").get_data(as_text=True)) \
        == [numbers["housing"]]
    # the recused case is never found, by any of its words
    for query in ("Osric", "referral fee", numbers["recused"]):
        assert numbers["recused"] not in _numbers(
            client.get(f"/cases?q={query}").get_data(as_text=True)), query
    # wildcards are taken literally
    assert _numbers(client.get("/cases?q=%25").get_data(as_text=True)) == []


def test_a_number_match_ranks_above_a_name(app, make, auth, client):
    chair, numbers = _build(app, make)
    auth.login(chair)
    year = numbers["okafor"].split("-")[1]
    found = _numbers(client.get(f"/cases?q={numbers['okafor']}").get_data(as_text=True))
    assert found[0] == numbers["okafor"] and year


def _found(client, query: str) -> list[str]:
    return _numbers(client.get(f"/cases?q={query}").get_data(as_text=True))


def test_the_names_a_case_is_found_by_follow_the_registry_and_the_accounts(
        app, make, auth, client):
    """The names are kept on the case: a registry record renamed, an account renamed, a
    respondent linked to the registry at intake all find the case by the new name at once,
    and no longer by the old one."""
    chair, numbers = _build(app, make)
    auth.login(chair)
    assert _found(client, "Lindqvist") == [numbers["housing"]]
    with app.app_context():
        cert = db.session.execute(select(Certificant).where(
            Certificant.name == "Petra Lindqvist")).scalar_one()
        cert.name = "Petra Sandoval"  # the registry's import renames the record
        clara = db.session.execute(select(User).where(
            User.name == "Clara Quillfeather")).scalar_one()
        clara.name = "Clara Marchetti"  # the complainant renames her account
        # a case whose respondent was named in free text is linked to a record
        unlinked = db.session.execute(select(Case).where(
            Case.number == numbers["other"])).scalar_one()
        unlinked.respondent_certificant_id = None
        unlinked.respondent_name = "U. Underwood"
        db.session.commit()
    assert _found(client, "Sandoval") == [numbers["housing"]]
    assert _found(client, "Lindqvist") == []
    assert set(_found(client, "Marchetti")) == {
        numbers["okafor"], numbers["housing"], numbers["other"]}
    assert _found(client, "Quillfeather") == []
    assert _found(client, "U. Underwood") == [numbers["other"]]
    assert _found(client, "Ulla") == []  # the record is no longer the respondent
    with app.app_context():
        case = db.session.execute(select(Case).where(
            Case.number == numbers["other"])).scalar_one()
        # (through the relationship this time: its key is set only as the flush runs)
        case.respondent_certificant = db.session.execute(select(Certificant).where(
            Certificant.name == "Ulla Underwood")).scalar_one()
        db.session.commit()
    assert _found(client, "Ulla") == [numbers["other"]]
    # a name never matches across two parties' lines
    assert _found(client, "Underwood Clara") == []


def test_the_kept_names_are_what_their_definition_and_the_migration_compute(app, make):
    """Every case's kept text equals the SQL definition (`rebuild` changes nothing), and the
    migration that added the column fills it the same way."""
    _build(app, make)
    with app.app_context():
        assert party_names.rebuild(db.session) == 0
        kept = dict(db.session.execute(select(Case.id, Case.party_names)).all())
        assert all(text.count("\n") == 2 for text in kept.values())
        # kept in lower case, which the search compares with what was typed, lowered
        assert any("nnamdi okafor" in text and "quillfeather" in text for text in kept.values())
        versions = pathlib.Path(__file__).parents[1] / "migrations" / "versions"
        path = next(versions.glob("*_d81f3b6a0c57_*.py"))  # the last to fill it
        spec = importlib.util.spec_from_file_location("party_names_migration", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        db.session.execute(update(Case).values(party_names=""))
        db.session.execute(migration.FILL)
        assert dict(db.session.execute(select(Case.id, Case.party_names)).all()) == kept
        db.session.rollback()


def test_the_case_list_is_paged_and_keeps_its_filters(app, make, auth, client):
    make.catalogue()
    chair = make.user(Role.CHAIR, Role.MEMBER)
    with app.test_request_context():
        complainant = db.session.get(User, make.user().id)
        cert = Certificant(cert_number="CCM-800000", name="Paged Person", status="active")
        db.session.add(cert)
        db.session.flush()
        for _ in range(55):
            case = case_in_state("investigation", complainant, cert)
            db.session.add(CoiDeclaration(case_id=case.id, member_id=chair.id, kind="none"))
        db.session.commit()
    auth.login(chair)
    first = client.get("/cases?status=investigation").get_data(as_text=True)
    assert len(_numbers(first)) == 50 and "55 cases" in first
    link = re.search(r'href="([^"]*page=2[^"]*)"', first).group(1).replace("&amp;", "&")
    assert "status=investigation" in link
    second = client.get(link).get_data(as_text=True)
    assert len(_numbers(second)) == 5
    assert not set(_numbers(first)) & set(_numbers(second))


def test_a_search_counts_what_it_finds_in_the_same_statement(app, make, auth, client, monkeypatch):
    """The total beside a search is exact (the recused case not counted), also on a second
    page, and a page past the end still says how many were found."""
    chair, numbers = _build(app, make)
    auth.login(chair)
    with count_statements(app) as seen:
        html = client.get("/cases?q=Quillfeather").get_data(as_text=True)
    assert "3 cases found for “Quillfeather”" in html
    # the hits are gathered once: the count is part of the page's statement
    assert sum("ranked" in text for text in seen.texts) == 1, seen.report()
    monkeypatch.setitem(paging.paginate.__kwdefaults__, "per_page", 2)  # two a page
    second = client.get("/cases?q=Quillfeather&page=2").get_data(as_text=True)
    assert "3 cases found" in second and len(_numbers(second)) == 1
    past = client.get("/cases?q=Quillfeather&page=9").get_data(as_text=True)
    assert "3 cases found" in past and _numbers(past) == []


def test_a_search_ranks_then_files_newest_first_and_skips_what_the_reader_may_not_see(
        app, make, auth, client, monkeypatch):
    """A name with words of the facts above a name alone; among equal ranks the newest
    filed first, page after page; the recused case, filed last, never takes a place."""
    chair, numbers = _build(app, make, [
        ("new", "Bo Marsh", "Closed the file without notice.", "S7"),
        ("both", "Cy Marsh", "Told the marsh committee about a client.", "S7"),
        ("old", "Ada Marsh", "Kept files in a car.", "S7"),
        ("recused", "Di Marsh", "Accepted a referral fee.", "S7")])
    # filed in another order than made, so the order is the filing date's, not the id's
    filed = {"old": 1, "both": 2, "new": 3, "recused": 4}
    with app.app_context():
        for key, day in filed.items():
            case = db.session.execute(select(Case).where(Case.number == numbers[key])).scalar_one()
            case.submitted_at = datetime(2026, 3, day, 9, 0, tzinfo=UTC)
        db.session.commit()
    auth.login(chair)
    expected = [numbers["both"], numbers["new"], numbers["old"]]
    assert _numbers(client.get("/cases?q=Marsh").get_data(as_text=True)) == expected
    monkeypatch.setitem(paging.paginate.__kwdefaults__, "per_page", 1)
    pages = [_numbers(client.get(f"/cases?q=Marsh&page={n}").get_data(as_text=True))
             for n in (1, 2, 3, 4)]
    assert pages == [[numbers["both"]], [numbers["new"]], [numbers["old"]], []]


def test_a_search_total_is_capped_like_every_list(app, make, auth, client, monkeypatch):
    """Past the cap the search says "more than", and the last page counted still offers
    the next one."""
    chair, _ = _build(app, make)
    auth.login(chair)
    monkeypatch.setitem(paging.paginate.__kwdefaults__, "per_page", 1)
    monkeypatch.setitem(paging.paginate.__kwdefaults__, "cap", 2)
    first = client.get("/cases?q=Quillfeather").get_data(as_text=True)
    assert "more than 2 cases found for “Quillfeather”" in first
    second = client.get("/cases?q=Quillfeather&page=2").get_data(as_text=True)
    assert "more than 2 cases found" in second and 'rel="next"' in second
    # on the page past the cap, the cap moves past it: the count there is exact
    third = client.get("/cases?q=Quillfeather&page=3").get_data(as_text=True)
    assert "3 cases found" in third and len(_numbers(third)) == 1


def test_the_filter_by_standard_lists_the_cases_alleging_it(app, make, auth, client):
    """Each case is listed under the standards it alleges and no other; a recused case is
    listed under none."""
    chair, numbers = _build(app, make, [
        (key, f"Resp {key}", f"Facts for {code}.", code)
        for key, code in [("s7", "S7"), ("s9", "S9"), ("s23", "S23"), ("recused", "S9")]])
    auth.login(chair)
    for code, key in [("S7", "s7"), ("S9", "s9"), ("s23", "s23")]:  # (any case of letters)
        listed = _numbers(client.get(f"/cases?standard={code}").get_data(as_text=True))
        assert listed == [numbers[key]], code
    assert _numbers(client.get("/cases?standard=S1").get_data(as_text=True)) == []


def test_a_case_out_of_draft_always_has_its_submission_time(app, make):
    """The staff lists walk the submission dates and leave out NULLs: the database refuses a
    case out of draft without one, so no such case can drop out of every list."""
    make.catalogue()
    clara = make.user(name="Clara Quillfeather")
    with app.test_request_context():
        cert = Certificant(cert_number="CCM-890000", name="Resp", status="active")
        db.session.add(cert)
        db.session.flush()
        case = case_in_state("submitted", db.session.get(User, clara.id), cert)
        db.session.commit()
        case.submitted_at = None
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        draft = case_in_state("draft", db.session.get(User, clara.id), cert)
        db.session.commit()  # a draft has none, and may not
        assert draft.submitted_at is None


def test_case_links_follow_the_address_the_site_is_served_under(app, make, auth, client):
    """Case links are built from url_for once a request: under a prefix (a site served at
    /ethics) they carry it, and the next request without it does not."""
    chair, numbers = _build(app, make)
    auth.login(chair)
    link = f'href="/cases/{numbers["okafor"]}"'
    assert link in client.get("/cases").get_data(as_text=True)
    under = client.get("/cases", environ_overrides={"SCRIPT_NAME": "/ethics"})
    assert f'href="/ethics/cases/{numbers["okafor"]}"' in under.get_data(as_text=True)
    assert link in client.get("/cases").get_data(as_text=True)


def test_the_nightly_job_rights_a_case_whose_names_drifted(app, make, auth, client, caplog):
    """A case whose kept names no longer match their definition (a rename that raced a
    link) is found by its true names again after the nightly job, which says so."""
    chair, numbers = _build(app, make)
    with app.app_context():
        db.session.execute(update(Case).where(Case.number == numbers["housing"])
                           .values(party_names="Someone Else"))
        db.session.commit()
    auth.login(chair)
    assert _found(client, "Lindqvist") == []
    celery = app.extensions["celery"]
    schedule = celery.conf.beat_schedule["rebuild-party-names"]
    assert schedule["task"] in celery.tasks  # the beat names a task the workers know
    with app.app_context(), caplog.at_level("WARNING"):
        assert celery.tasks[schedule["task"]].run() == {"drift": 1}
        assert party_names.rebuild(db.session) == 0
    assert "1 case(s) had drifted" in caplog.text
    assert _found(client, "Lindqvist") == [numbers["housing"]]
    # the same from the command line, for sites that run cron rather than beat
    with app.app_context():
        db.session.execute(update(Case).where(Case.number == numbers["okafor"])
                           .values(party_names=""))
        db.session.commit()
    assert _found(client, "Okafor") == []
    answer = app.test_cli_runner().invoke(args=["cases", "rebuild-party-names"])
    assert answer.exit_code == 0 and "1 case(s) differed" in answer.output
    assert _found(client, "Okafor") == [numbers["okafor"]]


def _row_of(html: str, number: str) -> list[str]:
    """The cells of the list's line for the case `number`, as text."""
    table = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    line = next(tr for tr in table.split("<tr>") if f">{number}<" in tr)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in line.split("<td>")[1:]]


def test_a_line_of_the_lists_shows_the_case_its_respondent_and_its_allegations_in_order(
        app, make, auth, client):
    """Each line is read in the page's statement: the codes of the allegations in the order
    they were made (not by code), the respondent's record, the status; the intake queue and
    a search show the same."""
    chair, numbers = _build(app, make, [("two", "Tomasz Twocodes", "Facts.", "S9"),
                                        ("one", "Una Onecode", "Facts.", "S7")])
    with app.test_request_context():
        case = db.session.execute(select(Case).where(Case.number == numbers["two"])).scalar_one()
        s1 = db.session.execute(select(CodeItem).where(CodeItem.code == "S1")).scalar_one()
        case.allegations.append(Allegation(code_item_id=s1.id, conduct_from=date(2025, 4, 1),
                                           facts="A later allegation, of an earlier code."))
        submitted = db.session.execute(
            select(Case).where(Case.number == numbers["one"])).scalar_one()
        submitted.status = "submitted"
        # a respondent not (yet) linked to the registry: the name the complainant gave
        submitted.respondent_certificant_id = None
        submitted.respondent_name = "Una Unlinked"
        db.session.commit()
    auth.login(chair)
    listed = client.get("/cases").get_data(as_text=True)
    assert _row_of(listed, numbers["two"])[:5] == [
        numbers["two"], "complaint", "Tomasz Twocodes (CCM-700000)", "S9, S1", "investigation"]
    assert _row_of(listed, numbers["one"])[2:5] == ["Una Unlinked", "S7", "submitted"]
    found = client.get("/cases?q=twocodes").get_data(as_text=True)
    assert _numbers(found) == [numbers["two"]]
    assert _row_of(found, numbers["two"])[2:4] == ["Tomasz Twocodes (CCM-700000)", "S9, S1"]
    queue = client.get("/cases/intake").get_data(as_text=True)
    assert _numbers(queue) == [numbers["one"]]
    assert _row_of(queue, numbers["one"])[1:3] == ["Una Unlinked", "S7"]


def test_the_list_follows_recusals_and_readers_between_two_reads(app, make, auth, client):
    """The conditions of what is open to a reader are built once per person and kept; what
    they read (declarations, recusals) is read as the list runs: a recusal between two
    reads takes the case off the next, and another member reads their own list."""
    chair, numbers = _build(app, make)
    auth.login(chair)
    first = set(_numbers(client.get("/cases").get_data(as_text=True)))
    assert first == {numbers["okafor"], numbers["housing"], numbers["other"]}
    with app.app_context():
        case = db.session.execute(
            select(Case).where(Case.number == numbers["okafor"])).scalar_one()
        db.session.add(Recusal(case_id=case.id, member_id=chair.id, cause="self",
                               reason="A late-found tie to the respondent."))
        db.session.commit()
    assert set(_numbers(client.get("/cases").get_data(as_text=True))) \
        == {numbers["housing"], numbers["other"]}
    member = make.user(Role.MEMBER, name="Mina Member")
    auth.logout()
    auth.login(member)
    page = client.get("/cases").get_data(as_text=True)
    assert _numbers(page) == []  # nothing declared: the cases wait for her declaration
    assert "Awaiting your declaration (4)" in page
