"""Representatives (issue 14), through the real pages, the sweep and real SMTP.

A party names counsel or another person; the representative gets the party's notices and
documents (and shows in the disclosure log), files for the party, sees what the party sees
and nothing more, and loses everything the moment the party revokes the authority.
"""
from __future__ import annotations

import io
from datetime import UTC, datetime

from case_helpers import PDF, declare, file_complaint, number_in
from conftest import Auth
from sqlalchemy import select
from test_proceedings import (  # noqa: F401  (w is the fixture)
    COMMITTEE,
    body,
    mail_to,
    problem,
    text,
    w,
    words,
)

from app import clock
from app.accounts.models import User
from app.accounts.services import create_user, set_roles, verify_email
from app.accounts.tokens import fingerprint, make_token
from app.audit.models import AuditEntry
from app.cases.models import Case, Disclosure, Evidence
from app.coi.models import Recusal
from app.extensions import db
from app.representatives.models import Representative

LENA = ("lena@counsel.example", "Lena Lawyer")


def served(w, withhold: bool = False) -> None:  # noqa: F811
    """Clara files; the chair declares and serves Rory; the members declare. Rory has not
    answered yet."""
    r, _ = file_complaint(w.app, w.clients["clara"], "CCM-400004", codes=("S7", "S23"),
                          files=(("invoice.pdf", PDF),),
                          **({"withhold_identity_requested": "y"} if withhold else {}))
    w.number = number_in(text(r))
    declare(w.clients["chair"], w.number)
    with w.app.app_context():
        evidence = [e.id for e in db.session.execute(
            select(Evidence).join(Case).where(Case.number == w.number)).scalars()]
    w.do("chair", "accept", respondent_email="rory@example.com", disclose=evidence,
         **({"withhold_identity": "y"} if withhold else {}))
    for who in ("ivy", "hugo"):
        assert declare(w.clients[who], w.number).status_code == 200


def sign_up(w, who: str, email: str, name: str, *, verified: bool = True, roles=()):  # noqa: F811
    """An account for someone the walk did not start with, signed in on its own client."""
    with w.app.app_context():
        user = create_user(email, name, "correct horse battery staple", verified=verified,
                           roles=tuple(roles))
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
    w.users[who] = user
    w.clients[who] = w.app.test_client()
    if verified:
        Auth(w.clients[who]).login(user, password="correct horse battery staple")
    return user


def name_rep(w, who: str, email: str = LENA[0], name: str = LENA[1], kind: str = "counsel"):  # noqa: F811
    return w.clients[who].post(f"/cases/{w.number}/representative", data={
        "representative-name": name, "representative-email": email,
        "representative-kind": kind}, follow_redirects=True)


def decide(w, who: str, rep_id: int, decision: str, reason: str = ""):  # noqa: F811
    key = f"decide-representative-{rep_id}"
    return w.clients[who].post(f"/cases/{w.number}/representatives/{rep_id}/decision",
                               data={f"{key}-decision": decision, f"{key}-reason": reason},
                               follow_redirects=True)


def revoke(w, who: str, rep_id: int, confirm: bool = True, reason: str = "New counsel."):  # noqa: F811
    data = {"revoke-representative-reason": reason}
    if confirm:
        data["revoke-representative-confirm"] = "y"
    return w.clients[who].post(f"/cases/{w.number}/representatives/{rep_id}/revocation",
                               data=data, follow_redirects=True)


def rep_row_of(w, email: str) -> Representative:  # noqa: F811
    with w.app.app_context():
        row = db.session.execute(select(Representative).where(
            Representative.email == email).order_by(Representative.id.desc())).scalars().first()
        db.session.expunge(row)
        return row


def rep_row(w) -> Representative:  # noqa: F811
    with w.app.app_context():
        row = db.session.execute(select(Representative).order_by(
            Representative.id.desc())).scalars().first()
        db.session.expunge(row)
        return row


