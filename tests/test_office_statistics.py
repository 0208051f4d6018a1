"""The statistics page: every figure against a hand-built set of cases (issue 15)."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app import clock
from app.cases.models import Case, CaseEvent, CaseKind
from app.coi.models import Recusal
from app.extensions import cache, db
from app.proceedings.models import Decision
from tests.case_helpers import case_in_state

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def at(y, m, d):
    return datetime(y, m, d, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    clock.freeze(NOW)
    yield
    clock.freeze(None)


def build(app, people) -> dict[str, int]:
    """Seven cases whose every figure is worked out in the tests below."""
    c, rec, resp = people["complainant"], people["record"], people["respondent"]
    chair, member = people["chair"], people["member"]
    ids = {}
    with app.app_context():
        def make(name, state, filed, served=None, closed=None, **kw):
            case = case_in_state(state, c, rec, resp, **kw)
            case.submitted_at, case.served_at, case.closed_at = filed, served, closed
            ids[name] = case.id
            return case

        a = make("A", "dismissed", at(2025, 3, 10), closed=at(2025, 3, 20))
        a.outcome_reason = "not_a_violation"
        b = make("B", "awaiting_response", at(2025, 5, 1), served=at(2025, 5, 5))
        db.session.add(CaseEvent(case_id=b.id, at=at(2025, 5, 5), action="accept",
                                 summary="Accepted", from_status="submitted",
                                 to_status="awaiting_response"))
        make("C", "submitted", at(2026, 1, 10))
        make("D", "submitted", at(2026, 2, 1))
        make("E", "submitted", at(2026, 3, 1))
        f = make("F", "final", at(2026, 1, 1), served=at(2026, 1, 11), chair=chair,
                 panel=(member,))
        decision = db.session.query(Decision).filter_by(case_id=f.id).one()
        decision.decided_at, decision.final_at = at(2026, 4, 1), at(2026, 5, 1)
        g = make("G", "investigation", at(2026, 4, 1), served=at(2026, 4, 3), code="S9")
        g.kind = CaseKind.SELF_REPORT
        db.session.commit()
    return ids


def cells(html: str, table: str) -> dict[str, list[str]]:
    """A table's rows as {first cell: [other cells]}, in plain text."""
    block = re.search(rf'<table id="{table}">(.*?)</table>', html, re.S).group(1)
    body = re.search(r"<tbody>(.*?)</tbody>", block, re.S).group(1)
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        texts = [" ".join(unescape(re.sub(r"<[^>]+>", " ", t)).split())
                 for t in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[texts[0]] = texts[1:]
    return rows


@pytest.fixture
def office(app, cast, auth, frozen):
    people = cast("complainant", "respondent", "record", "chair", "member", "admin")
    people["ids"] = build(app, people)
    auth.login(people["admin"])
    return people


def test_every_figure(client, office):
    html = client.get("/office/statistics").get_data(as_text=True)
    assert "7 cases filed" in html
    assert cells(html, "by-month") == {
        "2025-03": ["1", "0", "1"], "2025-05": ["1", "1", "0"], "2026-01": ["2", "1", "0"],
        "2026-02": ["1", "0", "0"], "2026-03": ["1", "0", "0"], "2026-04": ["1", "1", "0"]}
    assert cells(html, "by-year") == {"2025": ["2", "1", "1"], "2026": ["5", "2", "0"]}
    # days in the current stage: C 142, D 120, E 92 (from filing); B 392 (since accepted);
    # G 61 (no move recorded: from filing)
    assert cells(html, "caseload") == {
        "Received, waiting for the committee's review": ["3", "120.0", "142"],
        "Accepted; waiting for the respondent's answer": ["1", "392.0", "392"],
        "Under investigation": ["1", "61.0", "61"]}
    assert cells(html, "outcomes") == {"Dismissed at intake": ["1"],
                                       "Hearing: violation found": ["1"]}
    assert cells(html, "standards") == {"S7": ["6", "1"], "S9": ["1", "0"]}
    assert cells(html, "sanctions") == {"Corrective action": ["1"], "Suspension": ["1"]}
    # intake decisions: A 10, B 4, F 10, G 2 -> 7; decision F 90; final F 120
    assert cells(html, "durations") == {
        "the intake decision (accepted or dismissed)": ["7.0"],
        "the first decision": ["90.0"], "the decision becoming final": ["120.0"]}


def test_filters_by_year_and_kind(client, office):
    html = client.get("/office/statistics?year=2026").get_data(as_text=True)
    assert "5 cases filed in 2026" in html
    assert cells(html, "by-year") == {"2026": ["5", "2", "0"]}
    assert cells(html, "durations")["the intake decision (accepted or dismissed)"] == ["6.0"]
    html = client.get("/office/statistics?kind=self_report").get_data(as_text=True)
    assert "1 case filed (self-reports)" in html
    assert cells(html, "standards") == {"S9": ["1", "0"]}
    assert cells(html, "caseload") == {"Under investigation": ["1", "61.0", "61"]}


def test_charts_state_their_figures(client, office):
    html = client.get("/office/statistics").get_data(as_text=True)
    images = re.findall(r'<img src="data:image/svg\+xml;base64,[^"]+" alt="([^"]+)"', html)
    alts = [unescape(a) for a in images]
    assert "Sanctions by kind. Sanctions: Corrective action: 1, Suspension: 1." in alts
    assert any(a.startswith("Open cases by stage. Cases: submitted: 3,") for a in alts)
    assert len(alts) == 5


def test_a_recused_chair_does_not_count_the_case(app, client, auth, office):
    with app.app_context():
        db.session.add(Recusal(case_id=office["ids"]["C"], member_id=office["chair"].id,
                               cause="self", reason="A former colleague."))
        db.session.commit()
    auth.logout()
    auth.login(office["chair"])
    html = client.get("/office/statistics").get_data(as_text=True)
    assert "6 cases filed" in html
    assert cells(html, "caseload")["Received, waiting for the committee's review"] == [
        "2", "106.0", "120"]


def test_members_and_parties_are_refused(client, auth, office):
    auth.logout()
    for who in ("member", "complainant"):
        auth.login(office[who])
        assert client.get("/office/statistics").status_code == 403
        auth.logout()


def count_statements(client, url: str) -> int:
    seen = []

    def on_execute(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", on_execute)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(Engine, "before_cursor_execute", on_execute)
    return len(seen)


def test_statements_do_not_grow_with_cases(app, client, office):
    before = count_statements(client, "/office/statistics")
    with app.app_context():
        c = db.session.get(type(office["complainant"]), office["complainant"].id)
        for state in ("submitted", "dismissed", "final", "investigation") * 3:
            case_in_state(state, c, office["record"], office["respondent"],
                          chair=office["chair"], panel=(office["member"],))
        db.session.commit()
        assert db.session.query(Case).count() == 19
    assert count_statements(client, "/office/statistics") == before


@pytest.fixture
def kept_figures(app):
    """The suite's app with a real cache for the test (its config turns caching off)."""
    cache.init_app(app, config={"CACHE_TYPE": "SimpleCache"})
    yield app
    cache.init_app(app, config={"CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": True})


def test_figures_are_kept_for_a_while_and_counted_again_on_request(app, client, auth, office,
                                                                    kept_figures):
    first = client.get("/office/statistics").get_data(as_text=True)
    assert "7 cases filed" in first and "Counted at 2026-06-01 12:00 UTC" in first
    with app.app_context():
        c = db.session.get(type(office["complainant"]), office["complainant"].id)
        case_in_state("submitted", c, office["record"], office["respondent"])
        db.session.commit()
    clock.advance(minutes=2)
    kept = client.get("/office/statistics").get_data(as_text=True)
    assert "7 cases filed" in kept and "Counted at 2026-06-01 12:00 UTC" in kept
    assert count_statements(client, "/office/statistics") < count_statements(
        client, "/office/statistics?fresh=1") - 5
    again = client.get("/office/statistics?fresh=1").get_data(as_text=True)
    assert "8 cases filed" in again and "Counted at 2026-06-01 12:02 UTC" in again
    # each viewer and each set of filters has figures of its own
    assert "6 cases filed in 2026" in client.get("/office/statistics?year=2026").get_data(
        as_text=True)
    # a recusal is counted at once, not from the kept figures
    auth.logout()
    auth.login(office["chair"])
    assert "8 cases filed" in client.get("/office/statistics").get_data(as_text=True)
    with app.app_context():
        db.session.add(Recusal(case_id=office["ids"]["C"], member_id=office["chair"].id,
                               cause="self", reason="A former colleague."))
        db.session.commit()
    assert "7 cases filed" in client.get("/office/statistics").get_data(as_text=True)
