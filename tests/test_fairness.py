"""Procedural fairness (issue 14), through the real pages, the sweep and real SMTP.

Each rule of the workflow that keeps a proceeding fair without relying on staff memory:
separation of functions at review, withdrawal after acceptance, panels that can be
completed, sanctions over time, hearings, votes, every clock's reminders, disclosure
before the hearing, representatives and accounts that change; each refusal with its
message.
"""
from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

from case_helpers import PDF, declare, file_complaint, number_in
from conftest import PASSWORD, Auth
from sqlalchemy import select
from test_proceedings import (  # noqa: F401  (w is the fixture)
    APPEAL_PANEL,
    HEARING_PANEL,
    REVIEWERS,
    body,
    hold,
    mail_to,
    open_case,
    panel_votes,
    text,
    to_hearing,
    to_review,
    w,
    words,
)

from app import clock
from app.accounts.services import create_user
from app.cases.models import CaseEvent, Deadline, Disclosure, Evidence
from app.coi.models import Recusal
from app.extensions import db
from app.proceedings.models import HearingPostponement, Vote

# --- separation of functions at review ------------------------------------------------------

def test_the_investigator_and_a_witness_never_vote_and_the_quorum_is_counted_without_them(w):  # noqa: F811
    open_case(w)
    w.do("chair", "assign_investigators", member_ids=w.ids("ivy"))
    # Hana is asked for documents as a witness: she becomes a witness in the case
    w.do("ivy", "request_documents", addressee_role="witness", addressee_name="Hana Hearing",
         addressee_email="hana@example.com", days="14", text="Your notes of the meeting.")
    w.do("ivy", "refer", text="Findings: the invoice was billed twice.")
    # the investigator and the witness are told why they take no part
    ivy_page = words(w.page("ivy"))
    assert "You investigated this case: you present the findings, and you do not vote" in ivy_page
    assert "Cast my vote" not in ivy_page
    hana_page = words(w.page("hana"))
    assert "You are a witness in this case" in hana_page and "Cast my vote" not in hana_page
    assert w.vote("ivy", "outcome", "dismiss").status_code == 403
    assert w.vote("hana", "outcome", "dismiss").status_code == 403
    with w.app.app_context():
        assert db.session.execute(select(Vote)).first() is None
    # eligible: chair, hugo, hilda, alma, arno, aria (rex recused; ivy and hana apart)
    assert "0 of 6 voted" in w.page("chair")
    w.votes(REVIEWERS, "outcome", "hearing")
    # neither sits on the panel
    w.refused("chair", "set_hearing", "The case's investigator may not sit on its panel.",
              member_ids=w.ids("ivy", "hugo", "hilda"), starts_at="2026-12-14T10:00",
              place="Room 4", allegation_ids=list(w.allegations().values()))
    w.refused("chair", "set_hearing", "Hana Hearing is a witness in the case and may not sit "
              "on its panel.", member_ids=w.ids("hana", "hugo", "hilda"),
              starts_at="2026-12-14T10:00", place="Room 4",
              allegation_ids=list(w.allegations().values()))


# --- withdrawal after acceptance -------------------------------------------------------------

def decided_with_suspension(walk, starts_on="2027-02-15", ends_on="2027-08-15") -> None:
    """From the investigation to a hearing decision: S7 violated, a suspension."""
    to_review(walk)
    to_hearing(walk)
    hold(walk)
    panel_votes(walk, {"S7": "violated", "S23": "not_violated"}, sanction="suspension")
    walk.do("chair", "decide", text="The panel finds a violation of S7.", terms="Suspended.",
         starts_on=starts_on, ends_on=ends_on)


