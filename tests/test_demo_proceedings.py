"""The demo proceedings: every path after the answer, with separation of functions, the
suspension on the public register and in the registry, and nothing added a second time."""
from __future__ import annotations

from datetime import date
from itertools import pairwise

from conftest import login_client
from sqlalchemy import func, select

from app import clock
from app.accounts.models import User
from app.audit.models import AuditEntry
from app.cases.models import Allegation, Case, CaseEvent, Deadline, Disclosure, Evidence
from app.coi.models import CoiDeclaration, Recusal
from app.coi.services import declaration_of, open_recusal
from app.demo import DEMO_PASSWORD
from app.demo.proceedings import PROCEEDINGS
from app.documents.models import Document
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.proceedings import services as p
from app.proceedings.models import (
    Appeal,
    Assignment,
    Decision,
    DocumentRequest,
    Hearing,
    HearingPostponement,
    InvestigationItem,
    Sanction,
    Vote,
)
from app.registry.models import Certificant


def _cases() -> dict[str, Case]:
    """The demo proceedings by path, found by the facts of their first allegation."""
    out = {}
    for spec in PROCEEDINGS:
        out[spec.path] = db.session.execute(
            select(Case).join(Allegation).where(Allegation.facts == spec.charges[0].facts)
        ).scalar_one()
    return out


def _kinds(case: Case) -> list[str]:
    return [d.kind for d in db.session.scalars(
        select(Document).where(Document.case_id == case.id, Document.status == "issued")
        .order_by(Document.id))]


def _finding(decision: Decision, code: str) -> bool:
    return next(f.violated for f in decision.findings if f.allegation.item.code == code)