def test_the_respondents_counsel_is_named_gets_the_notices_files_the_answer_and_sees_what_the_respondent_sees(w):  # noqa: F811,E501
    served(w, withhold=True)
    sign_up(w, "lena", *LENA)
    w.mail()
    rory_page = w.page("rory")
    assert "Name a representative" in rory_page
    # named through the real page
    r = name_rep(w, "rory")
    page = text(r)
    # the complainant's identity is withheld: the respondent's naming waits for the office,
    # which knows who is on the complainant's side
    assert r.status_code == 200 and "The office confirms a representative" in page, \
        problem(page)
    assert "Your representative: Lena Lawyer (counsel, lena@counsel.example)" in words(page)
    assert "waiting for the office's confirmation" in words(page)
    assert "Revoke their authority" in page
    sent = w.mail()
    assert mail_to(sent, LENA[0], "you represent the respondent") == []  # not yet
    assert mail_to(sent, "chair@example.com", "the respondent named a representative to confirm")
    assert w.clients["lena"].get(f"/cases/{w.number}").status_code == 404
    rep = rep_row(w)
    r = decide(w, "chair", rep.id, "confirm")
    assert r.status_code == 200 and "Lena Lawyer now acts for the respondent" in text(r), \
        problem(text(r))
    sent = w.mail()
    [told] = mail_to(sent, LENA[0], "you represent the respondent")
    assert "Rory Respondent has named you to represent them" in body(told)
    rep = rep_row(w)
    assert rep.user_id == w.id("lena") and rep.party_role == "respondent" and rep.kind == "counsel"

    # the representative sees the respondent's page: allegations, the evidence disclosed,
    # the answer form; not the complainant (withheld), nor anything of staff
    lena = w.page("lena")
    assert "You represent the respondent in this case" in words(lena)
    assert "S7" in lena and "invoice.pdf" in lena
    assert "Send my answer" in lena and "Ask for more time" in lena
    assert "Clara Complainant" not in lena and "Withheld at the complainant's request" in lena
    for staff_only in ("Internal notes", "Disclosure log", "Who opened this case",
                       "Declarations, recusals and who may serve", "Accept and serve"):
        assert staff_only not in lena, staff_only
    assert "Name a representative" not in lena and "Revoke their authority" not in lena
    # the respondent's thread with the office is the respondent's alone
    assert w.clients["lena"].get(f"/cases/{w.number}/messages/respondent").status_code == 404
    # and the case is listed on the representative's home
    assert w.number in text(w.clients["lena"].get("/"))

    # the representative asks for more time: the chair's decision reaches both by SMTP
    w.do("lena", "request_extension", text="Counsel was only just instructed.",
         until="2026-12-20")
    w.do("chair", "decide_extension", decision="grant", new_due_on="2026-12-18",
         text="Granted once.")
    sent = w.mail()
    for address in ("rory@example.com", LENA[0]):
        [notice] = mail_to(sent, address, "extension granted")
        assert "2026-12-18" in body(notice)
    [copy] = mail_to(sent, LENA[0], "extension granted")
    assert "You receive this copy as the representative of the respondent" in body(copy)
    assert "Clara" not in body(copy)

    # the representative files the answer for the respondent: recorded as theirs for him
    w.do("lena", "respond", text="On behalf of my client: the allegations are denied.")
    assert w.status() == "investigation"
    chair_page = words(w.page("chair"))
    assert "(by Lena Lawyer, representative, for the respondent)" in chair_page
    assert "the allegations are denied" in w.page("rory")
    with w.app.app_context():
        entry = db.session.execute(select(AuditEntry).where(
            AuditEntry.action == "case.respond")).scalar_one()
        assert entry.actor_id == w.id("lena")
        assert entry.details["for_party"] == "respondent"
        assert entry.personal["text"].startswith("by Lena Lawyer for the respondent Rory Respondent")

    # staff see the representative; the complainant does not see the respondent's
    assert "Lena Lawyer" in chair_page and "acting" in chair_page
    clara = w.page("clara")
    assert "lena@counsel.example" not in clara and "Name a representative" in clara

    # a document issued to the respondent reaches the representative too, and the
    # disclosure log says so
    r = w.clients["ada"].post(f"/cases/{w.number}/documents/notice_of_complaint/issue",
                              data={"reason": ""}, follow_redirects=True)
    assert r.status_code == 200 and "issued and sent" in text(r), problem(text(r))
    sent = w.mail()
    [pdf_copy] = mail_to(sent, LENA[0], "Notice of complaint")
    assert any(part.get_filename() == f"{w.number}-D1.pdf" for part in pdf_copy.iter_attachments())
    with w.app.app_context():
        logged = db.session.execute(select(Disclosure).where(
            Disclosure.recipient_email == LENA[0])).scalars().all()
        assert [d.how for d in logged] == ["email (for the respondent)"]
    assert "email (for the respondent)" in w.page("ada")
    lena = w.page("lena")
    assert f"{w.number}-D1" in lena
    with w.app.app_context():
        assert db.session.execute(select(Disclosure.item_id).where(
            Disclosure.recipient_email == LENA[0])).scalar_one()
    assert w.clients["lena"].get(f"/documents/{w.number}-D1.pdf").status_code == 200


