"""Certificants' S7/S22 disclosures: parties answer by personal link; an objection obliges
withdrawal; the sweep flags an unconfirmed one; staff open a case from it."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from case_helpers import act, declare, get_case, number_in
from conftest import Cast
from itsdangerous import URLSafeTimedSerializer

from app import clock
from app.audit.models import AuditEntry
from app.extensions import db
from app.practice_disclosures.models import DisclosureParty, PracticeDisclosure

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
LINK = re.compile(r"http://localhost(/disclosure-answer/[A-Za-z0-9_.\-]+)")
DESCRIPTION = "I manage the case of a client whose insurer also pays me as an adviser."


def _disclose(client, parties, kind="conflict", description=DESCRIPTION, **extra):
    data = {"kind": kind, "description": description, "submit": "Send the disclosure", **extra}
    for n, (name, email, role) in enumerate(parties):
        data |= {f"parties-{n}-name": name, f"parties-{n}-email": email, f"parties-{n}-role": role}
    return client.post("/practice-disclosures/new", data=data, follow_redirects=True)


def _send(runner):
    result = runner.invoke(args=["outbox", "send"])
    assert "0 failed" in result.output, result.output


def _link(smtp, address: str) -> str:
    """The answer link in the latest disclosure email to an address."""
    [*_, mail] = [m for m in smtp.to(address) if "has disclosed" in m["Subject"]]
    return LINK.search(smtp.text_of(mail)).group(1)


def _disclosure(app, **filters) -> PracticeDisclosure:
    with app.app_context():
        d = db.session.query(PracticeDisclosure).filter_by(**filters) \
            .order_by(PracticeDisclosure.id.desc()).first()
        list(d.parties)
        db.session.expunge_all()
        return d


def _audit_actions(app) -> list[str]:
    with app.app_context():
        return [e.action for e in db.session.query(AuditEntry).order_by(AuditEntry.id)]


def _subjects(smtp, address: str) -> list[str]:
    return [m["Subject"] for m in smtp.to(address)]


def test_objection_flow_end_to_end(app, cast, auth, client, smtp, runner):
    people = cast("discloser", "chair", "admin", "member")
    clock.freeze(MONDAY)

    # the certificant records a conflict affecting two parties
    auth.login(people["discloser"])
    assert "My disclosures" in client.get("/").data.decode()
    assert client.get("/practice-disclosures/new").status_code == 200
    r = _disclose(client, [("Carl Client", "carl@example.com", "client"),
                           ("Paula Payer", "Paula@Example.com", "payer")])
    page = r.data.decode()
    assert r.status_code == 200 and "Waiting for the parties" in page, page
    disclosure = _disclosure(app)
    assert disclosure.status == "awaiting" and disclosure.disclosed_on.isoformat() == "2026-11-02"
    assert [p.email for p in disclosure.parties] == ["carl@example.com", "paula@example.com"]

    # each party gets a personal link over SMTP
    _send(runner)
    carl_link, paula_link = _link(smtp, "carl@example.com"), _link(smtp, "paula@example.com")
    assert carl_link != paula_link
    mail = smtp.text_of(smtp.to("carl@example.com")[0])
    assert "Dana Discloser" in mail and "CCM-300003" in mail and "2026-12-02" in mail
    assert DESCRIPTION not in mail  # the disclosure itself is behind the link

    # the client acknowledges, without an account
    party = app.test_client()
    page = party.get(carl_link).data.decode()
    assert DESCRIPTION in page and "Dear Carl Client" in page
    assert "Paula" not in page and "paula@" not in page  # never another party
    r = party.post(carl_link, data={"answer": "acknowledged"})
    assert r.status_code == 302
    page = party.get(carl_link).data.decode()
    assert "Acknowledged" in page and "<form" not in page.split("<main")[1]
    assert _disclosure(app).status == "awaiting"

    # the payer objects the next day: withdrawal required within 14 days
    clock.advance(days=1)
    r = party.post(paula_link, data={"answer": "objected", "text": "I do not agree to this."},
                   follow_redirects=True)
    assert r.status_code == 200 and "Objected" in r.data.decode()
    disclosure = _disclosure(app)
    assert disclosure.status == "withdrawal_required"
    assert disclosure.withdrawal_due_on.isoformat() == "2026-11-17"
    _send(runner)
    [told] = [m for m in smtp.to("dana@example.com") if "objected" in m["Subject"]]
    assert "2026-11-17" in smtp.text_of(told) and "I do not agree" in smtp.text_of(told)

    # the certificant sees each party's answer
    page = client.get(f"/practice-disclosures/{disclosure.id}").data.decode()
    assert "Withdrawal required" in page and "I do not agree to this." in page
    assert page.count("Acknowledged") == 1 and page.count("Objected") == 1
    assert "Confirm my withdrawal" in page

    # on the due date nothing is flagged; the day after, once
    clock.freeze(datetime(2026, 11, 17, 8, 0, tzinfo=UTC))
    assert "practice disclosure" not in runner.invoke(args=["deadlines", "sweep"]).output
    clock.freeze(datetime(2026, 11, 18, 8, 0, tzinfo=UTC))
    out = runner.invoke(args=["deadlines", "sweep"]).output
    assert f"practice disclosure {disclosure.id} (CCM-300003) withdrawal due 2026-11-17" in out
    assert "practice disclosure" not in runner.invoke(args=["deadlines", "sweep"]).output
    _send(runner)
    assert _audit_actions(app).count("practice_disclosure.flagged") == 1
    for staff in ("chair@example.com", "ada@example.com"):
        assert sum("withdrawal not confirmed" in s for s in _subjects(smtp, staff)) == 1
    assert not smtp.to("mina@example.com"), "members are not mailed"
    assert not any("not confirmed" in s for s in _subjects(smtp, "dana@example.com"))
    assert _disclosure(app).flagged_at is not None

    # a member sees the flagged list but may not open a case
    auth.logout()
    auth.login(people["member"])
    page = client.get("/practice-disclosures/flagged").data.decode()
    assert "Dana Discloser" in page and "Open a case" not in page
    assert client.post(f"/practice-disclosures/{disclosure.id}/open-case").status_code == 403

    # the chair opens a staff case with S7 prefilled; it waits in the intake queue
    auth.logout()
    auth.login(people["chair"])
    page = client.get("/practice-disclosures/flagged").data.decode()
    assert "Open a case" in page
    r = client.post(f"/practice-disclosures/{disclosure.id}/open-case", follow_redirects=True)
    number = number_in(r.data.decode())
    # S7: like any committee member, the chair declares before the case opens to them
    assert r.status_code == 200 and "declare whether you have a conflict" in r.data.decode()
    r = declare(client, number)
    page = r.data.decode()
    assert r.status_code == 200 and "S7 Conflict of interest" in page, page
    case = get_case(app, number=number)
    assert (case.kind, case.status, case.complainant_id) == ("staff", "submitted", None)
    assert case.respondent_user_id == people["discloser"].id
    with app.app_context():
        from app.cases.models import Case

        c = db.session.query(Case).filter_by(number=number).one()
        [allegation] = c.allegations
        assert allegation.item.code == "S7" and allegation.item.version.name == "2009"
        assert allegation.conduct_from.isoformat() == "2026-11-02"
        assert DESCRIPTION in allegation.facts
        assert "Paula Payer (payer): objected on 2026-11-03 — “I do not agree to this.”" \
            in allegation.facts
        assert "required by 2026-11-17" in allegation.facts
        assert c.respondent_certificant.cert_number == "CCM-300003"
    assert number in client.get("/cases/intake").data.decode()
    assert _disclosure(app).case_id == case.id
    # a second press opens nothing more
    r = client.post(f"/practice-disclosures/{disclosure.id}/open-case", follow_redirects=True)
    assert "already been opened" in r.data.decode()
    with app.app_context():
        assert db.session.query(Case).filter_by(kind="staff").count() == 1

    # the staff case is an ordinary case: the chair accepts it and serves the certificant
    r = act(client, number, "accept", case.row_version, respondent_email="dana@example.com")
    assert get_case(app, number=number).status == "awaiting_response", r.data.decode()
    _send(runner)
    assert any("Notice of complaint" in s for s in _subjects(smtp, "dana@example.com"))

    # the certificant confirms the withdrawal late; the parties and staff are told
    auth.logout()
    auth.login(people["discloser"])
    url = f"/practice-disclosures/{disclosure.id}/withdrawal"
    r = client.post(url, data={"withdrawn_on": "2026-11-19", "confirm": "y"})
    assert r.status_code == 400 and "cannot be in the future" in r.data.decode()
    r = client.post(url, data={"withdrawn_on": "2026-11-16", "confirm": "y"},
                    follow_redirects=True)
    assert "Withdrawal confirmed" in r.data.decode()
    d = _disclosure(app)
    assert d.status == "withdrawn" and d.withdrawn_on.isoformat() == "2026-11-16"
    _send(runner)
    for address in ("carl@example.com", "paula@example.com"):
        assert any("has withdrawn" in s for s in _subjects(smtp, address))
    assert any("confirmed late" in s for s in _subjects(smtp, "chair@example.com"))
    assert client.get(url).status_code == 302  # nothing left to confirm

    actions = _audit_actions(app)
    assert actions.count("practice_disclosure.answered") == 2
    assert {"practice_disclosure.created", "practice_disclosure.flagged",
            "practice_disclosure.viewed", "practice_disclosure.case_opened",
            "case.opened_by_staff", "case.accept",
            "practice_disclosure.withdrawal_confirmed"} <= set(actions)
    with app.app_context():
        from app.audit.services import verify_chain

        answered = db.session.query(AuditEntry).filter_by(
            action="practice_disclosure.answered").order_by(AuditEntry.id).all()
        assert answered[1].actor_label == "party paula@example.com"
        assert answered[1].details["to_status"] == "withdrawal_required"
        assert verify_chain().ok


def test_every_party_acknowledges(app, cast, auth, client, smtp, runner):
    people = cast("discloser", "chair", "admin", "member")
    clock.freeze(MONDAY)
    app.config["PRACTICE_DISCLOSURE_WITHDRAWAL_DAYS"] = 3
    try:
        auth.login(people["discloser"])
        _disclose(client, [("Eve Employer", "eve@example.com", "employer"),
                           ("Pete Provider", "pete@example.com", "provider")],
                  kind="dual_relationship")
        _send(runner)
        party = app.test_client()
        for address in ("eve@example.com", "pete@example.com"):
            assert party.post(_link(smtp, address), data={"answer": "acknowledged"}).status_code == 302
    finally:
        app.config["PRACTICE_DISCLOSURE_WITHDRAWAL_DAYS"] = 14
    d = _disclosure(app)
    assert d.status == "acknowledged" and d.kind == "dual_relationship"
    assert d.withdrawal_due_on is None
    _send(runner)
    [*_, last] = smtp.to("dana@example.com")
    assert "Every affected party has now acknowledged" in smtp.text_of(last)
    page = client.get("/practice-disclosures").data.decode()
    assert "Acknowledged by every party" in page and "A dual relationship (S22)" in page
    clock.advance(days=60)
    assert "practice disclosure" not in runner.invoke(args=["deadlines", "sweep"]).output
    assert client.get(f"/practice-disclosures/{d.id}/withdrawal").status_code == 302


def test_withdrawal_date_is_configurable(app, cast, auth, client, smtp, runner):
    people = cast("discloser", "chair", "admin", "member")
    clock.freeze(MONDAY)
    app.config["PRACTICE_DISCLOSURE_WITHDRAWAL_DAYS"] = 3
    try:
        auth.login(people["discloser"])
        _disclose(client, [("Carl Client", "carl@example.com", "client")])
        _send(runner)
        app.test_client().post(_link(smtp, "carl@example.com"), data={"answer": "objected"})
    finally:
        app.config["PRACTICE_DISCLOSURE_WITHDRAWAL_DAYS"] = 14
    assert _disclosure(app).withdrawal_due_on.isoformat() == "2026-11-05"


def _bad(response, *words):
    page = response.data.decode()
    assert response.status_code == 400, page
    assert "This link cannot be used" in page
    for word in words:
        assert word in page, page
    assert "Dear " not in page and "Carl" not in page and "Olga" not in page
    assert DESCRIPTION not in page and "Olga secret" not in page
    assert response.headers["Cache-Control"] == "no-store"
    return page


def _two_disclosures(app, make, auth, client, smtp, runner):
    people = Cast(make)("discloser", "chair", "admin", "member")
    other_record = make.certificant(number="CCM-300004", name="Otto Other")
    otto = make.user(email="otto@example.com", name="Otto Other", certificant=other_record)
    clock.freeze(MONDAY)
    auth.login(people["discloser"])
    _disclose(client, [("Carl Client", "carl@example.com", "client")])
    auth.logout()
    auth.login(otto)
    _disclose(client, [("Olga Other", "olga@example.com", "other")],
              description="Olga secret relationship.")
    auth.logout()
    _send(runner)
    return people, otto


def test_tampered_wrong_purpose_and_forged_links_show_nothing(app, make, auth, client, smtp,
                                                              runner):
    _two_disclosures(app, make, auth, client, smtp, runner)
    link = _link(smtp, "carl@example.com")
    token = link.rsplit("/", 1)[1]
    party = app.test_client()
    assert party.get(link).status_code == 200

    # a character changed in the signed payload
    payload, _, rest = token.partition(".")
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    _bad(party.get(f"/disclosure-answer/{flipped}.{rest}"), "not valid")
    _bad(party.post(f"/disclosure-answer/{flipped}.{rest}", data={"answer": "objected"}))
    _bad(party.get("/disclosure-answer/not-a-token"), "not valid")

    with app.test_request_context():
        from app.accounts.tokens import make_token

        olga = db.session.query(DisclosureParty).filter_by(email="olga@example.com").one()
        carl = db.session.query(DisclosureParty).filter_by(email="carl@example.com").one()
        # the right payload under another purpose's salt (an email-verification link)
        wrong_purpose = make_token("verify", {"pid": olga.id, "n": olga.link_nonce})
        # another party's id without their current nonce
        guessed = make_token("practice_disclosure.answer", {"pid": olga.id, "n": carl.link_nonce})
        shapeless = make_token("practice_disclosure.answer", {"pid": str(olga.id)})
    # signed with a key that is not the app's
    forged = URLSafeTimedSerializer("not-the-key", salt="ethics.practice_disclosure.answer") \
        .dumps({"pid": olga.id, "n": olga.link_nonce})
    _bad(party.get(f"/disclosure-answer/{wrong_purpose}"), "not valid")
    _bad(party.get(f"/disclosure-answer/{guessed}"), "no longer valid")
    _bad(party.get(f"/disclosure-answer/{shapeless}"), "not valid")
    _bad(party.get(f"/disclosure-answer/{forged}"), "not valid")
    _bad(party.post(f"/disclosure-answer/{forged}", data={"answer": "objected"}))
    # a disclosure link is no password-reset link either
    assert party.get(f"/reset-password/{token}").status_code == 400
    with app.app_context():
        assert all(p.answer is None for p in db.session.query(DisclosureParty))
    # and Carl's own link still shows Carl's disclosure, not Olga's
    page = party.get(link).data.decode()
    assert DESCRIPTION in page and "Olga" not in page


def test_replayed_and_replaced_links(app, make, auth, client, smtp, runner):
    people, _ = _two_disclosures(app, make, auth, client, smtp, runner)
    carl_link = _link(smtp, "carl@example.com")
    party = app.test_client()
    assert party.post(carl_link, data={"answer": "objected", "text": "No."}).status_code == 302
    # the same answer posted again, or a different one: refused, and the answer stands
    for answer in ("objected", "acknowledged", ""):
        page = _bad(party.post(carl_link, data={"answer": answer}), "already been used")
        assert "objected" in page
    with app.app_context():
        carl = db.session.query(DisclosureParty).filter_by(email="carl@example.com").one()
        assert (carl.answer, carl.answer_text) == ("objected", "No.")
        carl_ids = (carl.disclosure_id, carl.id)
    assert _audit_actions(app).count("practice_disclosure.answered") == 1
    # the link still shows the recorded answer, read-only
    page = party.get(carl_link).data.decode()
    assert "Objected" in page and "cannot be changed" in page and 'name="answer"' not in page

    # Otto sends Olga, who has not answered, a new link; the old one dies
    olga_old = _link(smtp, "olga@example.com")
    with app.app_context():
        olga = db.session.query(DisclosureParty).filter_by(email="olga@example.com").one()
        ids = (olga.disclosure_id, olga.id)
    otto = app.test_client()
    otto.post("/login", data={"email": "otto@example.com", "password": "correct horse battery"})
    r = otto.post(f"/practice-disclosures/{ids[0]}/parties/{ids[1]}/resend", follow_redirects=True)
    assert "A new link was sent to Olga Other" in r.data.decode()
    _send(runner)
    olga_new = _link(smtp, "olga@example.com")
    assert olga_new != olga_old
    _bad(party.get(olga_old), "newer link")
    assert "Olga secret" in party.get(olga_new).data.decode()
    # an answered party cannot be sent a new link
    auth.login(people["discloser"])
    r = client.post(f"/practice-disclosures/{carl_ids[0]}/parties/{carl_ids[1]}/resend",
                    follow_redirects=True)
    assert "already answered" in r.data.decode()
    # nor can anyone else send one
    assert otto.post(f"/practice-disclosures/{carl_ids[0]}/parties/{carl_ids[1]}/resend") \
        .status_code == 404
    assert "practice_disclosure.link_resent" in _audit_actions(app)


def test_expired_link(app, make, auth, client, smtp, runner):
    _two_disclosures(app, make, auth, client, smtp, runner)
    link = _link(smtp, "carl@example.com")
    party = app.test_client()
    clock.freeze(datetime(2026, 12, 2, 8, 59, tzinfo=UTC))  # 30 days less a minute
    assert party.get(link).status_code == 200
    clock.freeze(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    _bad(party.get(link), "expired")
    _bad(party.post(link, data={"answer": "objected"}), "expired")
    with app.app_context():
        assert db.session.query(DisclosureParty).filter_by(email="carl@example.com").one().answer \
            is None


def test_validation_errors_keep_what_was_entered(app, cast, auth, client, smtp):
    people = cast("discloser", "chair", "admin", "member")
    auth.login(people["discloser"])
    r = client.post("/practice-disclosures/new", data={
        "description": "", "parties-0-name": "Carl Client", "parties-0-email": "not-an-email",
        "parties-0-role": "", "parties-1-name": "", "parties-1-email": "", "parties-1-role": "",
        "parties-2-name": "", "parties-2-email": "second@example.com", "parties-2-role": "payer",
        "submit": "Send the disclosure"})
    page = r.data.decode()
    assert r.status_code == 400
    for field_id, message in [("kind", "Choose what you are disclosing."),
                              ("description", "Describe the conflict or relationship."),
                              ("parties-0-email", "Enter a valid email address."),
                              ("parties-0-role", "Choose the party&#39;s role."),
                              ("parties-2-name", "Enter the party&#39;s name.")]:
        assert re.search(rf'id="{field_id}-error">[^<]*{re.escape(message)}', page), field_id
        assert f'href="#{field_id}"' in page  # the summary links to the field
    assert 'aria-describedby="parties-0-email-hint parties-0-email-error"' in page
    assert 'value="Carl Client"' in page and 'value="not-an-email"' in page
    assert 'value="second@example.com"' in page
    assert "parties-1-name-error" not in page  # an empty row is simply left out

    # no party at all; a repeated address
    r = _disclose(client, [])
    assert r.status_code == 400 and "Name at least one affected party." in r.data.decode()
    r = _disclose(client, [("A", "same@example.com", "client"), ("B", "SAME@example.com", "payer")],
                  description="Kept text")
    page = r.data.decode()
    assert r.status_code == 400 and "already on the list" in page and "Kept text" in page

    # "Add another party" keeps everything and adds a row
    r = client.post("/practice-disclosures/new", data={
        "kind": "conflict", "description": "Draft text", "parties-0-name": "Carl Client",
        "parties-0-email": "carl@example.com", "parties-0-role": "client",
        "add_party": "Add another party"})
    page = r.data.decode()
    assert r.status_code == 200 and "Party 2" in page and "Draft text" in page
    assert 'value="Carl Client"' in page and "There is a problem" not in page

    with app.app_context():
        assert db.session.query(PracticeDisclosure).count() == 0
        from app.notifications.models import OutboxMessage

        assert db.session.query(OutboxMessage).count() == 0

    # the withdrawal form, and the party's answer form, say what is wrong beside the field
    r = _disclose(client, [("Carl Client", "carl@example.com", "client")])
    assert r.status_code == 200
    d = _disclosure(app)
    with app.test_request_context():
        from app.practice_disclosures.services import answer_url

        link = answer_url(db.session.get(DisclosureParty, d.parties[0].id))
    link = link.removeprefix("http://localhost")
    party = app.test_client()
    r = party.post(link, data={"text": "I have a view"})
    page = r.data.decode()
    assert r.status_code == 400 and 'id="answer-error"' in page and "I have a view" in page
    party.post(link, data={"answer": "objected"})
    r = client.post(f"/practice-disclosures/{d.id}/withdrawal", data={"withdrawn_on": ""})
    page = r.data.decode()
    assert r.status_code == 400
    assert 'id="withdrawn_on-error"' in page and 'id="confirm-error"' in page
    r = client.post(f"/practice-disclosures/{d.id}/withdrawal",
                    data={"withdrawn_on": "2001-01-01", "confirm": "y"})
    assert r.status_code == 400 and "before the disclosure" in r.data.decode()
    assert _disclosure(app).status == "withdrawal_required"


def test_who_sees_what(app, make, auth, client, smtp, runner):
    people, otto = _two_disclosures(app, make, auth, client, smtp, runner)
    dana_d = _disclosure(app, owner_id=people["discloser"].id)
    otto_d = _disclosure(app, owner_id=otto.id)
    # an account not linked to the registry cannot record one
    plain = make.user(email="plain@example.com")
    auth.login(plain)
    assert client.get("/practice-disclosures/new").status_code == 403
    page = client.get("/practice-disclosures").data.decode()
    nav = page.split("<main")[0]
    assert "Link your registry record" in page and 'href="/practice-disclosures"' not in nav
    assert client.get(f"/practice-disclosures/{dana_d.id}").status_code == 404
    auth.logout()
    # another certificant: 404 on Dana's, whatever the page
    auth.login(otto)
    for path in ("", "/withdrawal"):
        assert client.get(f"/practice-disclosures/{dana_d.id}{path}").status_code == 404
    assert DESCRIPTION not in client.get("/practice-disclosures").data.decode()
    auth.logout()
    # staff see nothing until the sweep flags a disclosure
    auth.login(people["chair"])
    assert client.get(f"/practice-disclosures/{dana_d.id}").status_code == 404
    assert client.post(f"/practice-disclosures/{dana_d.id}/open-case").status_code == 404
    assert "Dana" not in client.get("/practice-disclosures/flagged").data.decode()
    auth.logout()
    # a chair's own flagged disclosure is never theirs to see as staff
    with app.app_context():
        d = db.session.get(PracticeDisclosure, otto_d.id)
        d.owner_id = people["chair"].id
        d.status, d.withdrawal_due_on, d.flagged_at = "withdrawal_required", MONDAY.date(), MONDAY
        db.session.commit()
    auth.login(people["chair"])
    page = client.get("/practice-disclosures/flagged").data.decode()
    assert "Otto" not in page and "No disclosure is flagged" in page
    assert client.post(f"/practice-disclosures/{otto_d.id}/open-case").status_code == 403
    auth.logout()
    auth.login(people["admin"])
    assert "Otto Other" in client.get("/practice-disclosures/flagged").data.decode()
    assert client.get(f"/practice-disclosures/{otto_d.id}/withdrawal").status_code == 403


@pytest.mark.parametrize("fields, ok", [
    ({"status": "awaiting"}, True),
    ({"status": "acknowledged"}, True),
    ({"status": "withdrawal_required"}, False),  # no date to withdraw by
    ({"status": "withdrawal_required", "withdrawal_due_on": MONDAY.date()}, True),
    ({"status": "withdrawn", "withdrawal_due_on": MONDAY.date()}, False),  # no withdrawal date
    ({"status": "withdrawn", "withdrawal_due_on": MONDAY.date(), "withdrawn_on": MONDAY.date(),
      "withdrawal_confirmed_at": MONDAY}, True),
    ({"status": "pending"}, False),
    ({"status": "awaiting", "case_id": 1}, False),  # a case only from a flagged disclosure
])
def test_the_database_ties_each_state_to_its_dates(app, make, fields, ok):
    from sqlalchemy.exc import IntegrityError

    owner = make.user()
    record = make.certificant()
    with app.app_context():
        db.session.add(PracticeDisclosure(owner_id=owner.id, certificant_id=record.id,
                                          kind="conflict", description="x",
                                          disclosed_on=MONDAY.date(), **fields))
        if ok:
            db.session.flush()
        else:
            with pytest.raises(IntegrityError):
                db.session.flush()
        db.session.rollback()


def test_opening_a_staff_case_tells_an_undeclared_chair_only_the_number(
        app, make, cast, auth, client, smtp, runner):
    from datetime import timedelta

    from app import clock
    from app.practice_disclosures.models import DisclosureParty

    people = cast("discloser", "chair", "admin", "member")
    other_chair = make.user("chair", "member", email="cora@example.com", name="Cora Chair")
    with app.app_context():
        now = clock.now()
        d = PracticeDisclosure(
            owner_id=people["discloser"].id, certificant_id=people["discloser"].certificant_id,
            kind="conflict", description=DESCRIPTION, status="withdrawal_required",
            disclosed_on=now.date() - timedelta(days=20),
            withdrawal_due_on=now.date() - timedelta(days=2), flagged_at=now)
        d.parties = [DisclosureParty(name="Pat Party", email="pat@example.com", role="client",
                                     link_nonce="y" * 32, link_expires_at=now + timedelta(days=30),
                                     answer="objected", answered_at=now)]
        db.session.add(d)
        db.session.commit()
        disclosure_id = d.id
    auth.login(people["chair"])
    r = client.post(f"/practice-disclosures/{disclosure_id}/open-case", follow_redirects=True)
    number = number_in(r.data.decode())
    _send(runner)
    [mail] = smtp.to(other_chair.email)
    text = smtp.text_of(mail)
    assert number in text and "declare" in text
    for detail in ("Dana", "practice disclosure", "withdrawal", DESCRIPTION[:20]):
        assert detail not in text, f"an undeclared chair was told {detail!r}"
    assert not smtp.to(people["chair"].email), "the chair who opened it is not told"