def test_after_acceptance_a_withdrawal_is_a_request_the_committee_decides(w):  # noqa: F811
    open_case(w)
    w.mail()
    page = w.page("clara")
    assert "Ask to withdraw my complaint" in page and "Withdraw my complaint" not in page
    assert w.post("clara", "withdraw", text="We settled.").status_code == 400
    w.refused("clara", "request_withdrawal", "Say why you wish to withdraw", text=" ")
    w.do("clara", "request_withdrawal", text="We settled privately.")
    assert w.status() == "investigation"
    assert mail_to(w.mail(), "chair@example.com", "asks to withdraw")
    w.refused("clara", "request_withdrawal", "already waiting for the committee's decision",
              text="Again.")
    w.refused("chair", "decide_withdrawal", "Give the committee's reasons", decision="continue",
              text="")
    w.do("chair", "decide_withdrawal", decision="continue",
         text="The conduct concerns clients other than the complainant.")
    assert w.status() == "investigation"
    sent = w.mail()
    assert mail_to(sent, "rory@example.com", "The case goes on")
    assert mail_to(sent, "clara@example.com", "The case goes on")
    assert "clients other than the complainant" in w.page("clara")

    # on the respondent's own appeal, a withdrawal never closes the case
    decided_with_suspension(w)
    w.do("rory", "appeal", text="The panel misread the invoice.")
    w.do("clara", "request_withdrawal", text="I no longer wish to pursue this.")
    w.refused("chair", "decide_withdrawal", "The respondent's own appeal goes on",
              decision="close", text="Accepted.")
    w.do("chair", "decide_withdrawal", decision="continue", text="The appeal is the respondent's.")
    assert w.status() == "under_appeal"


def test_a_withdrawal_the_committee_accepts_closes_the_case(w):  # noqa: F811
    open_case(w)
    w.do("clara", "request_withdrawal", text="We settled privately.")
    w.do("chair", "decide_withdrawal", decision="close", text="Nothing in the public interest.")
    assert w.status() == "withdrawn"
    assert mail_to(w.mail(), "rory@example.com", "withdrawn")


# --- panels that can be completed ------------------------------------------------------------

def test_a_panel_member_who_withdraws_is_replaced_and_the_hearing_moves_if_it_must(w):  # noqa: F811
    open_case(w)
    to_review(w)
    to_hearing(w)  # on 2026-12-14, set on 2026-11-02
    w.mail()
    assert "Appoint a replacement to the hearing panel" not in w.page("chair")  # none needed
    # 18 days on, Hugo withdraws from the case
    clock.freeze(datetime(2026, 11, 20, 9, tzinfo=UTC))
    r = w.clients["hugo"].post(f"/cases/{w.number}/recusal",
                               data={"recuse-reason": "I have just learned I know the complainant."})
    assert r.status_code == 302
    assert "Appoint a replacement to the hearing panel" in w.page("chair")
    w.refused("chair", "replace_panel_member", "Choose 1 member to replace Hugo Hearing.",
              member_ids=[])
    w.refused("chair", "replace_panel_member", "The case's investigator may not sit on its panel.",
              member_ids=w.ids("ivy"))
    w.refused("chair", "replace_panel_member", "A member chosen already sits on the panel.",
              member_ids=w.ids("hana"))
    w.do("chair", "replace_panel_member", member_ids=w.ids("alma"))
    # the parties' window to object to Alma runs to 2026-11-30 and the notice period to
    # 2026-12-20 (a Sunday): the hearing of 2026-12-14 moves to Monday 2026-12-21
    sent = w.mail()
    for who in ("clara", "rory"):
        [told] = mail_to(sent, f"{who}@example.com", "A new member sits on the hearing panel")
        assert "Alma Appeal replaces Hugo Hearing" in body(told)
        assert "until 2026-11-30" in body(told)
        assert mail_to(sent, f"{who}@example.com", "notice of hearing on 2026-12-21 10:00")
    assert mail_to(sent, "alma@example.com", "You sit on a hearing panel")
    page = words(w.page("rory"))
    assert "Set for 2026-12-21" in page
    assert "Panel: Hana Hearing, Hilda Hearing, Alma Appeal" in page  # the party sees it too
    assert "Panel: Hana Hearing, Hilda Hearing, Alma Appeal" in words(w.page("chair"))
    assert "Appoint a replacement to the hearing panel" not in w.page("chair")


# --- sanctions over time ---------------------------------------------------------------------

