"""A member's calendar feed by secret, revocable link: their hearings and deadlines, never
a recused case (issue 15)."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from app import clock
from app.cases.models import Case
from app.coi.models import Recusal
from app.extensions import db
from app.office.models import CalendarFeed
from app.proceedings.models import Assignment
from tests.case_helpers import case_in_state, clear

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def served(app, cast):
    clock.freeze(NOW)
    people = cast("complainant", "respondent", "record", "chair", "member", "investigator")
    c, rec, resp = people["complainant"], people["record"], people["respondent"]
    with app.app_context():
        hearing = case_in_state("hearing_scheduled", c, rec, resp, chair=people["chair"],
                                panel=(people["member"],))
        recused = case_in_state("hearing_scheduled", c, rec, resp, chair=people["chair"],
                                panel=(people["member"],))
        decided = case_in_state("decided", c, rec, resp, chair=people["chair"],
                                panel=(people["member"],))
        other = case_in_state("awaiting_response", c, rec, resp)  # not theirs to serve on
        db.session.commit()
        numbers = {"hearing": hearing.number, "recused": recused.number,
                   "decided": decided.number, "other": other.number}
    for number in numbers.values():
        clear(app, people["member"].id, number)
    with app.app_context():
        case = db.session.query(Case).filter_by(number=numbers["recused"]).one()
        db.session.add(Recusal(case_id=case.id, member_id=people["member"].id, cause="self",
                               reason="Conflict discovered."))
        db.session.commit()
    people["numbers"] = numbers
    yield people
    clock.freeze(None)


def new_link(client) -> str:
    html = client.post("/office/calendar", data={"new": "1"}).get_data(as_text=True)
    return re.search(r'id="calendar-url" type="text" readonly value="([^"]+)"', html).group(1)


def test_the_feed_holds_the_members_hearings_and_deadlines(client, auth, served):
    n = served["numbers"]
    auth.login(served["member"])
    url = new_link(client)
    path = url.split("localhost", 1)[-1]
    auth.logout()  # a calendar app has no session: the link is the key
    r = client.get(path)
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    events = Calendar.from_ical(r.data).walk("VEVENT")
    summaries = sorted(str(e["SUMMARY"]) for e in events)
    assert summaries == sorted([f"Hearing in case {n['hearing']}",
                                f"Appeal period ends: case {n['decided']}"])
    assert n["recused"] not in r.get_data(as_text=True)
    assert n["other"] not in r.get_data(as_text=True)
    [hearing] = [e for e in events if str(e["SUMMARY"]).startswith("Hearing")]
    assert hearing.decoded("DTSTART").date() > NOW.date()


def test_a_new_link_or_revoking_ends_the_old_one(app, client, auth, served):
    auth.login(served["member"])
    first = new_link(client).split("localhost", 1)[-1]
    second = new_link(client).split("localhost", 1)[-1]
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    client.post("/office/calendar", data={"revoke": "1"})
    assert client.get(second).status_code == 404
    with app.app_context():
        # only the hash is kept: the token appears nowhere in the database's row
        token = second.rsplit("/", 1)[-1].removesuffix(".ics")
        assert all(token not in f.token_hash for f in db.session.query(CalendarFeed))


def test_a_removed_panel_seat_leaves_the_feed(app, client, auth, served):
    auth.login(served["member"])
    path = new_link(client).split("localhost", 1)[-1]
    with app.app_context():
        db.session.query(Assignment).filter_by(member_id=served["member"].id).delete()
        db.session.commit()
    assert not Calendar.from_ical(client.get(path).data).walk("VEVENT")