def test_the_party_revokes_and_the_representative_loses_everything_at_once(w):  # noqa: F811
    served(w)
    sign_up(w, "lena", *LENA)
    name_rep(w, "rory")
    rep = rep_row(w)
    with w.app.app_context():
        evidence_id = db.session.execute(select(Evidence.id)).scalars().first()
    assert w.clients["lena"].get(f"/evidence/{evidence_id}").status_code == 200
    w.mail()
    # only the party who named the representative revokes, and only with the box ticked
    assert revoke(w, "clara", rep.id).status_code == 403
    assert revoke(w, "lena", rep.id).status_code == 403
    r = revoke(w, "rory", rep.id, confirm=False)
    assert r.status_code == 400 and "this cannot be undone" in text(r)
    assert rep_row(w).revoked_at is None
    r = revoke(w, "rory", rep.id)
    assert r.status_code == 200 and "Lena Lawyer no longer represents you" in text(r)
    row = rep_row(w)
    assert row.revoked_at is not None and row.revoked_by_id == w.id("rory")
    assert row.revoke_reason == "New counsel."
    [told] = mail_to(w.mail(), LENA[0], "your authority to represent has ended")
    assert "revoked your authority to act for them" in body(told)
    # at once: no page, no filing, no evidence, no documents, no list
    assert w.clients["lena"].get(f"/cases/{w.number}").status_code == 404
    r = w.post("lena", "respond", text="Still here?")
    assert r.status_code == 404
    assert w.clients["lena"].get(f"/evidence/{evidence_id}").status_code == 404
    assert w.number not in text(w.clients["lena"].get("/"))
    # and mail to the respondent no longer goes to her
    w.do("rory", "request_extension", text="I need time to find new counsel.")
    w.do("chair", "decide_extension", decision="refuse", text="Refused.")
    sent = w.mail()
    assert mail_to(sent, "rory@example.com", "extension refused")
    assert not mail_to(sent, LENA[0])
    with w.app.app_context():
        actions = [e.action for e in db.session.execute(select(AuditEntry).where(
            AuditEntry.action.like("representative.%")).order_by(AuditEntry.id)).scalars()]
    assert actions == ["representative.named", "representative.revoked"]
    # the party may now name someone else
    assert "Name a representative" in w.page("rory")


