"""What each person sees of a case, through the real pages and the mail they receive.

One complaint is filed, accepted with the complainant's identity withheld and one of
three files disclosed, noted on internally, extended and answered; then each person
looks at it.
"""
from __future__ import annotations

import html
import io

import pytest
from case_helpers import PDF, act, clear, declare, file_complaint, get_case, number_in, timeline_of
from flask import url_for
from sqlalchemy import select

from app import clock
from app.cases.models import Case, CaseEvent, Disclosure, Evidence
from app.extensions import db

NOTE = "Internal: the complainant's account of March is doubtful."


def as_user(auth, user):
    auth.logout()
    auth.login(user)


def text(response) -> str:
    return html.unescape(response.data.decode())


@pytest.fixture
def world(app, cast, auth, client, runner, smtp):
    people = cast("complainant", "respondent", "chair", "member", "outsider")
    clock.freeze(clock.now().replace(year=2026, month=11, day=2, hour=9))
    auth.login(people["complainant"])
    r, draft_url = file_complaint(app, client, "CCM-200002", withhold_identity_requested="y")
    number = number_in(r.data.decode())
    draft_id = int(draft_url.rstrip("/").split("/")[-2])
    case = get_case(app, number=number)
    files = {e.original_name: e.id for e in case.evidence}

    as_user(auth, people["chair"])
    declare(client, number)  # S7: the chair and the member declare "no conflict"
    clear(app, people["member"].id, number)
    r = act(client, number, "accept", case.row_version, respondent_email="rory@example.com",
            withhold_identity="y", disclose=[str(files["invoice.pdf"])])
    assert "Complaint accepted" in r.data.decode()
    r = client.post(f"/cases/{number}/notes", data={"text": NOTE}, follow_redirects=True)
    assert r.status_code == 200 and "Note added." in r.data.decode()

    clock.advance(days=3)
    as_user(auth, people["respondent"])
    act(client, number, "request_extension", get_case(app, number=number).row_version,
        text="I am abroad until January.")
    as_user(auth, people["chair"])
    r = act(client, number, "decide_extension", get_case(app, number=number).row_version,
            decision="grant", new_due_on="2027-01-15", text="Granted once.")
    assert "Extension request decided" in r.data.decode()

    clock.advance(days=10)
    as_user(auth, people["respondent"])
    r = client.post(f"/cases/{number}/act/respond", follow_redirects=True,
                    content_type="multipart/form-data", data={
                        "respond-seen_version": str(get_case(app, number=number).row_version),
                        "respond-text": "I deny the allegations.",
                        "respond-evidence": [(io.BytesIO(PDF), "answer.pdf")]})
    assert "The respondent answered" in r.data.decode()
    auth.logout()
    assert runner.invoke(args=["outbox", "send"]).exit_code == 0
    files = {e.original_name: e.id for e in get_case(app, number=number).evidence}
    return {"people": people, "number": number, "draft_id": draft_id, "files": files}


# --- lists ---------------------------------------------------------------------------------------

def test_each_party_lists_the_case_with_its_status_in_plain_words(world, auth, client):
    people, number = world["people"], world["number"]
    auth.login(people["complainant"])
    mine = text(client.get("/my/complaints"))
    assert f'href="/cases/{number}"' in mine and "Under investigation" in mine
    assert "Rory Respondent (CCM-200002)" in mine
    assert ">investigation<" not in mine  # the words, not the code
    assert number not in text(client.get("/my/matters"))

    as_user(auth, people["respondent"])
    matters = text(client.get("/my/matters"))
    assert f'href="/cases/{number}"' in matters and "Under investigation" in matters
    assert number not in text(client.get("/my/complaints"))

    as_user(auth, people["outsider"])
    assert number not in text(client.get("/my/complaints"))
    assert number not in text(client.get("/my/matters"))


def test_the_status_words_follow_the_case(app, cast, auth, client):
    """Before the answer: the same case reads "Accepted; waiting..." on both parties' lists."""
    people = cast("complainant", "respondent", "chair", "member", "outsider")
    auth.login(people["complainant"])
    r, _ = file_complaint(app, client, "CCM-200002", files=())
    number = number_in(r.data.decode())
    assert "Received, waiting for the committee's review" in text(client.get("/my/complaints"))
    as_user(auth, people["chair"])
    declare(client, number)
    act(client, number, "accept", get_case(app, number=number).row_version,
        respondent_email="rory@example.com")
    for who, page in (("complainant", "/my/complaints"), ("respondent", "/my/matters")):
        as_user(auth, people[who])
        listed = text(client.get(page))
        assert number in listed
        assert "Accepted; waiting for the respondent's answer" in listed, who


# --- timelines and internal notes ---------------------------------------------------------------------