def test_a_suspension_marks_the_registry_from_its_start_and_once_served_stays_served(w):  # noqa: F811
    open_case(w)
    decided_with_suspension(w, starts_on="2027-02-15", ends_on="2027-08-16")
    clock.freeze(datetime(2027, 1, 20, 9, tzinfo=UTC))
    w.sweep()  # the appeal period ended: final, but the suspension has not begun
    assert w.status() == "final"
    assert w.certificant_status() == "active"
    clock.freeze(datetime(2027, 2, 15, 9, tzinfo=UTC))
    assert "suspension begins 2027-02-15" in w.sweep()
    assert w.certificant_status() == "suspended"
    clock.freeze(datetime(2027, 8, 17, 9, tzinfo=UTC))
    w.sweep()
    assert w.certificant_status() == "active"
    assert w.status() == "closed"
    assert "served" in w.page("rory")
    w.refused("rory", "petition_reinstatement",
              "There is no suspension or revocation in force to be reinstated from.",
              text="Please reinstate me.")
    [decision] = [d for d in w.decisions() if d.sanctions]
    assert [s.status for s in decision.sanctions] == ["completed"]


def test_a_revocation_stays_and_reinstatement_is_a_petition_after_the_bar(w):  # noqa: F811
    open_case(w)
    to_review(w)
    to_hearing(w)
    hold(w)
    panel_votes(w, {"S7": "violated", "S23": "violated"}, sanction="revocation")
    w.do("chair", "decide", text="Revoked.", bar_years="1", terms="Certification revoked.")
    w.mail()
    # the appeal window is a clock: the respondent is reminded (7 days, then 1 day before)
    received = _days(w, date(2027, 1, 5), date(2027, 1, 20))
    assert [s for _, s in _subjects(received, "rory@example.com") if "Reminder" in s] == [
        f"{w.number}: Reminder: the appeal period ends in 7 days",
        f"{w.number}: Reminder: the appeal period ends tomorrow"]
    # final: revoked, and the case closes as final with the revocation standing
    assert w.certificant_status() == "revoked"
    assert w.status() == "closed"
    w.refused("rory", "petition_reinstatement", "The bar on reapplying runs until 2028-01-14",
              text="I have changed.")
    # the end of the bar is a clock too: the respondent is told when they may petition
    received = _days(w, date(2028, 1, 7), date(2028, 1, 7)) + \
        _days(w, date(2028, 1, 15), date(2028, 1, 15))
    assert _subjects(received, "rory@example.com") == [
        (date(2028, 1, 7), f"{w.number}: The bar on reapplying ends in 7 days"),
        (date(2028, 1, 15), f"{w.number}: You may now petition for reinstatement")]
    assert w.certificant_status() == "revoked"
    w.do("rory", "petition_reinstatement", text="A year of supervised practice abroad.")
    w.do("chair", "decide_reinstatement", decision="refuse", text="Not yet rehabilitated.")
    assert w.certificant_status() == "revoked"
    assert mail_to(w.mail(), "rory@example.com", "The petition for reinstatement is decided")
    w.do("rory", "petition_reinstatement", text="Two references attached.")
    w.do("chair", "decide_reinstatement", decision="grant", text="Rehabilitated.")
    assert w.certificant_status() == "active"


# --- votes ---------------------------------------------------------------------------------

def test_a_member_sees_the_tally_only_after_casting_their_own_vote(w):  # noqa: F811
    open_case(w)
    to_review(w)
    w.votes(["chair", "alma"], "outcome", "hearing")
    arno = words(w.page("arno"))
    assert "2 of 7 voted — how they voted is shown once you have cast your own vote" in arno
    assert "Refer to a hearing: 2" not in arno
    assert "Refer to a hearing: 2" in words(w.page("chair"))  # the chair has voted
    assert "Refer to a hearing: 2" in words(w.page("ada"))  # staff who do not vote
    w.votes(["arno"], "outcome", "dismiss")
    arno = words(w.page("arno"))
    assert "Refer to a hearing: 2" in arno and "3 of 7 voted" in arno


# --- hearings ------------------------------------------------------------------------------

