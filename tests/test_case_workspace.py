"""The case workspace, proved through the real pages (issue 10, points 5-7).

Each test reads what a person reading the page would notice: the summary at the top (the
status, the next deadline and whom it binds, "Your next step"), the in-page index, where
a refusal shows and what it keeps, the labels of the forms, the times and their zone, the
complaint draft's registry search, and the small things (links in mail, attachments in the
outbox, declaration lists, the hearing's calendar file, superseded notices, the demo's mail).
"""
from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, datetime

import pytest
from case_helpers import act, action_buttons, case_in_state, item_id
from conftest import PASSWORD, Factory, _truncate, outbox_rows
from pages import Page
from sqlalchemy import func, select

from app import clock, create_app
from app.accounts.models import User
from app.audit.models import AuditEntry
from app.cases.models import Case, CaseEvent, DismissalReason
from app.coi import services as coi
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.registry.models import Certificant
from config import TestingConfig

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday, in winter time in Paris

# The committee beyond the chair and the investigator: the quorum is 3, so a hearing panel
# (the chair and two) and three more for an appeal panel.
EXTRAS = {
    "hana": "Hana Hearing", "hugo": "Hugo Hearing",
    "alma": "Alma Appeal", "arno": "Arno Appeal", "aria": "Aria Appeal",
}


def make_cast(make: Factory) -> dict:
    """The people of every case here: the parties, the chair, the investigator, an
    administrator, and the other committee members."""
    make.catalogue()
    record = make.certificant(number="CCM-500001", name="Rory Respondent")
    people = {
        "complainant": make.user(email="clara@example.com", name="Clara Complainant"),
        "respondent": make.user(email="rory@example.com", name="Rory Respondent",
                                certificant=record),
        "chair": make.user("chair", "member", email="chair@example.com", name="Charles Chair"),
        "member": make.user("member", email="ivy@example.com", name="Ivy Investigator"),
        "admin": make.user("admin", email="ada@example.com", name="Ada Admin"),
    }
    for key, name in EXTRAS.items():
        people[key] = make.user("member", email=f"{key}@example.com", name=name)
    people["record"] = record
    return people


@pytest.fixture
def cast(app, make):
    clock.freeze(START)
    return make_cast(make)


def build(app, cast, state: str, *, declared=("chair", "member", "hana", "hugo")) -> str:
    """A case put straight into `state` (see case_helpers.case_in_state), the committee
    members named having declared "no conflict"; returns its number."""
    with app.app_context():
        users = {k: db.session.get(User, v.id) for k, v in cast.items() if k != "record"}
        record = db.session.get(Certificant, cast["record"].id)
        case = case_in_state(state, users["complainant"], record, users["respondent"],
                             investigator=users["member"], chair=users["chair"],
                             panel=[users["chair"], users["hana"], users["hugo"]])
        if state != "draft":
            for who in declared:
                coi.declare(case, users[who], "none")
        db.session.commit()
        return case.number


def version(app, number: str) -> int:
    with app.app_context():
        return db.session.execute(select(Case.row_version).where(Case.number == number)).scalar_one()


def status(app, number: str) -> str:
    with app.app_context():
        return db.session.execute(select(Case.status).where(Case.number == number)).scalar_one()


def alert(markup: str) -> str:
    """The error summary at the top of a refused page, as read ("" if none)."""
    found = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', markup, re.S)
    return words(found.group(1)) if found else ""


def signed_in(app, user, base_url: str = "http://localhost"):
    """A client of its own, signed in as `user` (at `base_url`)."""
    client = app.test_client()
    r = client.post("/login", data={"email": user.email, "password": PASSWORD},
                    base_url=base_url)
    assert r.status_code == 302, f"{user.email} could not sign in"
    return client


def text_of(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def words(markup: str) -> str:
    """The text a page reads as: tags dropped, spaces collapsed, none before punctuation."""
    read = " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", markup)).split())
    return re.sub(r" ([,.:;])", r"\1", read)


VOTE_STEP = re.compile(r"^(Cast|Change) your vote: ")


def vote_steps(markup: str) -> list[str]:
    """The votes "Your next step" asks of a voter (they are not workflow actions)."""
    block = re.search(r'<div id="next-step">(.*?)</div>', markup, re.S).group(1)
    return [words(li) for li in re.findall(r"<li>(.*?)</li>", block, re.S)
            if VOTE_STEP.match(words(li))]


def next_step(markup: str) -> tuple[list[str], dict[str, str]]:
    """What "Your next step" offers of the workflow's actions (its links, as read) and what
    it lists as not available yet (label → reason); votes are read by `vote_steps`."""
    block = re.search(r'<div id="next-step">(.*?)</div>', markup, re.S).group(1)
    offered_block, _, waiting_block = block.partition('class="waiting"')
    offered = re.search(r"<ul>(.*?)</ul>", offered_block, re.S)
    steps = [words(li) for li in re.findall(r"<li>(.*?)</li>", offered.group(1), re.S)
             if not VOTE_STEP.match(words(li))] if offered else []
    waiting = {}
    for li in re.findall(r"<li>(.*?)</li>", waiting_block, re.S):
        label, _, why = words(li).partition(":")
        waiting[label.strip()] = why.strip()
    return steps, waiting


