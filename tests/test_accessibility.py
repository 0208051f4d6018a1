"""The accessibility statement, and what it promises: a party asks on the case page for
an adjustment or a document in another format; the office is told, has a deadline to
answer, answers on the case page, and the party hears back (issue 18)."""
from __future__ import annotations

from datetime import date

import pytest
import test_case_workspace
from case_helpers import act
from conftest import outbox_rows
from test_case_workspace import build, signed_in, text_of, version, words

from app.cases.models import Deadline
from app.extensions import db

cast = test_case_workspace.cast  # the people of every case (a fixture)

NEED = "NEED-TYPED: the decision in large print, and a hearing loop at the hearing."
ANSWER = "ANSWER-TYPED: large-print copies are posted today; Room 4 has a hearing loop."


def test_the_statement_is_public_and_linked_from_every_page(app, cast):
    anonymous = app.test_client()
    r = anonymous.get("/accessibility")
    assert r.status_code == 200
    page = words(text_of(r))
    for needle in ("(WCAG) 2.2 at level AA", "What we tested, and how", "Keyboard alone",
                   "axe-core", "Known exceptions", "Ask for an adjustment or another format",
                   "answer within 10 days", "ethics@example.org"):
        assert needle in page, needle
    for client, path in [(anonymous, "/login"), (anonymous, "/verify"),
                         (signed_in(app, cast["complainant"]), "/"),
                         (signed_in(app, cast["chair"]), "/")]:
        footer = text_of(client.get(path)).split('<footer class="site-footer">')[1]
        assert 'href="/accessibility">Accessibility</a>' in footer, path


def adjustment_deadlines(app, number):
    with app.app_context():
        return [(d.status, d.due_on) for d in db.session.query(Deadline)
                .filter_by(kind="adjustment").join(Deadline.case)
                .filter_by(number=number)]


def test_a_party_asks_for_an_adjustment_and_the_office_answers(app, cast):
    number = build(app, cast, "awaiting_response")  # 2026-11-02, a Monday
    respondent = signed_in(app, cast["respondent"])
    page = words(text_of(respondent.get(f"/cases/{number}")))
    assert "Ask for an adjustment or another format" in page and "What you need" in page

    # nothing said: refused, next to the form
    r = act(respondent, number, "ask_adjustment", version(app, number), text="  ")
    assert r.status_code == 400
    assert "Say what you need" in text_of(r)
    assert adjustment_deadlines(app, number) == []

    r = act(respondent, number, "ask_adjustment", version(app, number), text=NEED)
    assert r.status_code == 200
    page = words(text_of(r))
    assert "A party asked for an adjustment or a document in another format" in page
    assert NEED in page, "the party reads their request on the timeline"
    # one request at a time: the next one waits for the answer, and says so
    assert "waiting for the office's answer, due by 2026-11-12" in page
    assert adjustment_deadlines(app, number) == [("open", date(2026, 11, 12))]
    mail = [m for m in outbox_rows(app) if "adjustment" in m[1]]
    assert [m[0] for m in mail] == ["chair@example.com"], "the intake staff are told"
    assert NEED in mail[0][3] and "2026-11-12" in mail[0][3]

    # the office sees the deadline at the top of the case, and answers
    chair = signed_in(app, cast["chair"])
    page = words(text_of(chair.get(f"/cases/{number}")))
    assert "Answer to a request for an adjustment due" in page and NEED in page
    r = act(chair, number, "answer_adjustment", version(app, number), text="")
    assert r.status_code == 400 and "Write the answer the party will receive." in text_of(r)
    r = act(chair, number, "answer_adjustment", version(app, number), text=ANSWER)
    assert r.status_code == 200
    assert "Answer the adjustment request" not in words(text_of(r)), "nothing left to answer"
    assert adjustment_deadlines(app, number) == [("met", date(2026, 11, 12))]
    [answered] = [m for m in outbox_rows(app) if "answer to your request" in m[1]]
    assert answered[0] == "rory@example.com" and ANSWER in answered[3]

    # both parties read the request and the answer; the respondent may ask again
    for who in ("respondent", "complainant"):
        page = words(text_of(signed_in(app, cast[who]).get(f"/cases/{number}")))
        assert NEED in page and ANSWER in page, who
    page = words(text_of(respondent.get(f"/cases/{number}")))
    assert "waiting for the office's answer" not in page


@pytest.mark.parametrize("who", ["member", "admin"])
def test_only_a_party_asks_for_an_adjustment(app, cast, who):
    number = build(app, cast, "investigation")
    client = signed_in(app, cast[who])
    r = act(client, number, "ask_adjustment", version(app, number), text=NEED)
    assert r.status_code == 403
    assert adjustment_deadlines(app, number) == []
