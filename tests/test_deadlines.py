"""Deadlines: set in calendar days off the weekend, swept once a day by `flask deadlines sweep`.

The clock is frozen and moved day by day; reminders and notices go out through
`flask outbox send` to a real SMTP server on loopback.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from case_helpers import clear
from sqlalchemy import func, select

from app import clock
from app.accounts.models import User
from app.audit.models import AuditEntry
from app.cases import services
from app.cases.models import Allegation, Case, CaseEvent, Deadline
from app.catalogue.models import CodeItem
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.proceedings import workflow
from app.registry.models import Certificant

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # 30 days on: Wednesday 2 December


@pytest.fixture
def people(cast):
    return cast("complainant", "respondent", "chair", "record")


def _user(people, who: str) -> User:
    return db.session.get(User, people[who].id)


def _case(number: str) -> Case:
    return db.session.execute(select(Case).where(Case.number == number)).scalar_one()


def file_complaint(app, people) -> str:
    """A complaint submitted today by the complainant; returns its number."""
    with app.test_request_context():
        user = _user(people, "complainant")
        s7 = db.session.execute(select(CodeItem).where(CodeItem.code == "S7")).scalar_one()
        case = services.start_draft(user)
        services.save_draft(case, user, respondent=db.session.get(Certificant, people["record"].id),
                            relation="client", attest_not_confidential=True, attest_good_faith=True,
                            allegations=[{"code_item_id": s7.id, "conduct_from": date(2025, 3, 3),
                                          "facts": "Sold the client's file to a rival."}])
        workflow.apply(case, "submit", user)
        db.session.commit()
        number = case.number
    clear(app, people["chair"].id, number)  # S7: the chair declares "no conflict"
    return number


def take(app, people, number: str, action: str, who: str | None, **data) -> None:
    with app.test_request_context():
        case = _case(number)
        workflow.apply(case, action, _user(people, who) if who else None,
                       seen_version=case.row_version, **data)
        db.session.commit()


def accepted_complaint(app, people) -> str:
    number = file_complaint(app, people)
    take(app, people, number, "accept", "chair", respondent_email="rory@example.com")
    return number


def open_deadline(app, number: str, kind: str) -> Deadline | None:
    with app.app_context():
        deadline = db.session.execute(select(Deadline).where(
            Deadline.case_id == _case(number).id, Deadline.kind == kind)
            .order_by(Deadline.id.desc())).scalars().first()
        db.session.expunge_all()
        return deadline


def status_of(app, number: str) -> str:
    with app.app_context():
        return _case(number).status


def counts(app) -> dict:
    with app.app_context():
        def n(model):
            return db.session.execute(select(func.count()).select_from(model)).scalar_one()
        return {"events": n(CaseEvent), "audit": n(AuditEntry), "outbox": n(OutboxMessage),
                "deadlines": sorted(db.session.execute(
                    select(Deadline.id, Deadline.status, Deadline.due_on,
                           Deadline.reminders_sent)).all())}


def sweep(runner) -> str:
    result = runner.invoke(args=["deadlines", "sweep"])
    assert result.exit_code == 0, result.output
    return result.output


def deliver(runner, smtp, before: int) -> list:
    """Send what the outbox holds; return the messages the server got since `before`."""
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    return smtp.messages[before:]


def day(d: date) -> None:
    clock.freeze(datetime(d.year, d.month, d.day, 9, 0, tzinfo=UTC))


# --- due dates -----------------------------------------------------------------------------------

@pytest.mark.parametrize("accepted_on,due_on", [
    (date(2026, 11, 2), date(2026, 12, 2)),   # Monday + 30 = Wednesday
    (date(2026, 11, 5), date(2026, 12, 7)),   # + 30 = Saturday 5 December → Monday
    (date(2026, 11, 6), date(2026, 12, 7)),   # + 30 = Sunday 6 December → Monday
], ids=["weekday", "saturday-rolls-to-monday", "sunday-rolls-to-monday"])
def test_response_due_thirty_calendar_days_after_service_off_the_weekend(
        app, people, runner, smtp, accepted_on, due_on):
    day(accepted_on)
    number = accepted_complaint(app, people)
    deadline = open_deadline(app, number, "response")
    assert (deadline.due_on, deadline.original_due_on, deadline.status) == (due_on, due_on, "open")
    [notice] = [m for m in deliver(runner, smtp, 0) if "Notice of complaint" in m["Subject"]]
    assert f"by {due_on.isoformat()}" in smtp.text_of(notice)


def test_deadline_lengths_are_settings_in_calendar_days(app, people, runner, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "RESPONSE_DAYS", 10)
    monkeypatch.setitem(app.config, "INFO_DAYS", 12)
    day(date(2026, 11, 2))
    number = accepted_complaint(app, people)
    # ten calendar days (not working days) from Monday 2 November: Thursday 12 November
    assert open_deadline(app, number, "response").due_on == date(2026, 11, 12)
    other = file_complaint(app, people)
    take(app, people, other, "request_info", "chair", text="Which client file?")
    # twelve days: Saturday 14 November, so Monday 16 November
    assert open_deadline(app, other, "information").due_on == date(2026, 11, 16)
    mails = deliver(runner, smtp, 0)
    [ask] = [m for m in mails if m["Subject"].startswith("More information needed")]
    assert "by 2026-11-16" in smtp.text_of(ask)
    [notice] = [m for m in mails if "Notice of complaint" in m["Subject"]]
    assert "by 2026-11-12" in smtp.text_of(notice)


# --- reminders ----------------------------------------------------------------------------------

def _daily(runner, smtp, first: date, last: date, twice=True) -> dict[date, list]:
    """Sweep every day from first to last (twice a day if asked) and deliver; mail per day."""
    received = {}
    d = first
    while d <= last:
        day(d)
        before = len(smtp.messages)
        sweep(runner)
        if twice:
            sweep(runner)
        received[d] = deliver(runner, smtp, before)
        d += timedelta(days=1)
    return received


def _reminders(received: dict, address: str) -> list[tuple[date, str]]:
    return [(d, m["Subject"]) for d, mails in received.items() for m in mails
            if address in m["To"] and m["Subject"].startswith("Reminder")]


def test_respondent_reminded_seven_days_and_one_day_before_once_each(app, people, runner, smtp):
    day(date(2026, 11, 2))
    number = accepted_complaint(app, people)
    deliver(runner, smtp, 0)
    received = _daily(runner, smtp, date(2026, 11, 3), date(2026, 12, 2))
    assert _reminders(received, "rory@example.com") == [
        (date(2026, 11, 25), f"Reminder: your answer on {number} is due in 7 days"),
        (date(2026, 12, 1), f"Reminder: your answer on {number} is due tomorrow"),
    ]
    assert not _reminders(received, "clara@example.com")
    [(_, tomorrow)] = [(d, m) for d, mails in received.items() for m in mails
                       if d == date(2026, 12, 1)]
    assert "due on 2026-12-02" in smtp.text_of(tomorrow)
    assert status_of(app, number) == "awaiting_response"  # due today is not missed
    assert open_deadline(app, number, "response").status == "open"


def test_complainant_reminded_of_information_due(app, people, runner, smtp):
    day(date(2026, 11, 2))
    number = file_complaint(app, people)
    take(app, people, number, "request_info", "chair", text="Which client file?")
    deliver(runner, smtp, 0)
    received = _daily(runner, smtp, date(2026, 11, 3), date(2026, 12, 2))
    assert _reminders(received, "clara@example.com") == [
        (date(2026, 11, 25), f"Reminder: information for {number} is due in 7 days"),
        (date(2026, 12, 1), f"Reminder: information for {number} is due tomorrow"),
    ]
    assert not _reminders(received, "rory@example.com")


def test_a_sweep_that_missed_days_sends_only_the_nearest_reminder(app, people, runner, smtp):
    day(date(2026, 11, 2))
    number = accepted_complaint(app, people)
    deliver(runner, smtp, 0)
    day(date(2026, 11, 30))  # the cron job was down for a month: two days left
    sweep(runner)
    mails = deliver(runner, smtp, len(smtp.messages))
    assert [m["Subject"] for m in mails] == [f"Reminder: your answer on {number} is due in 2 days"]
    received = _daily(runner, smtp, date(2026, 12, 1), date(2026, 12, 2))
    assert _reminders(received, "rory@example.com") == [
        (date(2026, 12, 1), f"Reminder: your answer on {number} is due tomorrow")]


# --- missed deadlines --------------------------------------------------------------------------------

def test_missed_information_deadline_closes_the_complaint_as_abandoned(app, people, runner, smtp):
    day(date(2026, 11, 2))
    number = file_complaint(app, people)
    take(app, people, number, "request_info", "chair", text="Which client file?")
    day(date(2026, 12, 2))
    sweep(runner)
    assert status_of(app, number) == "info_requested"  # the last day is still in time
    before = len(deliver(runner, smtp, 0))
    day(date(2026, 12, 3))
    out = sweep(runner)
    assert f"missed: {number} information due 2026-12-02" in out
    assert status_of(app, number) == "abandoned"
    assert open_deadline(app, number, "information").status == "missed"
    mails = deliver(runner, smtp, before)
    [closed] = [m for m in mails if "clara@example.com" in m["To"]]
    assert closed["Subject"] == f"Complaint {number} closed"
    assert "closed as abandoned" in smtp.text_of(closed)
    assert not [m for m in mails if "rory@example.com" in m["To"]], "never served: never told"
    with app.app_context():
        case = _case(number)
        assert case.closed_at == clock.now()
        assert case.outcome_reason == "abandoned"
        last = case.events[-1]
        assert (last.action, last.actor_id, last.to_status) == ("abandon", None, "abandoned")
        audit = [(a.action, a.actor_label) for a in db.session.execute(
            select(AuditEntry).where(AuditEntry.target_id == str(case.id))
            .order_by(AuditEntry.id)).scalars()]
        assert audit[-2:] == [("case.abandon", "system"), ("deadline.missed", "system")]


def test_missed_response_is_recorded_as_a_default_and_the_case_moves_on(app, people, auth, client,
                                                                        runner, smtp):
    day(date(2026, 11, 2))
    number = accepted_complaint(app, people)
    before = len(deliver(runner, smtp, 0))
    day(date(2026, 12, 3))
    out = sweep(runner)
    assert f"missed: {number} response due 2026-12-02" in out
    assert status_of(app, number) == "investigation"
    assert open_deadline(app, number, "response").status == "missed"
    mails = deliver(runner, smtp, before)
    [to_chair] = [m for m in mails if "chair@example.com" in m["To"]]
    assert to_chair["Subject"] == f"{number}: no answer by the deadline"
    assert "possible allegation" in smtp.text_of(to_chair)
    [to_respondent] = [m for m in mails if "rory@example.com" in m["To"]]
    assert "did not arrive by the deadline" in smtp.text_of(to_respondent)
    with app.app_context():
        case = _case(number)
        [s9] = [a for a in case.allegations if a.item.code == "S9"]
        assert (s9.proposed, s9.source, s9.conduct_from) == (True, "committee", date(2026, 12, 3))
        assert [a.item.code for a in case.allegations if not a.proposed] == ["S7"]
        assert case.events[-1].action == "record_default"
    # the chair sees the possible allegation; the respondent sees what happened, not the proposal
    auth.login(people["chair"])
    page = client.get(f"/cases/{number}").data.decode()
    assert "S9 Compliance with proceedings" in page and "possible allegation" in page
    auth.logout()
    auth.login(people["respondent"])
    page = client.get(f"/cases/{number}").data.decode()
    assert "No answer by the deadline: default recorded" in page
    assert "S9 Compliance" not in page
    assert "Under investigation" in page


def test_a_second_sweep_changes_nothing(app, people, runner, smtp):
    day(date(2026, 11, 2))
    defaulted = accepted_complaint(app, people)
    abandoned = file_complaint(app, people)
    take(app, people, abandoned, "request_info", "chair", text="Which client file?")
    day(date(2026, 11, 4))
    reminded = accepted_complaint(app, people)  # due 4 December
    deliver(runner, smtp, 0)
    for d in (date(2026, 11, 27), date(2026, 12, 3)):  # a reminder day, then a missed day
        day(d)
        first = sweep(runner)
        assert "0 reminders, 0 missed" not in first
        mails_before, after_first = len(smtp.messages), counts(app)
        deliver(runner, smtp, 0)
        after_delivery = counts(app)
        second = sweep(runner)
        assert second.strip() == "0 reminders, 0 missed deadlines."
        assert counts(app) == after_delivery
        assert after_delivery["events"] == after_first["events"]
        assert after_delivery["audit"] == after_first["audit"]
        assert deliver(runner, smtp, len(smtp.messages)) == []
        assert len(smtp.messages) > mails_before
    assert status_of(app, defaulted) == "investigation"
    assert status_of(app, abandoned) == "abandoned"
    assert status_of(app, reminded) == "awaiting_response"
    with app.app_context():
        defaults = db.session.execute(select(func.count()).select_from(Allegation)
                                      .where(Allegation.proposed.is_(True))).scalar_one()
        assert defaults == 1  # one S9, however often the sweep runs


def test_a_met_deadline_is_never_swept(app, people, runner, smtp):
    day(date(2026, 11, 2))
    number = accepted_complaint(app, people)
    day(date(2026, 11, 20))
    take(app, people, number, "respond", "respondent", text="I deny it; here is why.")
    assert open_deadline(app, number, "response").status == "met"
    before = len(deliver(runner, smtp, 0))
    snapshot = counts(app)
    received = _daily(runner, smtp, date(2026, 11, 21), date(2026, 12, 10), twice=False)
    assert not [m for mails in received.values() for m in mails]
    assert len(smtp.messages) == before
    assert counts(app) == snapshot
    assert status_of(app, number) == "investigation"


def test_an_extension_moves_the_due_date_and_the_sweep_follows_it(app, people, runner, smtp):
    day(date(2026, 11, 2))
    number = accepted_complaint(app, people)
    deliver(runner, smtp, 0)
    received = _daily(runner, smtp, date(2026, 11, 25), date(2026, 11, 25))
    assert _reminders(received, "rory@example.com") == [
        (date(2026, 11, 25), f"Reminder: your answer on {number} is due in 7 days")]
    day(date(2026, 11, 26))
    take(app, people, number, "request_extension", "respondent", text="I am abroad.")
    take(app, people, number, "decide_extension", "chair", grant=True,
         new_due_on=date(2027, 1, 16), text="Granted once.")  # a Saturday
    deadline = open_deadline(app, number, "response")
    assert (deadline.due_on, deadline.original_due_on) == (date(2027, 1, 18), date(2026, 12, 2))
    [granted] = [m for m in deliver(runner, smtp, len(smtp.messages))
                 if m["Subject"] == f"{number}: extension granted"]
    assert "2027-01-18" in smtp.text_of(granted)
    received = _daily(runner, smtp, date(2026, 11, 27), date(2027, 1, 18), twice=False)
    assert _reminders(received, "rory@example.com") == [
        (date(2027, 1, 11), f"Reminder: your answer on {number} is due in 7 days"),
        (date(2027, 1, 17), f"Reminder: your answer on {number} is due tomorrow"),
    ]
    assert status_of(app, number) == "awaiting_response"  # 2 December passed without a default
    day(date(2027, 1, 19))
    assert f"missed: {number} response due 2027-01-18" in sweep(runner)
    assert status_of(app, number) == "investigation"


def test_a_withdrawn_complaint_sends_no_reminders_and_records_no_default(app, people, runner, smtp):
    day(date(2026, 11, 2))
    number = accepted_complaint(app, people)
    day(date(2026, 11, 10))
    take(app, people, number, "request_withdrawal", "complainant", text="We settled.")
    take(app, people, number, "decide_withdrawal", "chair", close=True, text="Accepted.")
    before = len(deliver(runner, smtp, 0))
    snapshot = counts(app)
    received = _daily(runner, smtp, date(2026, 11, 11), date(2026, 12, 10), twice=False)
    assert not [m for mails in received.values() for m in mails], \
        [m["Subject"] for mails in received.values() for m in mails]
    assert len(smtp.messages) == before
    assert counts(app) == snapshot
    assert status_of(app, number) == "withdrawn"


def test_no_default_while_a_request_for_more_time_awaits_the_chair(app, people, runner, smtp):
    day(date(2026, 11, 2))
    number = accepted_complaint(app, people)  # answer due 2026-12-02
    day(date(2026, 12, 1))
    take(app, people, number, "request_extension", "respondent", text="I am in hospital.")
    day(date(2026, 12, 4))
    assert f"missed: {number}" not in sweep(runner)
    assert status_of(app, number) == "awaiting_response", "the chair has not decided yet"
    take(app, people, number, "decide_extension", "chair", grant=False, text="Refused.")
    assert f"missed: {number} response due 2026-12-02" in sweep(runner)
    assert status_of(app, number) == "investigation"
