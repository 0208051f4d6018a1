"""Repeat and related complaints flagged at intake, on the demo's repeat complainant
(issue 15): the chair sees the flags and records them as considered; parties never do."""
from __future__ import annotations

from budget import count_statements
from conftest import login_client
from sqlalchemy import select

from app.accounts.services import find_by_email
from app.audit.models import AuditEntry
from app.cases.models import Allegation, Case
from app.coi.models import Recusal
from app.demo import DEMO_PASSWORD
from app.demo.office import REPEAT_CASES
from app.extensions import db
from app.office.flags import flags_for, record_considered, section
from app.proceedings.page import page_lists
from app.registry.models import Certificant
from app.registry.services import find_by_number
from tests.case_helpers import case_in_state

CHAIR, RORY, MINA, ADMIN = ("chair@example.org", "cert2@example.org", "member1@example.org",
                            "admin@example.org")


def _repeat_number(app) -> str:
    with app.app_context():
        facts = REPEAT_CASES[-1].charges[0].facts
        return db.session.execute(select(Case.number).join(Allegation).where(
            Allegation.facts == facts)).scalar_one()


def test_the_chair_sees_the_repeat_complainant_flagged(demo):
    number = _repeat_number(demo)
    html = login_client(demo, CHAIR, DEMO_PASSWORD).get(f"/cases/{number}").get_data(as_text=True)
    assert "Repeat and related complaints" in html
    assert 'data-flag="same_parties"' in html
    assert "The same complainant has filed 2 earlier complaint(s) against the same respondent." in html
    assert "dismissed as unfounded 2 times" in html
    assert 'data-flag="respondent_cases"' in html


def test_parties_and_members_never_see_the_flags(demo):
    number = _repeat_number(demo)
    for who in (RORY, MINA):
        html = login_client(demo, who, DEMO_PASSWORD).get(f"/cases/{number}").get_data(as_text=True)
        assert "Repeat and related" not in html and "data-flag" not in html
    client = login_client(demo, RORY, DEMO_PASSWORD)
    assert client.post(f"/office/cases/{number}/flags/considered",
                       data={"reason": "x"}).status_code == 403


def test_the_chair_records_the_flags_as_considered(demo):
    number = _repeat_number(demo)
    client = login_client(demo, CHAIR, DEMO_PASSWORD)
    r = client.post(f"/office/cases/{number}/flags/considered", data={"reason": "  "})
    assert r.status_code == 400
    assert "Say what you made of the flags." in r.get_data(as_text=True)
    r = client.post(f"/office/cases/{number}/flags/considered",
                    data={"reason": "Same dispute again; nothing new, but decided on its own facts."},
                    follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "Considered by Charles Chair" in html
    assert "Same dispute again; nothing new" in html
    with demo.app_context():
        entry = db.session.execute(select(AuditEntry).where(
            AuditEntry.action == "case.intake_flags_considered")).scalar_one()
        assert entry.details["number"] == number
        assert set(entry.details["flags"]) == {"same_parties", "respondent_cases",
                                               "repeat_dismissals"}


def test_a_decided_case_on_the_same_conduct(demo):
    with demo.app_context():
        clara, rory = find_by_email("cert1@example.org"), find_by_email("cert2@example.org")
        record, chair = find_by_number("CCM-100006"), find_by_email(CHAIR)
        member = find_by_email("member2@example.org")
        decided = case_in_state("final", clara, record, rory, chair=chair, panel=(member,))
        other = case_in_state("final", clara, record, rory, chair=chair, panel=(member,))
        other.allegations[0].facts = "Missed three appointments and billed for them anyway."
        fresh = case_in_state("submitted", rory, record)
        fresh.allegations[0].facts = "Facts for S7: what the respondent did, once more."
        db.session.flush()
        [conduct] = [f for f in flags_for(fresh, chair) if f.kind == "same_conduct"]
        assert conduct.numbers == (decided.number,)
        db.session.rollback()


def test_no_flags_on_a_first_complaint(demo):
    with demo.app_context():
        newcomer = Certificant(cert_number="CCM-777777", name="Nora Newcomer", status="active")
        db.session.add(newcomer)
        db.session.flush()
        case = case_in_state("submitted", find_by_email("cert3@example.org"), newcomer)
        assert flags_for(case, find_by_email(CHAIR)) == []
        db.session.rollback()


def test_the_flags_and_the_reviews_are_read_in_one_statement(demo):
    """Every kind of flag's candidates and the reviews (with who made them) come back in one
    statement, and the section shows the same flags in the same order as before."""
    number = _repeat_number(demo)
    with demo.test_request_context():
        case = db.session.execute(select(Case).where(Case.number == number)).scalar_one()
        chair = find_by_email(CHAIR)
        record_considered(case, chair, "Seen them; the facts differ.")
        record_considered(case, chair, "Looked again after the answer.")
        assert case.allegations  # loaded with the case on the page
        with count_statements(demo) as seen:
            shown = section(case, chair)
        assert seen.count == 1, seen.report()
        assert [f.kind for f in shown["flags"]] == ["same_parties", "respondent_cases",
                                                     "repeat_dismissals"]
        assert [(r.by_name, r.reason) for r in shown["reviews"]] == [
            ("Charles Chair", "Seen them; the facts differ."),
            ("Charles Chair", "Looked again after the answer.")]
        # the case page reads the same rows as a branch of its small lists' one statement,
        # and shows the same section from them, reviews' times and order included
        lists = page_lists(chair, case)
        with count_statements(demo) as seen:
            from_the_page = section(case, chair, lists["flags"])
        assert seen.count == 0, seen.report()
        assert from_the_page == shown
        db.session.rollback()


def test_a_case_the_chair_is_recused_from_is_never_named_to_them(demo):
    """A flag names other cases by number: never one the reader is recused from (the number
    alone tells of it); an administrator, not recused, still sees it named."""
    number = _repeat_number(demo)
    with demo.test_request_context():
        case = db.session.execute(select(Case).where(Case.number == number)).scalar_one()
        chair, admin = find_by_email(CHAIR), find_by_email(ADMIN)
        [same] = [f for f in flags_for(case, chair) if f.kind == "same_parties"]
        assert len(same.numbers) == 2
        hidden = same.numbers[0]
        other = db.session.execute(select(Case).where(Case.number == hidden)).scalar_one()
        db.session.add(Recusal(case_id=other.id, member_id=chair.id, cause="self",
                               reason="I advised the respondent once."))
        db.session.flush()
        named = {n for f in flags_for(case, chair) for n in f.numbers}
        assert hidden not in named and same.numbers[1] in named
        assert hidden in {n for f in flags_for(case, admin) for n in f.numbers}
        lists = page_lists(chair, case)
        assert hidden not in {n for f in section(case, chair, lists["flags"])["flags"]
                              for n in f.numbers}
        db.session.rollback()