def test_every_path_reaches_its_state(demo):
    with demo.app_context():
        cases = _cases()
        assert len(cases) == len(PROCEEDINGS) == 7
        today = clock.today()

        dismissed = cases["dismissed at review"]
        decision = p.latest_decision(dismissed)
        assert dismissed.status == "dismissed"
        assert (decision.stage, decision.outcome, decision.appeal_due_on) == \
            ("review", "dismissed", None)
        assert "decision_and_order" in _kinds(dismissed)
        assert "dismissal" not in _kinds(dismissed), "the intake dismissal letter is not sent"
        items = {i.kind for i in p.items(dismissed)}
        assert {"task", "interview", "report"} <= items
        assert any(i.shared_at for i in p.items(dismissed)), "an interview shared (logged)"
        assert [r.answered_at is not None for r in db.session.scalars(
            select(DocumentRequest).where(DocumentRequest.case_id == dismissed.id))] == [True]

        consent = cases["consent agreement"]
        decision = p.latest_decision(consent)
        assert consent.status == "final"
        assert (decision.stage, decision.outcome) == ("review", "consent")
        assert decision.final_at and decision.details["respondent_signed_at"]
        assert not decision.details["open"]
        [sanction] = decision.sanctions
        assert (sanction.kind, sanction.status) == ("probation", "in_force")
        assert [bool(c.get("met_on")) for c in sanction.conditions] == [True, False, False]
        assert {"decision_and_order", "public_notice"} <= set(_kinds(consent))

        suspended = cases["hearing: violation, suspension"]
        decision = p.latest_decision(suspended)
        assert suspended.status == "final"
        assert (decision.stage, decision.outcome) == ("hearing", "violation")
        assert _finding(decision, "S11") and not _finding(decision, "S23")
        [sanction] = decision.sanctions
        assert (sanction.kind, sanction.status) == ("suspension", "in_force")
        assert sanction.starts_on <= today < sanction.ends_on
        assert suspended.respondent_certificant.status == "suspended"
        assert any(e.action == "finalize" and e.actor_id is None for e in suspended.events), \
            "the sweep made it final when the appeal period ended"
        assert _kinds(suspended) == ["notice_of_complaint", "notice_of_hearing",
                                     "decision_and_order", "public_notice"]

        cleared = cases["hearing: no violation"]
        decision = p.latest_decision(cleared)
        assert cleared.status == "closed" and cleared.closed_at is not None
        assert (decision.stage, decision.outcome) == ("hearing", "no_violation")
        assert decision.final_at and not decision.sanctions
        assert not _finding(decision, "S18")
        assert p.current_hearing(cleared).status == "held"

        modified = cases["appeal modifies the sanction"]
        appeal = p.appeal_of(modified)
        outcome = db.session.get(Decision, appeal.outcome_decision_id)
        assert modified.status == "final"
        assert appeal.appellant_role == "respondent"
        assert [s.kind for s in appeal.decision.sanctions] == ["suspension"]
        assert appeal.decision.final_at is None, "the appealed decision never took effect"
        assert (outcome.stage, outcome.outcome) == ("appeal", "modify")
        assert [(s.kind, s.status) for s in outcome.sanctions] == [("probation", "in_force")]
        assert modified.respondent_certificant.status == "active"
        assert {"appeal_decision", "public_notice"} <= set(_kinds(modified))

        remanded = cases["appeal remands to the committee"]
        appeal = p.appeal_of(remanded)
        assert remanded.status == "committee_review"
        assert appeal.appellant_role == "complainant"
        assert p.latest_decision(remanded).outcome == "remand"
        assert p.current_round(remanded, "review") == 2
        assert len(p.votes(remanded, "review", "outcome")) == 1, "a new round of votes"
        assert db.session.scalar(select(func.count()).select_from(Vote).where(
            Vote.case_id == remanded.id, Vote.stage == "review", Vote.round == 1)) == 3

        postponed = cases["hearing scheduled, postponed once"]
        hearings = db.session.scalars(select(Hearing).where(Hearing.case_id == postponed.id)
                                      .order_by(Hearing.id)).all()
        assert postponed.status == "hearing_scheduled"
        # postponed at Wanda's request, then moved by the system when Nadia replaced Omar
        assert [h.status for h in hearings] == ["postponed", "postponed", "scheduled"]
        assert hearings[2].starts_at > clock.now() and hearings[2].starts_at.weekday() < 5
        assert {(a.member.email, a.replaces.email if a.replaces else None)
                for a in db.session.scalars(select(Assignment).where(
                    Assignment.case_id == postponed.id,
                    Assignment.replaces_id.is_not(None)))} == {
            ("member3@example.org", "member4@example.org")}
        [request] = db.session.scalars(select(HearingPostponement).where(
            HearingPostponement.hearing_id == hearings[0].id))
        assert request.status == "granted"
        # asked by Wanda's counsel, who receives her notices (the disclosure log says so)
        [counsel] = postponed.representatives
        assert (counsel.name, counsel.party_role, counsel.revoked_at) == (
            "Lena Lawyer", "respondent", None)
        assert counsel.user.email == "counsel@example.org"
        assert request.requested_by_id == counsel.user_id
        assert db.session.scalar(select(func.count()).select_from(Disclosure).where(
            Disclosure.case_id == postponed.id,
            Disclosure.recipient_email == "counsel@example.org")) == 2  # two notices of hearing
        assert any("(by Lena Lawyer, representative, for the respondent)" in e.summary
                   for e in postponed.events)
        # the new notice is in force; the one for the postponed date is superseded, saying why
        assert _kinds(postponed).count("notice_of_hearing") == 1
        old_notices = db.session.scalars(select(Document).where(
            Document.case_id == postponed.id, Document.kind == "notice_of_hearing",
            Document.status == "superseded")).all()
        assert len(old_notices) == 2
        assert all("postponed" in n.superseded_note for n in old_notices)

        # every change of status is an event that starts where the one before ended
        for case in cases.values():
            moves = [(e.from_status, e.to_status) for e in case.events if e.from_status]
            assert moves[0] == ("draft", "submitted")
            for before, after in pairwise(moves):
                assert after[0] == before[1], (case.number, before, after)


