"""The "due" dashboard on the home pages (issue 15)."""
from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest

from app import clock
from app.accounts.models import User
from app.accounts.services import set_active, set_roles
from app.cases.models import Case, Deadline
from app.coi.models import Recusal
from app.extensions import db
from app.main import views as main_views
from app.office import due, waits
from app.proceedings.models import Vote
from tests.case_helpers import case_in_state, clear
from tests.test_office_statistics import count_statements

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def rows(html: str, table: str) -> list[list[str]]:
    block = re.search(rf'<table id="{table}"[^>]*>(.*?)</table>', html, re.S).group(1)
    body = re.search(r"<tbody>(.*?)</tbody>", block, re.S).group(1)
    return [[" ".join(unescape(re.sub(r"<[^>]+>", " ", c)).split())
             for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
            for r in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


@pytest.fixture
def office(app, cast):
    clock.freeze(NOW)
    people = cast("complainant", "respondent", "record", "chair", "member", "investigator",
                  "admin")
    c, rec, resp = people["complainant"], people["record"], people["respondent"]
    with app.app_context():
        made = {
            "fresh": case_in_state("submitted", c, rec, resp),
            "info": case_in_state("info_requested", c, rec, resp),
            "review": case_in_state("committee_review", c, rec, resp,
                                    investigator=people["investigator"]),
            "recused": case_in_state("committee_review", c, rec, resp,
                                     investigator=people["investigator"]),
            "hearing": case_in_state("hearing_scheduled", c, rec, resp, chair=people["chair"],
                                     panel=(people["member"],)),
        }
        db.session.commit()
        numbers = {k: v.number for k, v in made.items()}
    for key in ("info", "review", "recused", "hearing"):
        for who in ("chair", "member", "investigator"):
            clear(app, people[who].id, numbers[key])
    with app.app_context():
        ids = {k: db.session.query(Case).filter_by(number=n).one().id for k, n in numbers.items()}
        db.session.add(Recusal(case_id=ids["recused"], member_id=people["member"].id,
                               cause="self", reason="A former colleague."))
        db.session.add(Vote(case_id=ids["review"], stage="review", round=1, question="outcome",
                            member_id=people["investigator"].id, choice="dismissed"))
        db.session.commit()
    people["numbers"] = numbers
    # the information deadline (30 days) has passed; the hearing (in 31 days, 10:00) has not
    clock.freeze(NOW + timedelta(days=31))
    yield people
    clock.freeze(None)


def test_a_member_sees_what_waits_on_them(client, auth, office):
    n = office["numbers"]
    auth.login(office["member"])
    mine = rows(client.get("/").get_data(as_text=True), "due-mine")
    what = {(r[1], r[2]) for r in mine}
    assert (n["fresh"], "Declare any conflict of interest") in what
    assert (n["review"], "Vote (committee review)") in what
    assert (n["recused"], "Vote (committee review)") not in what  # recused: the case is not theirs
    assert any(r[1] == n["hearing"] and r[2].startswith("Hearing") for r in mine)
    assert all(n["recused"] not in " ".join(r) for r in mine)
    assert "due-committee" not in client.get("/").get_data(as_text=True)


def test_the_chair_sees_the_committee_and_who_each_item_waits_on(client, auth, office):
    n = office["numbers"]
    auth.login(office["chair"])
    committee = rows(client.get("/").get_data(as_text=True), "due-committee")
    votes = {(r[1], r[3]) for r in committee if r[2] == "Vote (committee review)"}
    # the investigator has voted on "review"; the member is recused from "recused"
    assert votes == {(n["review"], "Charles Chair"), (n["review"], "Mina Member"),
                     (n["recused"], "Charles Chair"), (n["recused"], "Ivy Investigator")}
    [info] = [r for r in committee if r[1] == n["info"] and r[2] == "Information due"]
    assert "Overdue" in info[0] and info[3] == "the complainant"
    assert committee[0][1] == n["info"]  # the overdue deadline comes first


def test_administrators_see_documents_to_issue(client, auth, office):
    n = office["numbers"]
    auth.login(office["admin"])
    mine = rows(client.get("/").get_data(as_text=True), "due-mine")
    assert [n["fresh"], "Issue: Receipt of complaint"] in [r[1:3] for r in mine]
    assert [n["hearing"], "Issue: Notice of hearing"] in [r[1:3] for r in mine]


def test_statements_do_not_grow_with_cases(app, client, auth, office):
    auth.login(office["chair"])
    before = count_statements(client, "/")
    with app.app_context():
        for state in ("submitted", "info_requested", "committee_review") * 4:
            case = case_in_state(state, office["complainant"], office["record"],
                                 office["respondent"])
            db.session.flush()
            clear(app, office["chair"].id, case_id=case.id)
        db.session.commit()
    assert count_statements(client, "/") == before


def _committee_votes(client) -> set[tuple[str, str]]:
    committee = rows(client.get("/").get_data(as_text=True), "due-committee")
    return {(r[1], r[3]) for r in committee if r[2] == "Vote (committee review)"}


def test_the_kept_items_follow_each_change_as_it_commits(app, client, auth, office):
    """The homes read what waits from kept rows: each change to what they derive from (a
    recusal, a vote cast, a role taken away, an account closed) shows on the next page, and
    the kept rows then match their definitions exactly."""
    n, member, investigator = office["numbers"], office["member"], office["investigator"]
    auth.login(office["chair"])
    assert (n["review"], "Mina Member") in _committee_votes(client)
    with app.app_context():
        ids = {k: db.session.query(Case).filter_by(number=v).one().id for k, v in n.items()}
        db.session.add(Vote(case_id=ids["review"], stage="review", round=1, question="outcome",
                            member_id=member.id, choice="dismissed"))
        db.session.commit()
    assert (n["review"], "Mina Member") not in _committee_votes(client)  # she has voted

    assert (n["review"], "Charles Chair") in _committee_votes(client)
    with app.app_context():
        db.session.add(Recusal(case_id=ids["review"], member_id=office["chair"].id,
                               cause="self", reason="Knows the respondent."))
        db.session.commit()
    assert (n["review"], "Charles Chair") not in _committee_votes(client)  # recused

    with app.app_context():  # the investigator leaves the committee: nothing waits on them
        admin = db.session.get(User, office["admin"].id)
        set_roles(db.session.get(User, investigator.id), set(), admin)
        db.session.commit()
    assert not {who for _, who in _committee_votes(client)} & {"Ivy Investigator"}

    with app.app_context():  # an account closed: nothing waits on it either
        set_active(db.session.get(User, member.id), False, db.session.get(User, office["admin"].id))
        db.session.commit()
    assert not {who for _, who in _committee_votes(client)} & {"Mina Member"}
    assert _committee_votes(client) == {(n["recused"], "Charles Chair")}

    with app.app_context():
        assert waits.rebuild(db.session) == 0  # nothing had drifted
        db.session.rollback()


def test_a_rolled_back_change_leaves_the_items_as_they_were(app, client, auth, office):
    n = office["numbers"]
    auth.login(office["chair"])
    before = _committee_votes(client)
    with app.app_context():
        case_id = db.session.query(Case).filter_by(number=n["review"]).one().id
        db.session.add(Vote(case_id=case_id, stage="review", round=1, question="outcome",
                            member_id=office["chair"].id, choice="dismissed"))
        db.session.flush()
        db.session.rollback()
        db.session.commit()  # a later commit in the same session recomputes nothing stale
        assert waits.rebuild(db.session) == 0
        db.session.rollback()
    assert _committee_votes(client) == before


def _open_cases(html: str) -> dict[str, str]:
    """{status: the count shown} from the home's "Open cases" list."""
    block = html.split("<h2>Open cases</h2>", 1)[1].split("</ul>", 1)[0]
    return {status: count.strip() for status, count in
            re.findall(r'status=(\w+)">[^<]*</a>:([^<]*)</li>', block)}


def test_the_committee_home_counts_open_cases_up_to_a_cap(client, auth, office, monkeypatch):
    """Counts by status cover the cases open to the member; one declaration is awaited (the
    fresh complaint); past the cap a count reads "more than" instead of walking on."""
    auth.login(office["chair"])
    html = client.get("/").get_data(as_text=True)
    counts = _open_cases(html)
    assert counts["info_requested"] == "1" and counts["hearing_scheduled"] == "1"
    assert counts["committee_review"] == "2" and counts["submitted"] == "0"
    assert ">1 case</a> will open to you once you declare" in html

    monkeypatch.setattr(main_views, "HOME_COUNT_CAP", 1)
    html = client.get("/").get_data(as_text=True)
    counts = _open_cases(html)
    assert counts["committee_review"] == "more than 1"
    assert counts["info_requested"] == "1"


def test_a_deadline_on_a_case_a_member_serves_on_is_theirs_to_watch(app, client, auth, office):
    """The investigator serves on the review case: its open deadline is on their own list
    (soonest first), not on the list of a member who does not serve on it."""
    n = office["numbers"]
    with app.app_context():
        case_id = db.session.query(Case).filter_by(number=n["review"]).one().id
        due = (clock.now() + timedelta(days=3)).date()
        db.session.add(Deadline(case_id=case_id, kind="response", due_on=due,
                                original_due_on=due))
        db.session.commit()
    auth.login(office["investigator"])
    mine = rows(client.get("/").get_data(as_text=True), "due-mine")
    assert [n["review"], "Response due"] in [r[1:3] for r in mine]
    auth.logout()
    auth.login(office["member"])
    mine = rows(client.get("/").get_data(as_text=True), "due-mine")
    assert [n["review"], "Response due"] not in [r[1:3] for r in mine]


def test_each_kind_shows_its_soonest_few_and_says_when_more_wait(app, client, auth, office,
                                                                 monkeypatch):
    auth.login(office["chair"])
    html = client.get("/").get_data(as_text=True)
    assert "more are waiting" not in html
    monkeypatch.setattr(due, "LIMIT", 1)  # one of each kind; the committee has four votes
    html = client.get("/").get_data(as_text=True)
    votes = [r for r in rows(html, "due-committee") if r[2] == "Vote (committee review)"]
    assert len(votes) == 1 and 'id="due-committee-more"' in html
    # a kind with exactly as many waiting as are shown leaves nothing out: no hint
    monkeypatch.setattr(due, "LIMIT", 100)
    with app.test_request_context():
        everything = due.dashboards(db.session.get(User, office["chair"].id), committee=True)
    most = max(Counter(i.kind for i in everything[0]).most_common(1)[0][1],
               Counter(i.kind for i in everything[1]).most_common(1)[0][1])
    monkeypatch.setattr(due, "LIMIT", most)
    html = client.get("/").get_data(as_text=True)
    assert most > 1 and "more are waiting" not in html
    assert len(rows(html, "due-committee")) == len(everything[1])


def test_the_homes_statements_are_built_once_and_still_follow_each_change(
        app, client, auth, office):
    """A home's statements are built once per viewer and kept: what each reads is still
    the viewer's own, and what is open to them, the roles they hold and the time are read
    when the page is asked for, never from the page that built it."""
    n = office["numbers"]
    auth.login(office["chair"])
    first = client.get("/").get_data(as_text=True)
    built = (due._statement.cache_info().currsize,
             main_views._counts_statement.cache_info().currsize)
    assert _open_cases(first)["committee_review"] == "2"
    # the chair withdraws from the review case: gone from the counts and the lists at once
    with app.app_context():
        case_id = db.session.query(Case).filter_by(number=n["review"]).one().id
        db.session.add(Recusal(case_id=case_id, member_id=office["chair"].id, cause="self",
                               reason="My former employer."))
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert (due._statement.cache_info().currsize,
            main_views._counts_statement.cache_info().currsize) == built  # nothing rebuilt
    assert _open_cases(html)["committee_review"] == "1"
    assert n["review"] not in " ".join(" ".join(r) for r in rows(html, "due-committee"))
    # another member's home in the same process: their own items, not the chair's
    auth.logout()
    auth.login(office["member"])
    html = client.get("/").get_data(as_text=True)
    assert "due-committee" not in html
    mine = {(r[1], r[2]) for r in rows(html, "due-mine")}
    assert (n["review"], "Vote (committee review)") in mine
    assert any(r[1] == n["hearing"] for r in rows(html, "due-mine"))
    # the hearing has passed a day later: the time is the request's, not the first page's
    clock.freeze(NOW + timedelta(days=32))
    html = client.get("/").get_data(as_text=True)
    assert not any(r[1] == n["hearing"] for r in rows(html, "due-mine"))
    # the chair loses the committee's lists with the chair's role
    auth.logout()
    with app.app_context():
        set_roles(db.session.get(User, office["chair"].id), {"member"},
                  actor=db.session.get(User, office["admin"].id))
        db.session.commit()
    auth.login(office["chair"])
    assert "due-committee" not in client.get("/").get_data(as_text=True)