def test_timelines_show_each_party_only_the_events_meant_for_them(app, world, auth, client):
    people, number = world["people"], world["number"]
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.number == number)).scalar_one()
        events = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                    .order_by(CaseEvent.id)).scalars().all()
        meant = {
            "complainant": [e.summary for e in events if e.to_complainant and not e.internal],
            "respondent": [e.summary for e in events if e.to_respondent and not e.internal],
            "chair": [("Internal note" if e.internal else e.summary) for e in events],
        }
    # what the story above is expected to have produced
    assert meant["complainant"] == ["Complaint submitted",
                                    "Complaint accepted; notice served on the respondent",
                                    "The respondent answered"]
    assert meant["respondent"] == ["Complaint accepted; notice served on the respondent",
                                   "The respondent asked for more time", "Extension request decided",
                                   "The respondent answered"]
    for who, summaries in meant.items():
        auth.login(people[who])
        lines = timeline_of(client.get(f"/cases/{number}").data.decode())
        shown = [line.split(" — ", 1)[1] for line in lines]
        assert len(shown) == len(summaries), (who, shown)
        for line, summary in zip(shown, summaries, strict=True):
            assert line.startswith(summary), (who, line, summary)
        auth.logout()


def test_internal_notes_reach_staff_only(world, auth, client, smtp):
    people, number = world["people"], world["number"]
    for who in ("chair", "member"):
        auth.login(people[who])
        page = client.get(f"/cases/{number}").data.decode()
        assert any(line.endswith(f"— Internal note by Charles Chair {NOTE}")
                   for line in timeline_of(page)), who
        auth.logout()
    for who in ("complainant", "respondent"):
        auth.login(people[who])
        page = text(client.get(f"/cases/{number}"))
        assert NOTE not in page and "Internal note" not in page, who
        # nor can they write one
        assert client.post(f"/cases/{number}/notes", data={"text": "Mine."}).status_code == 403
        auth.logout()
    assert not [m for m in smtp.messages if NOTE in m.as_string()], "a note is never mailed"


# --- the complainant's identity --------------------------------------------------------------------------

def test_a_withheld_identity_never_reaches_the_respondent(world, auth, client, smtp):
    people, number = world["people"], world["number"]
    auth.login(people["chair"])
    assert "Clara Complainant (withheld from the respondent)" in text(client.get(f"/cases/{number}"))
    as_user(auth, people["respondent"])
    pages = [text(client.get(u)) for u in (f"/cases/{number}", "/my/matters")]
    assert "Withheld at the complainant's request" in pages[0]
    for page in pages:
        assert "Clara" not in page and "clara@example.com" not in page
    to_respondent = smtp.to("rory@example.com")
    subjects = [m["Subject"] for m in to_respondent]
    assert f"Notice of complaint {number}" in subjects and f"{number}: extension granted" in subjects
    [notice] = [m for m in to_respondent if m["Subject"] == f"Notice of complaint {number}"]
    assert "Complainant: withheld at the complainant's request." in smtp.text_of(notice)
    for message in to_respondent:
        raw = message.as_string()
        assert "Clara" not in raw and "clara@example.com" not in raw, message["Subject"]


def test_an_identity_not_withheld_is_shown_to_the_respondent(app, cast, auth, client, runner, smtp):
    """The control for the test above: the name does appear where it may."""
    people = cast("complainant", "respondent", "chair", "member", "outsider")
    auth.login(people["complainant"])
    r, _ = file_complaint(app, client, "CCM-200002", files=(), withhold_identity_requested="y")
    number = number_in(r.data.decode())
    as_user(auth, people["chair"])
    declare(client, number)
    act(client, number, "accept", get_case(app, number=number).row_version,
        respondent_email="rory@example.com")  # the chair does not grant the request
    as_user(auth, people["respondent"])
    assert "Clara Complainant" in text(client.get(f"/cases/{number}"))
    runner.invoke(args=["outbox", "send"])
    [notice] = smtp.to("rory@example.com")
    assert "Complainant: Clara Complainant." in smtp.text_of(notice)


# --- evidence and the disclosure log -------------------------------------------------------------------

def test_evidence_reaches_each_person_as_disclosed(world, auth, client):
    people, files = world["people"], world["files"]
    reach = {  # file → who may download it
        "invoice.pdf": {"complainant", "respondent", "chair", "member"},  # disclosed
        "photo.png": {"complainant", "chair", "member"},
        "notes.txt": {"complainant", "chair", "member"},
        "answer.pdf": {"respondent", "chair", "member"},  # the respondent's own
    }
    for who in ("complainant", "respondent", "chair", "member", "outsider"):
        auth.login(people[who])
        for name, allowed in reach.items():
            r = client.get(f"/evidence/{files[name]}")
            if who in allowed:
                assert r.status_code == 200, (who, name, r.status_code)
                assert name in r.headers["Content-Disposition"]
                if name.endswith(".pdf"):
                    assert r.data == PDF
            else:
                assert r.status_code == 404, (who, name, r.status_code)
        page = text(client.get(f"/cases/{world['number']}"))
        if who == "respondent":  # the list shows only what they may open
            assert "invoice.pdf" in page and "answer.pdf" in page
            assert "photo.png" not in page and "notes.txt" not in page
        auth.logout()