def summary(markup: str) -> str:
    """The summary at the top of a case page, as read."""
    return words(re.search(r'<section class="summary"(.*?)</section>', markup, re.S).group(1))


def vote(client, number: str, choice: str, reasons: str = "", question: str = "outcome"):
    """Cast a vote through the case page's vote form."""
    return client.post(f"/cases/{number}/vote/{question}", data={
        f"vote-{question}-choice": choice, f"vote-{question}-reasons": reasons},
        follow_redirects=True)


READERS = ("complainant", "respondent", "chair", "member", "admin")
STATES = ("submitted", "info_requested", "awaiting_response", "investigation",
          "committee_review", "hearing_scheduled", "deliberation", "decided", "under_appeal",
          "final", "closed", "withdrawn", "dismissed")


@pytest.fixture(scope="module")
def every_page(app):
    """One case in each state, read by each reader: (state, reader) → the case page as
    served (the respondent before service, to whom the case answers 404, left out).

    The pages are read once for the module; the data is removed straight after, so each
    test that reads them still starts from empty tables."""
    clock.freeze(START)
    try:
        people = make_cast(Factory(app))
        clients = {who: signed_in(app, people[who]) for who in READERS}
        numbers = {state: build(app, people, state) for state in STATES}
        pages = {}
        for state, number in numbers.items():
            for who, client in clients.items():
                r = client.get(f"/cases/{number}")
                if r.status_code == 200:
                    pages[state, who] = text_of(r)
                else:
                    assert r.status_code == 404 and who == "respondent", (state, who)
        return pages
    finally:
        clock.freeze(None)
        _truncate(app)


# --- 1. every case page opens with the status, the next deadline and the next step ---------

WITHDRAW = "Withdraw my complaint (cannot be undone)"
MEASURES = ["Suspend in the interim (the public is at risk)",
            "Stay the proceeding pending litigation"]
# (state, reader): (status in plain words, next deadline as read, next steps, action forms)
LEADS = {
    ("submitted", "complainant"): ("Received, waiting for the committee's review",
                                   "none running", [WITHDRAW], {"withdraw"}),
    ("submitted", "chair"): (
        "Received, waiting for the committee's review", "none running",
        ["Accept and serve the respondent", "Ask the complainant for more information",
         "Dismiss the complaint (cannot be undone)"], {"accept", "request_info", "dismiss"}),
    ("submitted", "admin"): (
        "Received, waiting for the committee's review", "none running",
        ["Accept and serve the respondent", "Ask the complainant for more information",
         "Dismiss the complaint (cannot be undone)"], {"accept", "request_info", "dismiss"}),
    ("submitted", "member"): ("Received, waiting for the committee's review", "none running",
                              [], set()),
    ("info_requested", "complainant"): (
        "The committee has asked the complainant for more information",
        "2026-12-02: Information due (for you)", ["Send the information", WITHDRAW],
        {"provide_info", "withdraw"}),
    ("info_requested", "chair"): (
        "The committee has asked the complainant for more information",
        "2026-12-02: Information due (for the complainant)", [], set()),
    ("awaiting_response", "respondent"): (
        "Accepted; waiting for the respondent's answer",
        "2026-12-02: Respondent's answer due (for you)", ["Send my answer", "Ask for more time"],
        {"respond", "request_extension"}),
    ("awaiting_response", "chair"): (
        "Accepted; waiting for the respondent's answer",
        "2026-12-02: Respondent's answer due (for the respondent)", MEASURES,
        {"interim_suspension", "stay"}),
    ("awaiting_response", "member"): (
        "Accepted; waiting for the respondent's answer",
        "2026-12-02: Respondent's answer due (for the respondent)", [], set()),
    ("awaiting_response", "complainant"): ("Accepted; waiting for the respondent's answer",
                                           "none running", ["Ask to withdraw my complaint"],
                                           {"request_withdrawal"}),
    ("investigation", "member"): (
        "Under investigation", "none running",
        ["Ask for documents", "Close the investigation and refer the case to the committee"],
        {"request_documents", "refer"}),
    ("awaiting_response", "admin"): (
        "Accepted; waiting for the respondent's answer",
        "2026-12-02: Respondent's answer due (for the respondent)", [], set()),
    ("investigation", "chair"): ("Under investigation", "none running",
                                 ["Assign the investigator", *MEASURES],
                                 {"assign_investigators", "interim_suspension", "stay"}),
    ("investigation", "respondent"): ("Under investigation", "none running", [], set()),
    ("hearing_scheduled", "respondent"): ("A hearing is scheduled", "none running",
                                          ["Ask to postpone the hearing"],
                                          {"request_postponement"}),
    ("hearing_scheduled", "chair"): ("A hearing is scheduled", "none running", MEASURES,
                                     {"interim_suspension", "stay"}),
    ("deliberation", "chair"): ("The hearing panel is deliberating", "none running", MEASURES,
                                {"interim_suspension", "stay"}),
    ("decided", "respondent"): ("Decided; the appeal period is running",
                                "2026-12-02: Appeal period ends (for you)",
                                ["Appeal the decision"], {"appeal"}),
    ("decided", "chair"): ("Decided; the appeal period is running",
                           "2026-12-02: Appeal period ends (for the parties)", MEASURES,
                           {"interim_suspension", "stay"}),
    ("final", "respondent"): ("The decision is final", "none running",
                              ["Petition for reinstatement"], {"petition_reinstatement"}),
    ("final", "chair"): ("The decision is final", "none running",
                         ["Record a condition as met"], {"record_compliance"}),
    ("final", "admin"): ("The decision is final", "none running",
                         ["Record a condition as met"], {"record_compliance"}),
    ("final", "complainant"): ("The decision is final", "none running", [], set()),
    ("withdrawn", "chair"): ("Withdrawn by the complainant", "none running",
                             ["Continue on the committee's own motion"], {"continue"}),
    ("withdrawn", "complainant"): ("Withdrawn by the complainant", "none running", [], set()),
    ("dismissed", "complainant"): ("Dismissed", "none running", [], set()),
}
# Actions a reader may take in the state but that wait for something: (state, reader) →
# {label: the reason the page gives}. They are listed, never offered as a form.
WAITING = {
    ("hearing_scheduled", "chair"): {
        "Record the hearing and close it":
            "The hearing has not started yet: it can be recorded once it has taken place."},
    ("deliberation", "chair"): {
        "Record the panel's decision": "Every panel member must vote on S7: 0 of 3 have."},
    ("under_appeal", "chair"): {label: "Choose the appeal panel first." for label in (
        "Affirm, as the appeal panel voted", "Modify the sanction, as the appeal panel voted",
        "Reverse, as the appeal panel voted",
        "Send back to the committee, as the appeal panel voted")},
}
WAITING_NAMES = {"Record the hearing and close it": "hold_hearing",
                 "Record the panel's decision": "decide",
                 "Affirm, as the appeal panel voted": "appeal_affirm",
                 "Modify the sanction, as the appeal panel voted": "appeal_modify",
                 "Reverse, as the appeal panel voted": "appeal_reverse",
                 "Send back to the committee, as the appeal panel voted": "appeal_remand",
                 "Dismiss, as the committee voted": "review_dismiss",
                 "Dismiss with a cautionary letter, as the committee voted": "review_caution",
                 "Offer a consent agreement, as the committee voted": "propose_consent",
                 "Refer to a hearing and schedule it": "set_hearing"}


