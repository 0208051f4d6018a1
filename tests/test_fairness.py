"""Procedural fairness (issue 14), through the real pages, the sweep and real SMTP.

Each rule of the workflow that keeps a proceeding fair without relying on staff memory:
separation of functions at review, withdrawal after acceptance, panels that can be
completed, sanctions over time, hearings, votes, every clock's reminders, disclosure
before the hearing, representatives and accounts that change; each refusal with its
message.
"""
from __future__ import annotations

from sqlalchemy import select
from test_proceedings import (  # noqa: F401  (w is the fixture)
    HEARING_PANEL,
    REVIEWERS,
    hold,
    mail_to,
    open_case,
    text,
    to_hearing,
    to_review,
    w,
    words,
)

from app.extensions import db
from app.proceedings.models import Vote

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
