"""Committee members' conflicts of interest (S7), through the real pages and real SMTP.

Before a case opens to a committee member they declare "no conflict" or a disclosure;
the parties see disclosures and may object within the window; an objection recuses the
member, who then finds the case nowhere; a member may withdraw at any time; a member
who is a party is recused by the system; reinstatement needs every objection withdrawn.
"""
from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
from case_helpers import PDF, act, clear, declare, file_complaint, get_case, number_in
from sqlalchemy import select

from app import clock
from app.accounts.models import User
from app.audit.models import AuditEntry
from app.cases.models import Case
from app.coi import services as coi
from app.coi.models import CoiDeclaration, Recusal
from app.extensions import db

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
FRIENDSHIP = "Rory and I have been friends since we trained together in 2010."


def text(response) -> str:
    return html.unescape(response.data.decode())


def as_user(auth, user):
    auth.logout()
    auth.login(user)


def _file(app, auth, client, people, **extra) -> str:
    auth.login(people["complainant"])
    r, _ = file_complaint(app, client, "CCM-200002", codes=("S7", "S23"),
                          files=(("invoice.pdf", PDF),), **extra)
    number = number_in(r.data.decode())
    auth.logout()
    return number


def _served(app, auth, client, people) -> str:
    """A complaint the chair (declared "no conflict") has accepted and served."""
    number = _file(app, auth, client, people)
    auth.login(people["chair"])
    declare(client, number)
    act(client, number, "accept", get_case(app, number=number).row_version,
        respondent_email="rory@example.com")
    assert get_case(app, number=number).status == "awaiting_response"
    auth.logout()
    return number


def _disclose(client, number, text=FRIENDSHIP, relation="friend"):
    return declare(client, number, kind="disclosure", relation=relation, text=text)


def _send(runner):
    result = runner.invoke(args=["outbox", "send"])
    assert "0 failed" in result.output, result.output


def _mails(smtp, address: str, subject: str) -> list:
    return [m for m in smtp.to(address) if subject in m["Subject"]]


def _audit(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        return db.session.execute(select(AuditEntry).where(AuditEntry.action == action)
                                  .order_by(AuditEntry.id)).scalars().all()


def _recusals(app, number: str) -> list[Recusal]:
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.number == number)).scalar_one()
        rows = coi.recusals(case)
        db.session.expunge_all()
        return rows


def _eligible(app, number: str) -> set[str]:
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.number == number)).scalar_one()
        return {u.email for u in coi.eligible_members(case)}


def _awaiting_section(page: str) -> str:
    return re.search(r'<section id="awaiting".*?</section>', page, re.S).group(0)


def _open_count(page: str, status_title: str) -> int:
    return int(re.search(re.escape(status_title) + r"</a>: (\d+)", page).group(1))


# --- the gate ----------------------------------------------------------------------------