def test_every_case_page_opens_with_status_deadline_and_next_step(every_page):
    wrong = []
    for (state, who), (status, deadline, steps, forms) in LEADS.items():
        markup = every_page[state, who]
        top = summary(markup)
        got_steps, waiting = next_step(markup)
        if f"Status: {status}" not in top:
            wrong.append(f"{state}/{who}: status: {top[:120]}")
        if f"Next deadline: {deadline}" not in top:
            wrong.append(f"{state}/{who}: wanted next deadline {deadline!r}: {top[:200]}")
        if got_steps != steps:
            wrong.append(f"{state}/{who}: next step {got_steps}, wanted {steps}")
        if not steps and "Nothing for you to do now." not in top:
            wrong.append(f"{state}/{who}: no next step, and the page does not say so")
        if who in ("complainant", "respondent") and state not in (
                "withdrawn", "dismissed", "closed", "abandoned"):
            forms = forms | {"ask_adjustment"}  # a party may always ask (issue 18)
        if action_buttons(markup) != forms:
            wrong.append(f"{state}/{who}: forms for {sorted(action_buttons(markup))}, "
                         f"wanted {sorted(forms)}")
        if waiting != WAITING.get((state, who), {}):
            wrong.append(f"{state}/{who}: waiting {waiting}")
    for (state, who), expected in WAITING.items():
        markup = every_page[state, who]
        _, waiting = next_step(markup)
        if waiting != expected:
            wrong.append(f"{state}/{who}: not available yet {waiting}, wanted {expected}")
        offered = {WAITING_NAMES[label] for label in expected} & action_buttons(markup)
        if offered:
            wrong.append(f"{state}/{who}: offers a form for {offered}, which waits")
    assert not wrong, "\n".join(wrong)


def test_the_page_says_who_waits_when_the_reader_has_nothing_to_do(every_page):
    assert "Nothing for you to do now. The case waits for the respondent." in \
        summary(every_page["awaiting_response", "member"])
    assert "Nothing for you to do now. The case waits for the complainant." in \
        summary(every_page["info_requested", "chair"])


def test_an_action_short_of_the_quorum_is_listed_with_its_reason_not_offered(app, cast):
    number = build(app, cast, "committee_review")
    chair = signed_in(app, cast["chair"])
    assert "Your vote is recorded" in text_of(vote(chair, number, "dismiss"))

    markup = text_of(chair.get(f"/cases/{number}"))
    steps, waiting = next_step(markup)
    reason = "The quorum is 3 eligible members and 1 have voted; wait for more votes."
    assert waiting == {"Dismiss, as the committee voted": reason,
                       "Dismiss with a cautionary letter, as the committee voted": reason,
                       "Offer a consent agreement, as the committee voted": reason,
                       "Refer to a hearing and schedule it": reason}
    assert steps == MEASURES
    # the chair's own vote is a next step too, offered for change once cast
    assert vote_steps(markup) == ["Change your vote: The committee's decision on the investigation"]
    assert action_buttons(markup) == {"interim_suspension", "stay"}, \
        "an action short of the quorum must not be offered as a button"
    # posting it anyway is refused with the same words, and nothing changes
    r = act(chair, number, "review_dismiss", version(app, number), text="No case to answer.")
    assert r.status_code == 400
    assert reason in alert(text_of(r))
    assert status(app, number) == "committee_review"