def test_who_may_not_represent_and_the_messages_saying_so(w):  # noqa: F811
    served(w)
    sign_up(w, "lena", *LENA)
    sign_up(w, "otto", "otto@counsel.example", "Otto Other")
    # a committee member on the case, the other party, oneself: refused next to the field
    # every conflict gets the same words: the form never tells the respondent whether an
    # address is the complainant's (whose identity may be withheld)
    conflict = "cannot act for you in this case: they have a part in it already"
    for email, message in (("hugo@example.com", conflict), ("ada@example.com", conflict),
                           ("clara@example.com", conflict),
                           ("rory@example.com", "cannot name yourself")):
        r = name_rep(w, "rory", email=email, name="Someone")
        page = text(r)
        assert r.status_code == 400 and message in page, (email, problem(page))
        assert 'id="representative-email-error"' in page
    # the complainant may not name the respondent as theirs either
    r = name_rep(w, "clara", email="rory@example.com", name="Rory")
    assert r.status_code == 400 and conflict in text(r)
    # a form without a name or kind
    r = name_rep(w, "rory", name="", kind="")
    assert r.status_code == 400 and "Give the representative's name." in text(r)
    assert "Choose counsel or another person." in text(r)
    with w.app.app_context():
        assert db.session.execute(select(Representative)).first() is None
    # one at a time
    assert name_rep(w, "rory").status_code == 200
    r = w.clients["rory"].post(f"/cases/{w.number}/representative", data={
        "representative-name": "Otto Other", "representative-email": "otto@counsel.example",
        "representative-kind": "other"})
    assert r.status_code == 400
    assert "Lena Lawyer already represents you in this case: revoke that authority first" \
        in text(r)
    # a representative does not name representatives, nor revoke, nor see other parties'
    assert name_rep(w, "lena", email="otto@counsel.example").status_code == 403
    # outsiders and staff do not name
    assert name_rep(w, "otto").status_code == 404
    assert name_rep(w, "chair", email="otto@counsel.example").status_code == 403
    # Lena acts for Rory: she cannot act for Clara too
    r = name_rep(w, "clara", email=LENA[0])
    assert r.status_code == 400 and conflict in text(r)
    r = name_rep(w, "clara", email="otto@counsel.example", name="Otto Other", kind="other")
    assert "Your representative: Otto Other (another person" in words(text(r))
    # nor once revoked: a representative never changes sides in a case
    revoke(w, "rory", rep_row_of(w, LENA[0]).id)
    revoke(w, "clara", rep_row_of(w, "otto@counsel.example").id)
    r = name_rep(w, "clara", email=LENA[0])
    assert r.status_code == 400 and conflict in text(r)


def test_a_representative_named_before_having_an_account_is_mailed_then_linked(w):  # noqa: F811
    served(w)
    assert name_rep(w, "rory", email="nina@counsel.example", name="Nina New",
                    kind="other").status_code == 200
    rep = rep_row(w)
    assert rep.user_id is None
    assert "no account with this email yet" in w.page("rory")
    sent = w.mail()
    [told] = mail_to(sent, "nina@counsel.example", "you represent the respondent")
    assert "Create an account with this email address" in body(told)
    # until linked, mail still reaches her
    w.do("rory", "request_extension", text="Counsel needs time.")
    w.do("chair", "decide_extension", decision="grant", new_due_on="2026-12-18", text="")
    assert mail_to(w.mail(), "nina@counsel.example", "extension granted")
    # she registers and confirms her address: the representation is hers
    nina = sign_up(w, "nina", "nina@counsel.example", "Nina New", verified=False)
    with w.app.app_context():
        token = make_token("verify", {"uid": nina.id, "email": fingerprint(nina.email)})
        verify_email(token)
        db.session.commit()
    assert rep_row(w).user_id == nina.id
    Auth(w.clients["nina"]).login(nina, password="correct horse battery staple")
    assert "You represent the respondent in this case" in words(w.page("nina"))