def test_a_postponement_is_asked_before_the_hearing_and_holding_it_answers_the_request(w):  # noqa: F811
    open_case(w)
    to_review(w)
    to_hearing(w)  # 2026-12-14 10:00
    clock.freeze(datetime(2026, 12, 14, 11, tzinfo=UTC))
    assert "The hearing has begun: a postponement can no longer be asked." in w.page("rory")
    w.refused("rory", "request_postponement", "The hearing has begun", text="Counsel is ill.")
    # asked in time, and still pending when the hearing is held: holding it answers it
    clock.freeze(datetime(2026, 12, 14, 9, tzinfo=UTC))
    w.do("rory", "request_postponement", text="My counsel is ill.")
    hold(w)
    with w.app.app_context():
        [request] = db.session.execute(select(HearingPostponement)).scalars().all()
        assert (request.status, request.note) == ("refused", "Answered when the hearing was held.")


def test_a_hearing_and_decision_set_aside_on_remand_say_so_with_the_reason(w):  # noqa: F811
    open_case(w)
    to_review(w)
    to_hearing(w)
    hold(w)
    panel_votes(w, {"S7": "not_violated", "S23": "not_violated"})
    w.do("chair", "decide", text="No violation.")
    w.do("clara", "appeal", text="The panel did not hear my witness.")
    w.do("chair", "set_appeal_panel", member_ids=w.ids(*APPEAL_PANEL))
    w.votes(APPEAL_PANEL, "outcome", "remand")
    w.do("chair", "appeal_remand", text="The witness must be heard.")
    chair = words(w.page("chair"))
    assert "This hearing was set aside" in chair and "Held (set aside)" in chair
    assert "Set aside on appeal (sent back to the committee): The witness must be heard." in chair
    clara = words(w.page("clara"))
    assert "Decisions set aside" in clara
    assert "The hearing panel found no violation" in clara and "set aside on" in clara


# --- every clock reminds ------------------------------------------------------------------------

def _days(walk, first, last, hour=9) -> list:
    """Sweep every day from `first` to `last` (dates) and deliver: the mail received."""
    received = []
    day = first
    while day <= last:
        clock.freeze(datetime(day.year, day.month, day.day, hour, tzinfo=UTC))
        walk.sweep()
        received += [(day, m) for m in walk.mail()]
        day += timedelta(days=1)
    return received


def _subjects(received, address) -> list:
    return [(day, " ".join(m["Subject"].split())) for day, m in received if address in m["To"]]


def test_every_clock_reminds_whom_it_binds_once_each_and_the_sweep_covers_it_running_out(w):  # noqa: F811
    open_case(w)
    # a late member declares a disclosure: each party's window to object is a clock
    with w.app.app_context():
        create_user("olga@example.com", "Olga Late", PASSWORD, verified=True,
                    roles=("member",))
        db.session.commit()
    olga_client = w.app.test_client()
    Auth(olga_client).login("olga@example.com")
    assert declare(olga_client, w.number, "disclosure", "professional",
                   "I trained with the respondent in 2019.").status_code == 200
    w.do("chair", "assign_investigators", member_ids=w.ids("ivy"))
    w.do("ivy", "request_documents", addressee_role="respondent", days="14",
         text="Your appointment book.")
    w.do("ivy", "request_documents", addressee_role="witness", addressee_name="Wendy Witness",
         addressee_email="wendy@example.com", days="14", text="Your notes.")
    w.do("chair", "interim_suspension", text="Clients are at risk.", review_on="2026-11-20")
    w.mail()
    received = _days(w, date(2026, 11, 3), date(2026, 11, 24))
    n = w.number
    assert _subjects(received, "rory@example.com") == [
        (date(2026, 11, 5), f"{n}: Reminder: the time to object ends in 7 days"),
        (date(2026, 11, 9), f"{n}: Reminder: the documents asked for are due in 7 days"),
        (date(2026, 11, 11), f"{n}: Reminder: the time to object ends tomorrow"),
        (date(2026, 11, 15), f"{n}: Reminder: the documents asked for are due tomorrow"),
    ], _subjects(received, "rory@example.com")
    assert _subjects(received, "clara@example.com") == [
        (date(2026, 11, 5), f"{n}: Reminder: the time to object ends in 7 days"),
        (date(2026, 11, 11), f"{n}: Reminder: the time to object ends tomorrow")]
    assert _subjects(received, "wendy@example.com") == [
        (date(2026, 11, 9), f"{n}: reminder, the documents asked for are due in 7 days"),
        (date(2026, 11, 15), f"{n}: reminder, the documents asked for are due tomorrow")]
    assert (date(2026, 11, 17), f"{n}: A witness did not send the documents") in \
        _subjects(received, "ivy@example.com")
    chair = _subjects(received, "chair@example.com")
    assert (date(2026, 11, 13), f"{n}: Reminder: the interim suspension is to be reviewed "
            "in 7 days") in chair
    assert (date(2026, 11, 19), f"{n}: Reminder: the interim suspension is to be reviewed "
            "tomorrow") in chair
    assert (date(2026, 11, 21), f"{n}: The interim suspension's review is overdue") in chair
    assert len([s for s in chair if "review" in s[1]]) == 3, "each once"
    with w.app.app_context():
        kinds = {(d.kind, d.status) for d in db.session.execute(select(Deadline)).scalars()}
    assert {("objection_complainant", "met"), ("objection_respondent", "met"),
            ("documents", "missed"), ("witness_documents", "missed"),
            ("interim_review", "missed")} <= kinds