def test_a_member_who_has_not_declared_sees_only_the_number_and_the_form(
        app, cast, auth, client, smtp, runner):
    people = cast("complainant", "respondent", "chair", "member", "admin")
    clock.freeze(MONDAY)
    number = _file(app, auth, client, people)
    case = get_case(app, number=number)
    evidence_id = case.evidence[0].id
    _send(runner)
    # the chair is told the number and that a declaration is needed, nothing of the case
    [mail] = smtp.to("chair@example.com")
    body = smtp.text_of(mail)
    assert number in mail["Subject"] and "declaration" in mail["Subject"]
    assert "conflict of interest" in body
    for secret in ("Facts for S7", "Rory", "Clara", "S23", "invoice.pdf"):
        assert secret not in body and secret not in mail["Subject"], secret

    auth.login(people["member"])
    r = client.get(f"/cases/{number}")
    page = text(r)
    assert r.status_code == 200
    assert number in page and "declare whether you have a conflict" in page
    assert f'action="/cases/{number}/declaration"' in page
    # the parties' names are part of the form (nobody can declare without them) ...
    assert "Rory Respondent (CCM-200002)" in page and "Clara Complainant" in page
    # ... and nothing else of the case
    for secret in ("Facts for S7", "S23", "invoice.pdf", "An apology", "Received, waiting",
                   "Timeline", "Evidence", "Documents", "Allegations", "Status"):
        assert secret not in page, secret
    # every other route of the case answers as if it did not exist
    for url in (f"/cases/{number}/receipt", f"/evidence/{evidence_id}",
                f"/cases/{number}/documents/receipt/preview", f"/cases/{number}/conflicts"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/cases/{number}/notes", data={"text": "x"}).status_code == 404
    assert client.post(f"/cases/{number}/act/accept").status_code == 404

    # lists show it as awaiting a declaration, with what the declaration page shows to
    # judge a conflict (the respondent, the filing date) and nothing of its content;
    # filters and counts never read it
    listed = text(client.get("/cases"))
    assert number in listed and "awaiting your declaration" in listed
    assert "about Rory Respondent (CCM-200002), filed" in listed
    assert "S23" not in listed and "Facts for S7" not in listed
    for query in ("standard=S23", "standard=S99", "status=submitted", "status=dismissed"):
        found = text(client.get(f"/cases?{query}"))
        assert _awaiting_section(found) == _awaiting_section(listed), query
        assert number not in found.replace(_awaiting_section(found), ""), query
    home = text(client.get("/"))
    assert "Awaiting your declaration" in home and "1 case</a>" in home
    assert _open_count(home, "Received, waiting for the committee's review") == 0

    # an incomplete disclosure is refused next to its fields, and nothing opens
    r = client.post(f"/cases/{number}/declaration", data={"kind": "disclosure"})
    assert r.status_code == 400
    page = text(r)
    assert "Choose the relationship you disclose." in page
    assert "Describe the relationship: the parties read it." in page
    assert "Facts for S7" not in page

    # "no conflict" opens the case
    r = declare(client, number)
    page = text(r)
    assert "Your declaration is recorded" in page
    assert "Facts for S7" in page and "invoice.pdf" in page
    assert "Your declaration" in page and "no conflict" in page
    assert client.get(f"/cases/{number}/receipt").status_code == 200
    # declaring again is not a second declaration: the page says the first one counts
    again = client.post(f"/cases/{number}/declaration", data={"kind": "none"},
                        follow_redirects=True)
    assert "Your declaration was already recorded; this one was not." in text(again)
    listed = text(client.get("/cases?standard=S23"))
    assert number in listed and "Rory Respondent" in listed
    assert number not in text(client.get("/cases?standard=S9"))  # alleged: S7 and S23 only
    assert "Awaiting your declaration" not in text(client.get("/"))
    [entry] = _audit(app, "coi.declared")
    assert entry.actor_id == people["member"].id and entry.details["kind"] == "none"
    assert any(e.details.get("awaiting_declaration") for e in _audit(app, "case.viewed"))
    assert _eligible(app, number) == {"mina@example.com"}


def test_an_administrator_who_is_not_a_member_is_not_gated(app, make, cast, auth, client):
    people = cast("complainant", "respondent", "chair", "member", "admin")
    number = _file(app, auth, client, people)
    auth.login(people["admin"])
    page = text(client.get(f"/cases/{number}"))
    assert "Facts for S7" in page and "declare whether" not in page
    # ... but an administrator who sits on the committee is
    both = make.user("admin", "member", email="both@example.com")
    as_user(auth, both)
    page = text(client.get(f"/cases/{number}"))
    assert "declare whether you have a conflict" in page and "Facts for S7" not in page


# --- disclosure, objection, recusal, reinstatement ---------------------------------------------

def test_an_objection_to_a_disclosure_recuses_the_member_until_every_objection_is_withdrawn(
        app, cast, auth, client, smtp, runner):
    people = cast("complainant", "respondent", "chair", "member", "admin")
    clock.freeze(MONDAY)
    number = _served(app, auth, client, people)
    _send(runner)
    smtp.messages.clear()

    # Mina discloses a friendship with the respondent; both parties are told, with the date
    auth.login(people["member"])
    r = _disclose(client, number)
    assert "Facts for S7" in text(r)  # a disclosure opens the case to her, like "no conflict"
    _send(runner)
    for address in ("clara@example.com", "rory@example.com"):
        [mail] = _mails(smtp, address, "a committee member's disclosure")
        body = smtp.text_of(mail)
        assert "Mina Member" in body and FRIENDSHIP in body and "2026-11-12" in body

    # the respondent reads it on the case page, with the last day to object
    as_user(auth, people["respondent"])
    page = text(client.get(f"/cases/{number}"))
    assert "Committee members' disclosures" in page
    assert "Mina Member: Friend" in page and FRIENDSHIP in page
    assert "Objections until 2026-11-12" in page

    # five days on they object: Mina is recused at once
    clock.advance(days=5)
    r = client.post(f"/cases/{number}/disclosures/{_declaration_id(app, number)}/objection",
                    data={f"object-{_declaration_id(app, number)}-text": "We are not neutral."},
                    follow_redirects=True)
    page = text(r)
    assert "Your objection is recorded" in page
    assert "This member takes no part in the case." in page
    [recusal] = _recusals(app, number)
    assert (recusal.cause, recusal.member_id, recusal.reinstated_at) == (
        "objection", people["member"].id, None)

    # the member and the chair are told over SMTP
    _send(runner)
    [to_mina] = _mails(smtp, "mina@example.com", "you are recused after an objection")
    assert "the respondent objected" in smtp.text_of(to_mina)
    assert "We are not neutral" not in smtp.text_of(to_mina)
    [to_chair] = _mails(smtp, "chair@example.com", "Mina Member recused after an objection")
    assert number in to_chair["Subject"]

    # Mina finds the case nowhere
    as_user(auth, people["member"])
    assert client.get(f"/cases/{number}").status_code == 404
    assert client.get(f"/cases/{number}/receipt").status_code == 404
    assert number not in text(client.get("/cases"))
    assert number not in text(client.get("/"))
    assert _eligible(app, number) == {"chair@example.com"}

    # the chair's conflicts page shows who declared what and who may serve
    as_user(auth, people["chair"])
    page = text(client.get(f"/cases/{number}/conflicts"))
    assert "Mina Member" in page and "Friend" in page and FRIENDSHIP in page
    assert "The respondent" in page and "We are not neutral." in page
    assert "A party objected to the disclosure" in page
    assert re.search(r"May serve</h2>\s*<ul><li>Charles Chair</li></ul>", page)
    assert "Ada Administrator" not in page  # not a committee member

    # reinstatement is refused while the objection stands
    recusal_url = f"/cases/{number}/recusals/{recusal.id}/reinstatement"
    field = f"reinstate-{recusal.id}-reason"
    r = client.post(recusal_url, data={field: "The friendship ended years ago."})
    assert r.status_code == 400
    assert "A member can be reinstated only once every objection is withdrawn." in text(r)
    assert "The friendship ended years ago." in text(r)  # what the chair wrote is kept
    assert _recusals(app, number)[0].reinstated_at is None

    # the respondent withdraws the objection; the chair reinstates, with a reason
    as_user(auth, people["respondent"])
    objection_id = _objection_id(app, number)
    r = client.post(f"/cases/{number}/objections/{objection_id}/withdrawal",
                    data={f"withdraw-{objection_id}-reason": "I spoke to the chair."},
                    follow_redirects=True)
    assert "Your objection is withdrawn" in text(r)
    as_user(auth, people["chair"])
    r = client.post(recusal_url, data={field: ""})
    assert r.status_code == 400 and "Give the reason for the reinstatement" in text(r)
    r = client.post(recusal_url, data={field: "Every objection was withdrawn."},
                    follow_redirects=True)
    assert "Mina Member is reinstated" in text(r)
    [recusal] = _recusals(app, number)  # the recusal stays on record, closed
    assert recusal.reinstated_by_id == people["chair"].id
    assert recusal.reinstatement_reason == "Every objection was withdrawn."
    as_user(auth, people["member"])
    assert "Facts for S7" in text(client.get(f"/cases/{number}"))
    _send(runner)
    assert _mails(smtp, "mina@example.com", "you are reinstated")
    assert _mails(smtp, "chair@example.com", "an objection was withdrawn")

    actions = [e.action for e in _audit(app, "coi.declared") + _audit(app, "coi.objected")
               + _audit(app, "coi.recused") + _audit(app, "coi.objection_withdrawn")
               + _audit(app, "coi.reinstated")]
    assert sorted(actions) == sorted(["coi.declared"] * 2 + ["coi.objected", "coi.recused",
                                                             "coi.objection_withdrawn",
                                                             "coi.reinstated"])
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def _declaration_id(app, number: str) -> int:
    with app.app_context():
        return db.session.execute(
            select(CoiDeclaration.id).join(Case, Case.id == CoiDeclaration.case_id)
            .where(Case.number == number, CoiDeclaration.kind == "disclosure")).scalar_one()


def _objection_id(app, number: str) -> int:
    with app.app_context():
        declaration = db.session.get(CoiDeclaration, _declaration_id(app, number))
        return declaration.objections[-1].id


def test_an_objection_after_the_window_is_refused_with_a_clear_message(
        app, cast, auth, client, smtp, runner):
    people = cast("complainant", "respondent", "chair", "member", "admin")
    clock.freeze(MONDAY)
    number = _file(app, auth, client, people)
    auth.login(people["member"])
    _disclose(client, number, relation="professional", text="I supervised Rory in 2019.")
    declaration_id = _declaration_id(app, number)
    # the respondent is served a week later: their window runs from then
    auth.logout()
    clock.advance(days=7)
    auth.login(people["chair"])
    declare(client, number)
    act(client, number, "accept", get_case(app, number=number).row_version,
        respondent_email="rory@example.com")
    auth.logout()
    _send(runner)
    [to_rory] = _mails(smtp, "rory@example.com", "a committee member's disclosure")
    assert "2026-11-19" in smtp.text_of(to_rory)  # ten days after service, a Thursday

    clock.freeze(datetime(2026, 11, 13, 9, 0, tzinfo=UTC))  # the day after the complainant's
    auth.login(people["complainant"])
    page = text(client.get(f"/cases/{number}"))
    assert "Objections until 2026-11-12" in page
    assert "The time to object to this disclosure has ended." in page
    assert f"/disclosures/{declaration_id}/objection" not in page
    r = client.post(f"/cases/{number}/disclosures/{declaration_id}/objection",
                    data={f"object-{declaration_id}-text": "Too late?"})
    assert r.status_code == 400
    assert "The time to object to this disclosure ended on 2026-11-12" in text(r)
    assert "Your objection was not recorded" in text(r)
    assert _recusals(app, number) == []

    # the respondent, served later, may still object
    as_user(auth, people["respondent"])
    page = text(client.get(f"/cases/{number}"))
    assert "Objections until 2026-11-19" in page
    r = client.post(f"/cases/{number}/disclosures/{declaration_id}/objection",
                    follow_redirects=True)
    assert "Your objection is recorded" in text(r)
    [recusal] = _recusals(app, number)
    assert recusal.cause == "objection"


def test_a_member_may_withdraw_at_any_time_and_it_cannot_be_undone(
        app, make, cast, auth, client, smtp, runner):
    people = cast("complainant", "respondent", "chair", "member", "admin")
    number = _file(app, auth, client, people)
    clear(app, people["chair"].id, number)
    marco = make.user("member", email="marco@example.com", name="Marco Member")

    # before declaring, from the declaration page
    auth.login(marco)
    r = client.post(f"/cases/{number}/recusal", data={"recuse-reason": ""})
    assert r.status_code == 400 and "Give the reason you withdraw" in text(r)
    assert "Facts for S7" not in text(r)
    r = client.post(f"/cases/{number}/recusal",
                    data={"recuse-reason": "Rory is my neighbour."}, follow_redirects=True)
    assert f"You have withdrawn from {number}" in text(r)
    assert client.get(f"/cases/{number}").status_code == 404
    assert client.post(f"/cases/{number}/recusal",
                       data={"recuse-reason": "Again."}).status_code == 404

    # after declaring, from the case page
    as_user(auth, people["member"])
    declare(client, number)
    page = text(client.get(f"/cases/{number}"))
    assert "Withdraw from this case" in page
    r = client.post(f"/cases/{number}/recusal",
                    data={"recuse-reason": "I have just learned Clara is my cousin's client."},
                    follow_redirects=True)
    assert client.get(f"/cases/{number}").status_code == 404

    rows = _recusals(app, number)
    assert [(r.cause, r.by_id) for r in rows] == [("self", marco.id), ("self", people["member"].id)]
    assert rows[0].reason == "Rory is my neighbour."
    _send(runner)
    assert _mails(smtp, "chair@example.com", "Marco Member withdrew from the case")
    assert [e.details["cause"] for e in _audit(app, "coi.recused")] == ["self", "self"]

    # a withdrawal is not reinstated, by page or by service
    as_user(auth, people["chair"])
    page = text(client.get(f"/cases/{number}/conflicts"))
    assert "Rory is my neighbour." in page and "Withdrew" in page
    assert "/reinstatement" not in page
    r = client.post(f"/cases/{number}/recusals/{rows[0].id}/reinstatement",
                    data={f"reinstate-{rows[0].id}-reason": "Please."})
    assert r.status_code == 400
    assert "Only a recusal that followed an objection can be lifted" in text(r)
    with app.test_request_context():
        recusal = db.session.get(Recusal, rows[0].id)
        with pytest.raises(coi.CoiError):
            coi.reinstate(recusal, db.session.get(User, people["chair"].id), "Please.")


def test_a_member_who_is_a_party_or_filed_the_case_is_recused_by_the_system(
        app, make, cast, auth, client):
    people = cast("complainant", "respondent", "chair", "member", "admin")
    # a member files a complaint: recused at submission, and sees the case as its complainant
    filer = make.user("member", email="fiona@example.com", name="Fiona Filer")
    auth.login(filer)
    r, _ = file_complaint(app, client, "CCM-200002", files=())
    number = number_in(r.data.decode())
    page = text(client.get(f"/cases/{number}"))
    assert "Facts for S7" in page and "Disclosure log" not in page  # a party's view
    assert "declare whether" not in page
    [recusal] = _recusals(app, number)
    assert (recusal.member_id, recusal.cause, recusal.by_id) == (filer.id, "party", None)
    assert recusal.reason == "Filed the case."

    # a member whose registry record is the respondent's: recused at submission too
    record = make.certificant(number="CCM-500005", name="Max Member")
    max_ = make.user("member", email="max@example.com", name="Max Member", certificant=record)
    as_user(auth, people["complainant"])
    r, _ = file_complaint(app, client, "CCM-500005", files=())
    other = number_in(r.data.decode())
    [recusal] = _recusals(app, other)
    assert (recusal.member_id, recusal.cause) == (max_.id, "party")
    assert "respondent" in recusal.reason
    entries = _audit(app, "coi.recused")
    assert [(e.actor_id, e.details["cause"]) for e in entries] == [(None, "party"), (None, "party")]

    # the chair's page names them as parties, never eligible
    as_user(auth, people["chair"])
    declare(client, other)
    page = text(client.get(f"/cases/{other}/conflicts"))
    assert "Party to the case" in page
    assert _eligible(app, other) == {"chair@example.com"}


def test_a_respondent_account_linked_later_is_recused_if_it_belongs_to_a_member(
        app, make, cast, auth, client):
    """Served at an address with no account; a member who registers it is a party."""

    people = cast("complainant", "respondent", "chair", "member", "admin")
    make.certificant(number="CCM-600006", name="Nora Newcomer")
    auth.login(people["complainant"])
    r, _ = file_complaint(app, client, "CCM-600006", files=())
    number = number_in(r.data.decode())
    as_user(auth, people["chair"])
    declare(client, number)
    act(client, number, "accept", get_case(app, number=number).row_version,
        respondent_email="nora@example.com")
    nora = make.user("member", email="nora@example.com", name="Nora Newcomer")
    with app.test_request_context():
        assert coi.link_respondent_account(db.session.get(User, nora.id)) == 1
        db.session.commit()
    [recusal] = _recusals(app, number)
    assert (recusal.member_id, recusal.cause) == (nora.id, "party")


def test_mail_to_the_committee_leaves_out_the_recused_and_tells_the_undeclared_little(
        app, make, cast, auth, client, smtp, runner):
    people = cast("complainant", "respondent", "chair", "member", "admin")
    recused_chair = make.user("chair", "member", email="rita@example.com", name="Rita Recused")
    new_chair = make.user("chair", "member", email="nico@example.com", name="Nico New")
    number = _file(app, auth, client, people)
    auth.login(recused_chair)
    client.post(f"/cases/{number}/recusal", data={"recuse-reason": "Clara is my sister."})
    as_user(auth, people["chair"])
    declare(client, number)
    act(client, number, "request_info", get_case(app, number=number).row_version,
        text="Which file?")
    _send(runner)
    smtp.messages.clear()
    as_user(auth, people["complainant"])
    act(client, number, "provide_info", get_case(app, number=number).row_version,
        text="File 42, with the invoice of March.")
    _send(runner)
    assert _mails(smtp, "chair@example.com", "the complainant sent more information")
    assert not smtp.to("rita@example.com"), "a recused chair is told nothing"
    [to_nico] = smtp.to("nico@example.com")
    assert "declaration" in to_nico["Subject"]
    assert "more information" not in to_nico["Subject"]
    assert "File 42" not in smtp.text_of(to_nico)
    with app.test_request_context():
        from app.cases.notices import intake_staff

        case = db.session.execute(select(Case).where(Case.number == number)).scalar_one()
        assert {u.email for u in intake_staff(case)} == {"chair@example.com", new_chair.email}


def test_a_disclosure_must_name_the_relationship_in_the_database_too(app, cast, ctx):
    """The CHECK holds even for code that skips the service."""
    from sqlalchemy.exc import IntegrityError

    people = cast("complainant", "respondent", "chair", "member", "admin")
    with app.test_request_context():
        from case_helpers import case_in_state

        from app.registry.models import Certificant

        case = case_in_state("submitted", db.session.get(User, people["complainant"].id),
                             db.session.scalars(select(Certificant)).first())
        db.session.add(CoiDeclaration(case_id=case.id, member_id=people["member"].id,
                                      kind="disclosure", text="", declared_at=clock.now()))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