def test_the_appeal_deadline_is_not_for_a_complainant_who_may_not_appeal(every_page):
    """The decision `case_in_state` builds finds a violation: only the respondent may
    appeal it, so the complainant is not told the appeal deadline is theirs."""
    complainant = summary(every_page["decided", "complainant"])
    assert "Appeal the decision" not in complainant
    assert "Appeal period ends (for you)" not in complainant, complainant


# --- 2. the in-page index, and what parties never see ------------------------------------------

INTERNAL_SECTIONS = ("investigation", "votes", "disclosure-log", "notes")


def test_the_index_links_only_to_sections_on_the_page(every_page):
    broken = []
    for (state, who), markup in every_page.items():
        nav = re.search(r'<nav class="on-this-page"[^>]*>(.*?)</nav>', markup, re.S)
        assert nav, f"{state}/{who}: no in-page index"
        anchors = re.findall(r'href="#([^"]+)"', nav.group(1))
        assert {"overview", "next-step", "timeline"} <= set(anchors), (state, who, anchors)
        ids = set(Page(markup).ids) | set(re.findall(r'\bid="([^"]+)"', markup))
        missing = [a for a in anchors if a not in ids]
        if missing:
            broken.append(f"{state}/{who}: the index links to {missing}, not on the page")
    assert not broken, "\n".join(broken)


DISCLOSED_REPORT_STATES = {"hearing_scheduled", "deliberation", "decided", "under_appeal",
                           "final", "closed"}


def test_parties_never_see_internal_notes_votes_disclosure_log_or_investigation(
        app, cast, every_page):
    for (state, who), markup in every_page.items():
        if who not in ("complainant", "respondent"):
            continue
        ids = set(re.findall(r'\bid="([^"]+)"', markup))
        assert not ids & set(INTERNAL_SECTIONS), (state, who, ids & set(INTERNAL_SECTIONS))
        read = words(markup)
        hidden = ["Add an internal note", "Votes so far", "Disclosure log",
                  "Open the investigation file"]
        # the findings report is disclosed to the respondent once a hearing is set (issue 14:
        # disclosure before the hearing); before that, and to the complainant, never
        if not (who == "respondent" and state in DISCLOSED_REPORT_STATES):
            hidden.append("Findings report")
        for heading in hidden:
            assert heading not in read, (state, who, heading)

    # and what staff wrote or voted stays with staff
    number = build(app, cast, "committee_review")
    chair = signed_in(app, cast["chair"])
    chair.post(f"/cases/{number}/notes", data={"text": "NOTE-SECRET the file looks thin"})
    vote(chair, number, "hearing", reasons="VOTE-SECRET my doubts about the invoice")
    staff_page = text_of(chair.get(f"/cases/{number}"))
    assert "NOTE-SECRET" in staff_page and "Votes so far" in staff_page
    for who in ("complainant", "respondent"):
        markup = text_of(signed_in(app, cast[who]).get(f"/cases/{number}"))
        assert "NOTE-SECRET" not in markup and "VOTE-SECRET" not in markup, who
        assert "Internal note" not in markup and "voted" not in markup.lower(), who


# --- 3. a refused action: the error on top, focused, and nothing typed is lost --------------

def counts(app) -> dict:
    """Rows a refused action must not add: timeline events, mail, audit entries."""
    with app.app_context():
        return {model.__name__: db.session.execute(
            select(func.count()).select_from(model)).scalar_one()
            for model in (CaseEvent, OutboxMessage, AuditEntry)}


def textarea(markup: str, field_id: str) -> str:
    found = re.search(rf'<textarea[^>]*\bid="{field_id}"[^>]*>(.*?)</textarea>', markup, re.S)
    assert found, f"no textarea {field_id}"
    return html_lib.unescape(found.group(1)).strip()


def hidden(markup: str, name: str) -> str:
    found = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', markup)
    assert found, f"no field {name}"
    return re.search(r'value="([^"]*)"', found.group(0)).group(1)


def assert_error_on_top(markup: str, message: str) -> None:
    """The refusal is the first thing after the heading: an alert that takes the focus."""
    top = re.search(r'<div class="error-summary"[^>]*>', markup)
    assert top, "no error summary on the refused page"
    assert 'role="alert"' in top.group(0) and "data-focus" in top.group(0), top.group(0)
    assert top.start() < markup.index('id="overview"'), "the error must come before the summary"
    assert message in alert(markup), alert(markup)