# --- disclosure before the hearing -------------------------------------------------------------

def _late_evidence(walk, name: str) -> None:
    r = walk.clients["ivy"].post(f"/cases/{walk.number}/investigation/evidence", data={
        "source": "Handed in by the practice manager.",
        "evidence": [(io.BytesIO(PDF + f"% {name}".encode()), name)]}, content_type="multipart/form-data",
        follow_redirects=True)
    assert "file(s) added to the evidence" in text(r)


def test_what_the_panel_sees_is_disclosed_in_time_or_waived_moved_or_excluded(w):  # noqa: F811
    open_case(w)
    to_review(w)
    assert "Findings report (disclosed to you" not in w.page("rory")
    to_hearing(w)  # 2026-12-14: the report and the complaint's evidence go to Rory now
    rory = words(w.page("rory"))
    assert "Findings report (disclosed to you for the hearing)" in rory
    with w.app.app_context():
        logged = {d.item_label for d in db.session.execute(select(Disclosure)).scalars()}
    assert {"Findings report", "invoice.pdf"} <= logged
    # nine days before the hearing the investigator adds a statement: disclosed at once, late
    clock.freeze(datetime(2026, 12, 5, 9, tzinfo=UTC))
    _late_evidence(w, "statement.pdf")
    assert "statement.pdf" in w.page("rory")
    clock.freeze(datetime(2026, 12, 14, 11, tzinfo=UTC))
    assert ("Not disclosed to the respondent at least 14 days before the hearing: "
            "statement.pdf") in w.page("chair")
    w.refused("chair", "hold_hearing", "Not disclosed to the respondent at least 14 days",
              attendance="Rory Respondent — respondent", minutes="Heard.")
    # Rory waives in writing: the hearing may be held
    w.refused("rory", "waive_disclosure", "Write your waiver", text=" ")
    w.do("rory", "waive_disclosure", text="I have read the statement and am ready.")
    assert "Not disclosed to the respondent" not in w.page("chair")
    # another late item, an hour later: the chair decides, with reasons
    clock.freeze(datetime(2026, 12, 14, 12, tzinfo=UTC))
    _late_evidence(w, "ledger.pdf")
    w.refused("chair", "decide_late_evidence", "Give the chair's reasons", decision="exclude",
              text="")
    w.refused("chair", "decide_late_evidence", "Give a later date for the hearing, on or after "
              "2026-12-28", decision="move", starts_at="2026-12-21T10:00", text="Time to read.")
    w.do("chair", "decide_late_evidence", decision="exclude",
         text="The ledger adds nothing the panel needs.")
    with w.app.app_context():
        excluded = db.session.execute(select(Evidence).where(
            Evidence.original_name == "ledger.pdf")).scalar_one()
        assert excluded.excluded_reason == "The ledger adds nothing the panel needs."
    assert "The late evidence is excluded" in body(mail_to(w.mail(), "rory@example.com",
                                                           "Evidence disclosed late")[0])
    hold(w, datetime(2026, 12, 14, 15, tzinfo=UTC))