def test_a_representative_made_a_committee_member_is_recused_from_the_case(w):  # noqa: F811
    served(w)
    # a member of the committee never acts for a party before it (not even one who has not
    # declared on the case: naming them would take them off it)
    r = name_rep(w, "clara", email="aria@example.com", name="Aria Appeal")
    assert r.status_code == 400 and "they have a part in it already" in text(r)
    # someone named first and given a committee role later is recused from the case at once
    lena = sign_up(w, "lena", *LENA)
    assert name_rep(w, "clara").status_code == 200
    with w.app.app_context():
        set_roles(db.session.get(User, lena.id), {"member"},
                  db.session.get(User, w.id("chair")))
        db.session.commit()
        recusal = db.session.execute(select(Recusal).where(
            Recusal.member_id == lena.id)).scalar_one()
        assert recusal.cause == "party" and recusal.reason == ("Represents the complainant in "
                                                               "the case.")
    # she sees the case as the complainant does, not as a member
    page = w.page("lena")
    assert "You represent the complainant in this case" in words(page)
    assert "Declare" not in page and "Internal notes" not in page
    assert "Cast my vote" not in page


def test_the_complainants_representative_files_for_the_complainant(w):  # noqa: F811
    served(w)
    sign_up(w, "lena", *LENA)
    name_rep(w, "clara")
    clock.freeze(datetime(2026, 11, 3, 9, tzinfo=UTC))
    lena = w.page("lena")
    assert "You represent the complainant in this case" in words(lena)
    assert "Ask to withdraw my complaint" in lena
    # the respondent's answer form is not hers
    assert "Send my answer" not in lena
    assert w.post("lena", "respond", text="Not mine to send.").status_code == 403
    w.do("lena", "request_withdrawal", text="My client has settled.")
    assert "(by Lena Lawyer, representative, for the complainant)" in words(w.page("chair"))
    assert COMMITTEE  # the committee of the walk is unchanged


def test_the_representative_writes_to_the_office_in_a_thread_of_their_own(w):  # noqa: F811
    served(w)
    lena = sign_up(w, "lena", *LENA)
    name_rep(w, "rory")
    key = f"representative-{lena.id}"
    # Rory's own thread with the office stays his
    r = w.clients["rory"].post(f"/cases/{w.number}/messages/respondent",
                               data={"text": "RORY-PRIVATE a word for the office only."})
    assert r.status_code == 302
    assert w.clients["lena"].get(f"/cases/{w.number}/messages/respondent").status_code == 404
    assert f"/messages/{key}" in w.page("lena")
    r = w.clients["lena"].post(f"/cases/{w.number}/messages/{key}",
                               data={"text": "Please copy me on the hearing dates.",
                                     "files": [(io.BytesIO(PDF), "lena-note.pdf")]},
                               content_type="multipart/form-data")
    assert r.status_code == 302
    assert "Please copy me on the hearing dates." in text(
        w.clients["lena"].get(f"/cases/{w.number}/messages/{key}"))
    # the office reads both, each apart
    chair = text(w.clients["chair"].get(f"/cases/{w.number}/messages/{key}"))
    assert "Please copy me" in chair and "RORY-PRIVATE" not in chair
    assert "Representative of the respondent: Lena Lawyer" in w.page("chair")
    # the respondent does not read his counsel's thread either, nor the file sent in it
    assert w.clients["rory"].get(f"/cases/{w.number}/messages/{key}").status_code == 404
    assert "lena-note.pdf" in w.page("lena") and "lena-note.pdf" not in w.page("rory")
    with w.app.app_context():
        note = db.session.execute(select(Evidence).where(
            Evidence.original_name == "lena-note.pdf")).scalar_one()
    assert w.clients["rory"].get(f"/evidence/{note.id}").status_code in (403, 404)
    # revoked, the thread is closed to her
    revoke(w, "rory", rep_row(w).id)
    assert w.clients["lena"].get(f"/cases/{w.number}/messages/{key}").status_code == 404
    # the office still reads it, for the record, and cannot write to her there any more
    chair = text(w.clients["chair"].get(f"/cases/{w.number}/messages/{key}"))
    assert "Please copy me on the hearing dates." in chair
    assert "Former representative of the respondent: Lena Lawyer (no longer acting)" in chair
    r = w.clients["chair"].post(f"/cases/{w.number}/messages/{key}",
                                data={"text": "Are you still acting?"})
    assert r.status_code == 400 and "no longer acts for the party" in text(r)
    assert "Are you still acting?" not in text(
        w.clients["chair"].get(f"/cases/{w.number}/messages/{key}"))