def test_a_refused_action_opens_on_its_error_and_keeps_what_was_typed(app, cast):
    number = build(app, cast, "submitted")
    chair = signed_in(app, cast["chair"])
    before = counts(app)

    r = act(chair, number, "request_info", version(app, number), text="   ")
    assert r.status_code == 400
    assert_error_on_top(text_of(r), "Say what information is needed.")

    waiver = "WAIVER-TYPED: the conduct went on until this spring."
    r = act(chair, number, "accept", version(app, number), respondent_email="", waiver=waiver)
    markup = text_of(r)
    assert r.status_code == 400
    assert_error_on_top(markup, "Give an email address at which to serve the respondent.")
    assert 'href="#act-accept"' in markup, "the error links to its form"
    assert textarea(markup, "accept-waiver") == waiver, "what was typed is kept in the form"
    assert status(app, number) == "submitted"
    assert counts(app) == before


def test_a_stale_form_answers_409_and_gives_back_the_text_to_copy(app, cast):
    number = build(app, cast, "submitted")
    chair, admin = signed_in(app, cast["chair"]), signed_in(app, cast["admin"])
    seen = version(app, number)  # the chair's page is open at this version ...
    assert act(admin, number, "request_info", seen, text="Which client file?").status_code == 200

    typed = "CHAIR-TYPED: please send the invoice of March."
    r = act(chair, number, "request_info", seen, text=typed)  # ... and the chair sends it
    markup = text_of(r)
    assert r.status_code == 409
    assert_error_on_top(markup, "This case changed while you were looking at it")
    assert "here it is to copy" in alert(markup)
    assert typed in alert(markup)
    with app.app_context():
        asked = db.session.execute(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.action == "request_info")).scalar_one()
    assert asked == 1, "the stale form did nothing"


def test_after_a_stale_refusal_the_kept_form_can_be_sent_again(app, cast):
    """The respondent asked for more time in one tab, then sends the answer typed in
    another: refused as stale, with the answer kept in its form. Sending that form again
    (the page now up to date) goes through."""
    number = build(app, cast, "awaiting_response")
    rory = signed_in(app, cast["respondent"])
    seen = version(app, number)
    assert act(rory, number, "request_extension", seen,
               text="My counsel is away.").status_code == 200

    answer = "MY-ANSWER: the invoice was corrected the next day."
    r = act(rory, number, "respond", seen, text=answer)
    markup = text_of(r)
    assert r.status_code == 409
    assert "Go to the form: what you typed is kept there" in alert(markup)
    assert textarea(markup, "respond-text") == answer

    again = rory.post(f"/cases/{number}/act/respond", data={
        "respond-seen_version": hidden(markup, "respond-seen_version"), "respond-text": answer},
        follow_redirects=True)
    assert again.status_code == 200, alert(text_of(again))
    assert status(app, number) == "investigation"


def test_irreversible_actions_sit_apart_after_the_others(every_page):
    for state, who, irreversible, others in (
            ("submitted", "chair", {"dismiss"}, {"accept", "request_info"}),
            ("info_requested", "complainant", {"withdraw"}, {"provide_info"})):
        markup = every_page[state, who]
        start = markup.index('<section class="apart"')
        assert markup.index('<h2 id="actions">Actions that cannot be undone</h2>') > start
        for name in irreversible:
            at = markup.index(f'id="act-{name}"')
            assert at > start, f"{state}/{who}: {name} is not under 'Actions that cannot be undone'"
            form = re.search(rf'<form[^>]*/act/{name}"(.*?)</form>', markup, re.S).group(1)
            assert "I understand that this cannot be undone" in form, (state, who, name)
            assert 'class="button danger"' in form
        for name in others:
            assert markup.index(f'id="act-{name}"') < start, \
                f"{state}/{who}: {name} can be undone but sits with those that cannot"


@pytest.mark.parametrize("state, who, action, fields", [
    ("submitted", "chair", "dismiss", {"reason": "duplicate", "text": "Same as another."}),
    ("submitted", "complainant", "withdraw", {"text": "I settled with the respondent."}),
])
def test_an_irreversible_action_without_the_confirmation_does_nothing(
        app, cast, state, who, action, fields):
    number = build(app, cast, state)
    person = signed_in(app, cast[who])
    before = counts(app)
    r = act(person, number, action, version(app, number), confirm=False, **fields)
    markup = text_of(r)
    assert r.status_code == 400
    assert_error_on_top(markup, "this cannot be undone, so tick “I understand that this "
                                "cannot be undone” to confirm it")
    assert textarea(markup, f"{action}-text") == fields["text"]
    assert status(app, number) == state
    assert counts(app) == before, "no event, no mail, no audit entry"


# --- 4. forms: labels that say what each field is for; radio groups as fieldsets -----------

GENERIC = {"your text", "text", "your text:", "comment", "message"}


def labels_of_textareas(markup: str) -> list[tuple[str, str]]:
    """(textarea id, its label as read) for every textarea on the page."""
    out = []
    for ident in re.findall(r'<textarea[^>]*\bid="([^"]+)"', markup):
        label = re.search(rf'<label[^>]*\bfor="{re.escape(ident)}"[^>]*>(.*?)</label>',
                          markup, re.S)
        out.append((ident, words(label.group(1)) if label else ""))
    return out