# --- accounts that change ----------------------------------------------------------------------

def test_a_party_given_a_committee_role_is_recused_at_once(w):  # noqa: F811
    open_case(w)
    clara = w.users["clara"]
    r = w.clients["ada"].post(f"/admin/accounts/{clara.id}", data={
        "member": "y", "seen": ""}, follow_redirects=True)
    assert "Recused at once from 1 open case(s) to which they are a party." in text(r)
    with w.app.app_context():
        [recusal] = db.session.execute(select(Recusal).where(
            Recusal.member_id == clara.id)).scalars().all()
        assert recusal.reinstated_at is None
    assert w.clients["clara"].get(f"/cases/{w.number}").status_code == 200  # still a party


def test_continuing_a_withdrawn_case_sets_a_fresh_deadline(w):  # noqa: F811
    r, _ = file_complaint(w.app, w.clients["clara"], "CCM-400004", codes=("S7",))
    w.number = number_in(text(r))
    declare(w.clients["chair"], w.number)
    w.do("chair", "accept", respondent_email="rory@example.com")  # answer due 2026-12-02
    w.do("clara", "request_withdrawal", text="We settled.")
    w.do("chair", "decide_withdrawal", decision="close", text="Accepted.")
    clock.freeze(datetime(2026, 12, 21, 9, tzinfo=UTC))
    w.sweep()
    assert w.status() == "withdrawn"
    w.do("chair", "continue", text="Other clients are concerned.")
    assert w.status() == "awaiting_response"
    assert "2027-01-20" in words(w.page("rory"))  # 30 days from 2026-12-21
    w.sweep()
    assert w.status() == "awaiting_response", "no default for the time it was withdrawn"


# --- the investigator does not advise the panel in deliberation ------------------------------

def test_the_panels_deliberation_is_closed_to_the_investigator(w):  # noqa: F811
    open_case(w)
    to_review(w)
    to_hearing(w)
    # before the hearing the investigator writes to the committee like any staff
    r = w.clients["ivy"].post(f"/cases/{w.number}/notes",
                              data={"text": "IVY-BEFORE the exhibits are in the file."})
    assert r.status_code == 302
    hold(w)
    assert w.status() == "deliberation"
    r = w.clients["hugo"].post(f"/cases/{w.number}/notes",
                               data={"text": "PANEL-NOTE the invoice dates do not match."})
    assert r.status_code == 302
    panel_votes(w, {"S7": "violated", "S23": "not_violated"})
    # the panel and the chair read the deliberation; the investigator does not
    assert "PANEL-NOTE" in w.page("chair") and "3 of 3 voted" in w.page("chair")
    ivy = w.page("ivy")
    assert "PANEL-NOTE" not in ivy and "IVY-BEFORE" in ivy
    assert " voted" not in words(ivy)
    assert "you do not vote at review, sit on its panels or advise the panel" in words(ivy)
    assert "Add an internal note" not in ivy
    # and cannot write to it
    r = w.clients["ivy"].post(f"/cases/{w.number}/notes", data={"text": "IVY-ADVICE find S7."})
    assert r.status_code == 403
    with w.app.app_context():
        assert "IVY-ADVICE" not in str([e.body for e in db.session.execute(
            select(CaseEvent)).scalars()])
    # once decided, the deliberation's notes stay the panel's
    w.votes(HEARING_PANEL, "sanction", "public_reprimand")
    w.do("chair", "decide", text="The panel finds a violation of S7.", terms="Reprimanded.")
    assert "PANEL-NOTE" not in w.page("ivy")
    assert "PANEL-NOTE" in w.page("hugo")