def test_the_disclosure_log_records_what_the_respondent_was_shown(app, world, auth, client):
    people, number, files = world["people"], world["number"], world["files"]

    def log():
        with app.app_context():
            case = db.session.execute(select(Case).where(Case.number == number)).scalar_one()
            return [(d.item_type, d.item_label, d.recipient_email, d.how) for d in db.session.execute(
                select(Disclosure).where(Disclosure.case_id == case.id).order_by(Disclosure.id))
                .scalars()]

    served = [("allegations", "Allegations: S7, S23", "rory@example.com", "served by email"),
              ("evidence", "invoice.pdf", "rory@example.com", "served by email")]
    assert log() == served
    # the respondent opens the disclosed file twice, and their own answer once
    auth.login(people["respondent"])
    for evidence_id in (files["invoice.pdf"], files["invoice.pdf"], files["answer.pdf"]):
        assert client.get(f"/evidence/{evidence_id}").status_code == 200
    assert client.get(f"/evidence/{files['photo.png']}").status_code == 404
    # the complainant and staff opening files is not a disclosure to the respondent
    as_user(auth, people["complainant"])
    assert client.get(f"/evidence/{files['photo.png']}").status_code == 200
    as_user(auth, people["chair"])
    assert client.get(f"/evidence/{files['answer.pdf']}").status_code == 200
    downloaded = ("evidence", "invoice.pdf", "rory@example.com", "downloaded")
    assert log() == served + [downloaded, downloaded]
    # the chair reads the log on the case page
    page = text(client.get(f"/cases/{number}"))
    block = page.split(">Disclosure log</h2>", 1)[1]
    assert block.count("invoice.pdf") == 3 and "photo.png" not in block
    assert block.count("served by email") == 2 and block.count("downloaded") == 2


# --- an outsider -----------------------------------------------------------------------------------------

def test_an_outsider_gets_404_everywhere_in_the_case(app, world, auth, client):
    """Every case URL, with every action, evidence file and the draft: as if none existed."""
    auth.login(world["people"]["outsider"])
    from app.proceedings.workflow import ACTIONS

    args = {"number": [world["number"]], "evidence_id": list(world["files"].values()),
            "case_id": [world["draft_id"]], "action": [a for a in ACTIONS if ACTIONS[a].form]}
    checked, failures = 0, []
    rules = [r for r in app.url_map.iter_rules()
             if r.endpoint.split(".")[0] in ("cases", "filing", "proceedings") and r.arguments
             and r.arguments <= set(args)]
    assert {r.endpoint for r in rules} >= {"proceedings.detail", "filing.receipt", "proceedings.act",
                                          "proceedings.add_note", "cases.download",
                                          "filing.edit_draft"}
    for rule in rules:
        combos = [{}]
        for name in sorted(rule.arguments):
            combos = [c | {name: v} for c in combos for v in args[name]]
        for values in combos:
            with app.test_request_context():
                url = url_for(rule.endpoint, **values)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                r = client.open(url, method=method, data={"text": "x"})
                checked += 1
                if r.status_code != 404:
                    failures.append(f"{method} {url}: {r.status_code}")
                assert world["number"] not in r.data.decode()
    assert checked > 20 and not failures, failures
    assert client.get("/cases").status_code == 403
    assert client.get("/cases/intake").status_code == 403
    # and nothing they tried reached the case
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.number == world["number"])).scalar_one()
        assert case.status == "investigation"
        assert not db.session.execute(select(Evidence).where(
            Evidence.uploaded_by_id == world["people"]["outsider"].id)).first()


def test_the_receipt_is_for_the_complainant_and_staff(world, auth, client):
    """It counts the files on file, disclosed or not: the respondent is not shown it."""
    people, number = world["people"], world["number"]
    for who, status in (("complainant", 200), ("chair", 200), ("respondent", 404)):
        auth.login(people[who])
        r = client.get(f"/cases/{number}/receipt")
        assert r.status_code == status, who
        if status == 200:
            assert f"Received: {number}" in r.data.decode()
        else:
            assert "evidence file(s) attached" not in r.data.decode()
        auth.logout()


def test_an_unserved_respondent_cannot_open_the_complaint(app, cast, auth, client):
    """A linked respondent cannot read a complaint before it is served (or if it is
    dismissed before service), though its number is easy to guess."""
    people = cast("complainant", "respondent", "chair", "member", "outsider")
    auth.login(people["complainant"])
    r, _ = file_complaint(app, client, "CCM-200002", files=(), withhold_identity_requested="y")
    number = number_in(r.data.decode())
    as_user(auth, people["respondent"])
    assert number not in text(client.get("/my/matters"))  # the list already hides it
    assert client.get(f"/cases/{number}").status_code == 404