def test_every_text_field_has_its_own_label_saying_what_it_is_for(every_page):
    """Every action's, note's and objection's text field (the votes: the next test)."""
    wrong = []
    for (state, who), markup in every_page.items():
        labels = [(i, label) for i, label in labels_of_textareas(markup)
                  if not i.startswith("vote-")]
        seen: dict[str, str] = {}
        for ident, label in labels:
            if not label:
                wrong.append(f"{state}/{who}: {ident} has no label")
            elif label.lower() in GENERIC:
                wrong.append(f"{state}/{who}: {ident} is labelled only {label!r}")
            elif label in seen:
                wrong.append(f"{state}/{who}: {ident} and {seen[label]} are both {label!r}")
            seen.setdefault(label, ident)
    assert not wrong, "\n".join(wrong)
    assert len(labels_of_textareas(every_page["submitted", "chair"])) >= 3


def test_each_vote_names_its_question_in_its_reasons_label(every_page):
    """A panel member deliberating votes on each allegation and on the sanction: each
    form's reasons field says which question it gives reasons for."""
    markup = every_page["deliberation", "chair"]
    labels = [label for i, label in labels_of_textareas(markup) if i.startswith("vote-")]
    assert len(labels) == 2, labels  # the allegation (S7) and the sanction
    assert len(set(labels)) == len(labels), f"vote reasons labelled alike: {labels}"


def radios(markup: str, fieldset_id: str) -> tuple[str, list[tuple[str, str]]]:
    """A radio group's legend and its radios' (value, label beside it)."""
    found = re.search(rf'<fieldset[^>]*\bid="{fieldset_id}"[^>]*>(.*?)</fieldset>', markup, re.S)
    assert found, f"no fieldset {fieldset_id}"
    body = found.group(1)
    legend = words(re.search(r"<legend>(.*?)</legend>", body, re.S).group(1))
    pairs = re.findall(r'<div class="choice">\s*<input[^>]*type="radio"[^>]*\bvalue="([^"]*)"'
                       r'[^>]*>\s*<label for="[^"]+">(.*?)</label>\s*</div>', body, re.S)
    return legend, [(v, words(label)) for v, label in pairs]


def test_radio_groups_are_fieldsets_with_a_legend_and_each_label_beside_its_radio(app, cast):
    number = build(app, cast, "submitted", declared=("chair",))
    chair = text_of(signed_in(app, cast["chair"]).get(f"/cases/{number}"))
    legend, pairs = radios(chair, "dismiss-reason")
    assert legend == "Reason for dismissal"
    assert [label for _, label in pairs] == [r.title for r in DismissalReason]

    # a member who has not declared meets the declaration first
    hana = text_of(signed_in(app, cast["hana"]).get(f"/cases/{number}"))
    legend, pairs = radios(hana, "kind")
    assert legend == "Your declaration"
    assert pairs == [("none", "I have no conflict of interest in this case"),
                     ("disclosure", "I have a relationship with a party to disclose")]


# --- 5. times in the committee's time zone, the zone named ---------------------------------