def test_separation_of_functions_and_declarations(demo):
    with demo.app_context():
        for path, case in _cases().items():
            investigators = {u.id for u in p.members_in(case, "investigator")}
            hearing = {u.id for u in p.members_in(case, "hearing_panel")}
            appeal = {u.id for u in p.members_in(case, "appeal_panel")}
            assert len(investigators) == 1, path
            assert not investigators & (hearing | appeal), path
            assert not hearing & appeal, path
            assert len(hearing) in (0, p.quorum()) and len(appeal) in (0, p.quorum()), path
            serving = db.session.scalars(select(User).where(
                User.id.in_(investigators | hearing | appeal))).all()
            voters = db.session.scalars(select(User).join(Vote, Vote.member_id == User.id)
                                        .where(Vote.case_id == case.id)).all()
            for member in {*serving, *voters}:
                declaration = declaration_of(member, case)
                assert declaration is not None and declaration.kind == "none", (path, member)
                assert open_recusal(member.id, case) is None, (path, member)
                assert not (case.respondent_user_id == member.id
                            or case.complainant_id == member.id)
        # Mina withdrew from Rory's cases, Marco from Wanda's
        mina, marco = (db.session.scalar(select(User).where(User.email == e))
                       for e in ("member1@example.org", "member2@example.org"))
        for path, case in _cases().items():
            respondent = case.respondent_certificant.cert_number
            if respondent == "CCM-100002":
                assert open_recusal(mina.id, case) is not None, path
            if respondent == "CCM-100003":
                assert open_recusal(marco.id, case) is not None, path


def test_the_suspension_on_the_public_register_and_in_the_registry(demo, client):
    with demo.app_context():
        rory = db.session.scalar(select(Certificant).where(
            Certificant.cert_number == "CCM-100002"))
        assert rory.status == "suspended"
        rory_id = rory.id
        case = _cases()["hearing: violation, suspension"]
        notice = db.session.scalar(select(Document.number).where(
            Document.case_id == case.id, Document.kind == "public_notice"))
    page = client.get("/public-register")  # public: nobody signed in
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in ("Rory Respondent", "CCM-100002", "Suspension", notice):
        assert text in html
    assert "4,000" not in html and "Doyle" not in html, "nothing of the case but the sanction"
    entries = client.get("/public-register.json?q=CCM-100002").get_json()["entries"]
    assert [(e["name"], e["sanction"], e["standards_violated"], e["public_notice"])
            for e in entries] == [("Rory Respondent", "Suspension", ["S11"], notice)]
    assert date.fromisoformat(entries[0]["ends_on"]) > date.fromisoformat(entries[0]["starts_on"])
    everyone = {(e["certificate"], e["sanction"])
                for e in client.get("/public-register.json").get_json()["entries"]}
    assert everyone == {("CCM-100002", "Suspension"), ("CCM-100001", "Probation"),
                        ("CCM-100003", "Probation")}
    assert client.get(f"/verify/{notice}").status_code == 200

    admin = login_client(demo, "admin@example.org", DEMO_PASSWORD)
    registry = admin.get(f"/registry/{rory_id}").get_data(as_text=True)
    assert 'status-suspended">suspended<' in registry
    search = admin.get("/registry/?q=CCM-100002").get_data(as_text=True)
    assert "suspended" in search

    # the suspended respondent reads the decision; no party sees the votes
    rory_client = login_client(demo, "cert2@example.org", DEMO_PASSWORD)
    page = rory_client.get(f"/cases/{case.number}").get_data(as_text=True)
    assert "The decision is final" in page and "Suspension" in page
    assert "Votes so far" not in page and "Cast my vote" not in page
    # Mina, recused from Rory's case, finds it nowhere
    member1 = login_client(demo, "member1@example.org", DEMO_PASSWORD)
    assert member1.get(f"/cases/{case.number}").status_code == 404


def _counts():
    models = (Case, CaseEvent, AuditEntry, OutboxMessage, Evidence, Deadline, Document,
              CoiDeclaration, Recusal, Assignment, InvestigationItem, Vote, Decision, Sanction,
              Hearing, HearingPostponement, Appeal, User)
    return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
            for m in models}


def test_a_second_seed_adds_nothing(demo, runner):
    with demo.app_context():
        before = _counts()
        statuses = dict(db.session.execute(select(Case.number, Case.status)).all())
    assert before["decisions"] and before["votes"] and before["appeals"]
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "already loaded" in again.output
    with demo.app_context():
        assert _counts() == before
        assert dict(db.session.execute(select(Case.number, Case.status)).all()) == statuses
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and "intact" in verified.output, verified.output