def test_counsel_made_an_administrator_never_reads_the_case_as_staff(w):  # noqa: F811
    served(w)
    lena = sign_up(w, "lena", *LENA)
    name_rep(w, "rory")
    with w.app.app_context():
        set_roles(db.session.get(User, lena.id), {"admin"}, db.session.get(User, w.id("chair")))
        db.session.commit()
    # she still sees the respondent's view, and nothing of staff
    page = w.page("lena")
    assert "You represent the respondent in this case" in words(page)
    for staff_only in ("Internal notes", "Disclosure log", "Who opened this case",
                       "Accept and serve"):
        assert staff_only not in page, staff_only
    assert w.number not in text(w.clients["lena"].get("/cases"))
    # revoked, she has no way in at all: not as counsel, not as an administrator
    revoke(w, "rory", rep_row(w).id)
    assert w.clients["lena"].get(f"/cases/{w.number}").status_code == 404
    assert w.number not in text(w.clients["lena"].get("/cases"))


def test_where_the_complainant_is_withheld_the_form_never_tells_whose_address_it_is(w):  # noqa: F811,E501
    served(w, withhold=True)
    # Rory guesses the complainant's address, then an unrelated one: the same answer
    answers = []
    for email, person in (("clara@example.com", "Guess One"), ("otto@counsel.example", "Otto")):
        r = name_rep(w, "rory", email=email, name=person)
        assert r.status_code == 200, problem(text(r))
        said = words(text(r)).replace(person, "NAME").replace(email, "EMAIL")
        # what the page says of this naming: the message and the party's own line
        answers.append([said[said.index(p):].split(".")[0]
                        for p in ("NAME is named", "Your representative:")])
        rep = rep_row(w)
        assert rep.pending
        # nobody named this way reads the case or is mailed before the office decides
        assert mail_to(w.mail(), email, "you represent the respondent") == []
        if person == "Guess One":
            # the chair sees the conflict, cannot confirm it, refuses it in neutral words
            chair = text(w.clients["chair"].get(f"/cases/{w.number}"))
            assert "has a part on the complainant's side" in chair
            r = decide(w, "chair", rep.id, "confirm")
            assert r.status_code == 400 and "refuse the naming" in text(r)
            r = decide(w, "chair", rep.id, "refuse", reason="The complainant.")
            assert r.status_code == 200
            told = mail_to(w.mail(), "rory@example.com", "your representative was not accepted")
            assert told and "could not accept Guess One" in body(told[0])
            assert "complainant" not in body(told[0]).lower()
            assert "The complainant." not in w.page("rory")  # the reason is the office's
    assert answers[0] == answers[1]
    # the unrelated one is confirmed and acts from now
    r = decide(w, "chair", rep_row(w).id, "confirm")
    assert r.status_code == 200 and rep_row(w).active
    # a member of the committee is refused at the form in every case (membership is no
    # secret), in the same words as any conflict
    revoke(w, "rory", rep_row(w).id)
    r = name_rep(w, "rory", email="hugo@example.com", name="Hugo")
    assert r.status_code == 400 and "they have a part in it already" in text(r)
    # only the chair or an administrator decides, and only while the naming waits
    r = name_rep(w, "rory", email="wendy@counsel.example", name="Wendy")
    waiting = rep_row(w).id
    for who in ("hugo", "rory", "clara"):
        assert decide(w, who, waiting, "confirm").status_code in (403, 404)
    assert decide(w, "chair", waiting, "confirm").status_code == 200
    assert decide(w, "chair", waiting, "refuse").status_code == 403