@pytest.fixture
def paris(app):
    """The same database, served by an app whose committee sits in Paris."""
    config = type("ParisConfig", (TestingConfig,), {
        "TIMEZONE": "Europe/Paris",
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    paris = create_app(config)
    yield paris
    with paris.app_context():
        db.session.remove()
        db.engine.dispose()


def submitted_row(markup: str) -> str:
    return words(re.search(r"<dt>Submitted</dt><dd>(.*?)</dd>", markup, re.S).group(1))


@pytest.mark.committed  # a second app reads what this test commits
def test_times_show_in_the_committees_time_zone_with_the_zone_named(app, cast, paris):
    winter = build(app, cast, "submitted")  # submitted 2026-11-02 09:00 UTC
    clock.freeze(datetime(2026, 7, 1, 10, 0, tzinfo=UTC))
    summer = build(app, cast, "submitted")

    here = signed_in(app, cast["chair"])
    assert submitted_row(text_of(here.get(f"/cases/{winter}"))) == "2026-11-02 09:00 UTC"

    there = signed_in(paris, cast["chair"])
    assert submitted_row(text_of(there.get(f"/cases/{winter}"))) == \
        "2026-11-02 10:00 CET (Europe/Paris)"
    assert submitted_row(text_of(there.get(f"/cases/{summer}"))) == \
        "2026-07-01 12:00 CEST (Europe/Paris)"


def to_hearing(app, cast, number: str, starts_at: str, on=None):
    """The review votes carry a hearing; the chair schedules it through the case page for
    `starts_at`, typed in the committee's time zone. Returns the chair's client."""
    on = on or app
    for who in ("chair", "hana", "hugo"):
        vote(signed_in(on, cast[who]), number, "hearing")
    chair = signed_in(on, cast["chair"])
    markup = text_of(chair.get(f"/cases/{number}"))
    assert "set_hearing" in action_buttons(markup), next_step(markup)
    with app.app_context():
        allegation = db.session.execute(select(Case).where(Case.number == number)) \
            .scalar_one().allegations[0].id
    r = chair.post(f"/cases/{number}/act/set_hearing", data={
        "set_hearing-seen_version": str(version(app, number)),
        "set_hearing-member_ids": [str(cast[w].id) for w in ("chair", "hana", "hugo")],
        "set_hearing-starts_at": starts_at, "set_hearing-place": "Room 4, 1 Main Street",
        "set_hearing-allegation_ids": [str(allegation)]}, follow_redirects=True)
    assert r.status_code == 200 and status(app, number) == "hearing_scheduled", \
        alert(text_of(r))
    return chair


@pytest.mark.committed  # a second app reads what this test commits
def test_a_hearing_time_is_typed_and_shown_in_the_committees_time_zone(app, cast, paris):
    number = build(app, cast, "committee_review")
    for who in ("chair", "hana", "hugo"):
        vote(signed_in(paris, cast[who]), number, "hearing")
    form = text_of(signed_in(paris, cast["chair"]).get(f"/cases/{number}"))
    assert re.search(r'<label for="set_hearing-starts_at">Date and time \(Europe/Paris\)</label>',
                     form)

    chair = to_hearing(app, cast, number, "2026-12-14T10:00", on=paris)
    markup = text_of(chair.get(f"/cases/{number}"))
    assert "Set for 2026-12-14 10:00 CET (Europe/Paris)" in words(markup)
    ics = chair.get(f"/cases/{number}/hearing.ics").get_data(as_text=True)
    assert "DTSTART:20261214T090000Z" in ics, "10:00 in Paris is 09:00 UTC in December"
    # the parties' notice says the time the way the page does, not in UTC
    notices = [(subject, body) for _, subject, _, body in outbox_rows(paris)
               if subject == f"{number}: notice of hearing on 2026-12-14 10:00 CET (Europe/Paris)"]
    assert notices and all("is set for 2026-12-14 10:00 CET (Europe/Paris)." in body
                           for _, body in notices), [r[1] for r in outbox_rows(paris)]


# --- 6. the complaint draft: the registry search keeps what was typed ------------------------

def draft_fields(app, **typed) -> dict:
    """The whole draft form as the page posts it, with what the complainant typed."""
    data = {"find": "", "respondent_number": "", "respondent_name": "", "respondent_email": "",
            "respondent_details": "", "relation": "client", "remedy": "",
            "allegations-0-code_item_id": str(item_id(app, "S7")),
            "allegations-0-conduct_from": "2025-03-03", "allegations-0-conduct_to": "",
            "allegations-0-facts": ""}
    data.update(typed)
    return data


def test_searching_the_registry_saves_the_draft_and_picking_keeps_the_text(app, cast, make):
    make.certificant(number="CCM-500002", name="Roryanne Other")
    clara = signed_in(app, cast["complainant"])
    draft = clara.post("/complaints/new").headers["Location"]
    case_id = int(re.search(r"/complaints/(\d+)/edit", draft).group(1))

    facts = "FACTS-TYPED: the invoice billed sessions that never took place."
    remedy = "REMEDY-TYPED: a refund and an apology."
    r = clara.post(draft, data=draft_fields(app, find="Rory", search="Search the registry",
                                            **{"allegations-0-facts": facts, "remedy": remedy}))
    assert r.status_code == 302 and "find=Rory" in r.headers["Location"]
    found = text_of(clara.get(r.headers["Location"]))
    matches = re.search(r'<ul class="matches"[^>]*>(.*?)</ul>', found, re.S)
    assert matches, "the matches are listed"
    assert "Rory Respondent — CCM-500001" in words(matches.group(1))
    assert "Roryanne Other — CCM-500002" in words(matches.group(1))
    assert textarea(found, "allegations-0-facts") == facts
    assert textarea(found, "remedy") == remedy

    reloaded = text_of(clara.get(draft))  # the search saved the draft
    assert textarea(reloaded, "allegations-0-facts") == facts
    assert textarea(reloaded, "remedy") == remedy

    later = facts + " LATER-TYPED: and twice more in April."
    r = clara.post(f"/complaints/{case_id}/respondent", data=draft_fields(
        app, find="Rory", certificant_id=str(cast["record"].id),
        **{"allegations-0-facts": later, "remedy": remedy}), follow_redirects=True)
    picked = text_of(r)
    assert r.status_code == 200
    assert "Respondent: Rory Respondent, certification number CCM-500001." in words(picked)
    assert textarea(picked, "allegations-0-facts") == later, "picking kept the text typed since"
    assert textarea(picked, "remedy") == remedy


def test_the_public_register_json_link_keeps_the_search(client):
    markup = text_of(client.get("/public-register?q=Rory Resp"))
    link = re.search(r'<a href="([^"]+)">The same as JSON</a>', markup)
    assert link, "the register offers its JSON"
    assert client.get(html_lib.unescape(link.group(1))).get_json()["query"] == "Rory Resp"


# --- 7. the small things ----------------------------------------------------------------------

def send_mail(runner) -> None:
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output


def test_links_in_emails_use_the_public_base_url(app, cast, runner, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://ethics.example.org")
    number = build(app, cast, "submitted")
    # the chair reaches the site under another name: the link must not follow it
    chair = signed_in(app, cast["chair"], base_url="http://attacker.example")
    r = chair.post(f"/cases/{number}/act/request_info", data={
        "request_info-seen_version": str(version(app, number)),
        "request_info-text": "Which client file?"}, base_url="http://attacker.example")
    assert r.status_code == 302 and f"/cases/{number}" in r.headers["Location"]
    send_mail(runner)
    [message] = smtp.to("clara@example.com")
    body = smtp.text_of(message)
    assert f"https://ethics.example.org/cases/{number}" in body
    assert "attacker.example" not in body and "localhost" not in body


def issue(client, number: str, kind: str):
    r = client.post(f"/cases/{number}/documents/{kind}/issue", data={"reason": ""},
                    follow_redirects=True)
    assert r.status_code == 200 and "issued and sent" in text_of(r), alert(text_of(r))
    return r


def test_the_outbox_message_lists_its_attachments(app, cast):
    number = build(app, cast, "submitted")
    admin = signed_in(app, cast["admin"])
    issue(admin, number, "receipt")
    with app.app_context():
        message_id = db.session.execute(select(OutboxMessage.id).where(
            OutboxMessage.subject == f"Receipt of complaint {number}-D1")).scalar_one()
    markup = text_of(admin.get(f"/admin/outbox/{message_id}"))
    attachments = re.search(r"<h2>Attachments</h2>(.*?)<h2>", markup, re.S).group(1)
    assert f"{number}-D1.pdf (application/pdf)" in words(attachments)


def test_declaration_lists_name_the_respondent_and_the_filing_date(app, cast):
    first = build(app, cast, "submitted", declared=())
    clock.freeze(datetime(2026, 11, 3, 14, 30, tzinfo=UTC))
    second = build(app, cast, "submitted", declared=())
    chair, hana = signed_in(app, cast["chair"]), signed_in(app, cast["hana"])

    intake = words(text_of(chair.get("/cases/intake")))
    assert "0 open to you, and 2 more once you declare on them" in intake
    assert "Awaiting your declaration (2)" in intake
    for markup in (intake, words(text_of(hana.get("/cases")))):
        assert (f"{first} — about Rory Respondent (CCM-500001), filed 2026-11-02 09:00 UTC: "
                "awaiting your declaration") in markup
        assert (f"{second} — about Rory Respondent (CCM-500001), filed 2026-11-03 14:30 UTC: "
                "awaiting your declaration") in markup


CALENDAR_LINK = "Add the hearing to your calendar (.ics)"


def test_the_hearing_calendar_is_offered_to_those_who_attend_and_mailed_to_the_panel(
        app, cast, runner, smtp):
    number = build(app, cast, "committee_review")
    to_hearing(app, cast, number, "2026-12-14T10:00")

    for who in ("complainant", "respondent", "chair", "hana", "hugo"):
        client = signed_in(app, cast[who])
        assert CALENDAR_LINK in text_of(client.get(f"/cases/{number}")), who
        r = client.get(f"/cases/{number}/hearing.ics")
        assert r.status_code == 200 and r.mimetype == "text/calendar", who
        assert f"SUMMARY:Hearing in case {number}" in r.get_data(as_text=True)
    # the investigator and the administrator do not sit at the hearing
    for who in ("member", "admin"):
        assert CALENDAR_LINK not in text_of(signed_in(app, cast[who]).get(f"/cases/{number}"))

    send_mail(runner)
    for email in ("hana@example.com", "hugo@example.com", "chair@example.com",
                  "clara@example.com", "rory@example.com"):
        invitations = [part for m in smtp.to(email) for part in m.iter_attachments()
                       if part.get_content_type() == "text/calendar"]
        assert invitations, f"{email} got no calendar invitation"
        ics = invitations[0].get_content()
        ics = ics.decode() if isinstance(ics, bytes) else ics
        assert f"Hearing in case {number}" in ics and "DTSTART:20261214T100000Z" in ics


def test_a_postponed_hearings_notice_shows_superseded_on_the_case_and_at_verify(
        app, cast, client):
    number = build(app, cast, "committee_review")
    chair = to_hearing(app, cast, number, "2026-12-14T10:00")
    issue(signed_in(app, cast["admin"]), number, "notice_of_hearing")
    rory = signed_in(app, cast["respondent"])
    assert act(rory, number, "request_postponement", version(app, number),
               text="My counsel is in court that day.").status_code == 200
    r = chair.post(f"/cases/{number}/act/decide_postponement", data={
        "decide_postponement-seen_version": str(version(app, number)),
        "decide_postponement-decision": "grant",
        "decide_postponement-starts_at": "2026-12-21T10:00",
        "decide_postponement-text": "Granted once."}, follow_redirects=True)
    assert r.status_code == 200, alert(text_of(r))

    note = ("Superseded: The hearing set for 2026-12-14 10:00 UTC was postponed; a new notice "
            "of hearing replaces this one.")
    for reader in (chair, rory):
        rows = Page(text_of(reader.get(f"/cases/{number}"))).rows
        row = next(row for row in rows if row and row[0] == f"{number}-D1")
        assert row[-1] == note, row
    verify = words(text_of(client.get(f"/verify/{number}-D1")))
    assert note in verify and "In force" not in verify


def test_the_demo_leaves_no_mail_pending_with_the_console_transport(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_TRANSPORT", "console")
    result = runner.invoke(args=["seed-demo", "--quiet"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        by_status = dict(db.session.execute(select(OutboxMessage.status, func.count())
                                            .group_by(OutboxMessage.status)).all())
    assert sum(by_status.values()) > 0, "the demo sends mail"
    assert by_status.get("pending", 0) == 0, f"mail left pending: {by_status}"
    assert by_status.get("failed", 0) == 0, by_status
