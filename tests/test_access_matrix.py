"""Every URL rule the app registers × anonymous and each role → the expected status.

A new route without a row in EXPECTED fails `test_every_route_has_a_row`, so
nobody can add a page without deciding who may reach it.
"""
from __future__ import annotations

import io
from datetime import date

import pytest
from werkzeug.datastructures import FileStorage

from app import clock
from app.accounts.tokens import fingerprint, make_token
from app.exports.models import Export
from app.extensions import db
from app.jobs.models import Job
from app.notifications.models import OutboxMessage
from app.records.models import DisposalBatch, LegalHold
from app.registry.models import LinkRequest

# "certificant" files the matrix's case; "outsider" is another plain account,
# party to nothing. Staff roles are party to nothing either. On the matrix's case
# (S7) "member" and "chair" have declared "no conflict", "recused" is a member whom
# an objection to their disclosure recused, and "awaiting" a member who has not
# declared yet. "respondent_rep" represents the respondent of both matrix cases (the first
# is not served yet, so it is not theirs to follow, as it is not the respondent's; the
# second is); "complainant_rep" represents the certificant, the complainant of both.
ROLES = ("anon", "certificant", "outsider", "member", "chair", "admin", "recused", "awaiting",
         "respondent_rep", "complainant_rep")
PUBLIC = {r: 200 for r in ROLES}


def only(*allowed: str, ok=200, denied=403) -> dict:
    """Anonymous → sign-in redirect; listed roles → ok; others → denied.

    Outside a case, an outsider is a certificant and the recused and awaiting members
    are members like any other.
    """
    if "certificant" in allowed:
        allowed = (*allowed, "outsider", "respondent_rep", "complainant_rep")
    if "member" in allowed:
        allowed = (*allowed, "recused", "awaiting")
    return {"anon": 302} | {r: (ok if r in allowed else denied) for r in ROLES[1:]}


def case_route(**by_role) -> dict:
    """A route inside a case: outsiders and recused members get 404, as if the case did not
    exist; a member who has not declared gets 404 too (only the case page answers them).

    A representative sees what the party sees, nothing more: the complainant's
    representative answers as the certificant unless a row says otherwise; the respondent's
    gets 404 on the first case, not served (rows on the second case say what they get).
    """
    row = {"anon": 302, "outsider": 404, "recused": 404, "awaiting": 404,
           "respondent_rep": 404} | by_role
    row.setdefault("complainant_rep", row["certificant"])
    return row


SIGNED_IN = only("certificant", "member", "chair", "admin")
STAFF = only("member", "chair", "admin")
ADMIN = only("admin")
ADMIN_POST = only("admin", ok=302)

# endpoint -> expected status per role (GET where the rule allows it, else POST)
EXPECTED: dict[str, dict] = {
    "static": PUBLIC,
    "main.healthz": PUBLIC,
    "main.accessibility": PUBLIC,
    "main.home": SIGNED_IN,
    # signed-in people are sent home from these
    "accounts.login": {"anon": 200} | {r: 302 for r in ROLES[1:]},
    "accounts.register": {"anon": 200} | {r: 302 for r in ROLES[1:]},
    "accounts.verify_email": {r: 302 for r in ROLES},
    "accounts.forgot_password": PUBLIC,
    # the matrix passes a token minted for another purpose: a clear error page
    "accounts.reset_password": {r: 400 for r in ROLES},
    "accounts.logout": {r: 302 for r in ROLES},
    "accounts.profile": SIGNED_IN,
    "accounts.change_password": SIGNED_IN,
    "accounts.admin_list": ADMIN,
    "accounts.admin_detail": ADMIN,
    "accounts.admin_set_active": ADMIN_POST,
    # one's own sessions; the matrix posts no session to end: 404
    "account_security.my_sessions": SIGNED_IN,
    "account_security.end_session": only("certificant", "member", "chair", "admin", ok=404),
    "account_security.admin_end_sessions": ADMIN_POST,
    # the second sign-in step needs a password proved first: back to the sign-in page
    "accounts.second_factor": {r: 302 for r in ROLES},
    # nobody in the matrix has a second factor: the status page and its forms lead to setup
    "account_security.mfa_status": only("certificant", "member", "chair", "admin", ok=302),
    "account_security.mfa_setup": SIGNED_IN,
    "account_security.recovery_codes": only("certificant", "member", "chair", "admin", ok=302),
    "account_security.mfa_disable": only("certificant", "member", "chair", "admin", ok=302),
    "account_security.admin_reset_mfa": ADMIN_POST,
    "registry.search": STAFF,
    "registry.detail": STAFF,
    "registry.import_csv": ADMIN,
    "registry.request_link": only("certificant", "member", "chair", "admin", ok=302),
    "registry.link_requests": ADMIN,
    "registry.decide_link": only("admin", ok=400),  # no decision given
    "catalogue.index": SIGNED_IN,
    "catalogue.version": SIGNED_IN,
    "catalogue.add_version": ADMIN,
    "catalogue.add_item": only("admin", ok=400),  # an empty form is refused
    "catalogue.edit_item": SIGNED_IN,
    "catalogue.delete_item": ADMIN_POST,
    "audit.index": ADMIN,
    "outbox.index": ADMIN,
    "outbox.detail": ADMIN,
    "jobs.index": ADMIN,
    "jobs.detail": ADMIN,
    "jobs.bulk_issue": ADMIN,
    "jobs.resend": ADMIN_POST,
    "records.schedule": ADMIN,
    "records.holds": ADMIN,
    "records.lift_hold": ADMIN,
    "disposal.index": ADMIN,
    "disposal.batch": ADMIN,
    "disposal.confirm": ADMIN_POST,
    "disposal.certificate": ADMIN_POST,
    "disposal.certificate_pdf": only("admin", ok=404),
    # cases
    "filing.new_complaint": SIGNED_IN,
    "filing.new_self_report": only(),  # nobody in the matrix is linked to the registry
    "cases.my_complaints": SIGNED_IN,
    "cases.my_matters": SIGNED_IN,
    "cases.case_list": STAFF,
    "cases.intake_queue": only("chair", "admin"),
    # the draft belongs to "certificant": only its author reaches it
    # (a draft and the filer's receipt are the filer's own, not their representative's)
    "filing.edit_draft": case_route(certificant=200, member=404, chair=404, admin=404,
                                    complainant_rep=404),
    "filing.choose_respondent": case_route(certificant=302, member=404, chair=404, admin=404,
                                           complainant_rep=404),
    "filing.remove_evidence": case_route(certificant=302, member=404, chair=404, admin=404,
                                         complainant_rep=404),
    "filing.receipt": case_route(certificant=200, member=200, chair=200, admin=200,
                                 complainant_rep=404),
    # the member who has not declared gets the number and the declaration form only
    "proceedings.detail": case_route(certificant=200, member=200, chair=200, admin=200, awaiting=200),
    # the matrix posts an empty "accept": intake staff get a stale-form refusal (409)
    "proceedings.act": case_route(certificant=403, member=403, chair=409, admin=409),
    "proceedings.add_note": case_route(certificant=403, member=400, chair=400, admin=400),
    # the file is in the draft: only its uploader reaches it (staff see no drafts)
    "cases.download": case_route(certificant=200, member=404, chair=404, admin=404,
                                 complainant_rep=404),
    # documents: staff preview; administrators issue; the receipt is addressed to
    # "certificant"; verification is public
    "proceedings.preview_document": case_route(certificant=403, member=200, chair=200, admin=200),
    "proceedings.issue_document": case_route(certificant=403, member=403, chair=403, admin=200),
    "documents.download": case_route(certificant=200, member=200, chair=200, admin=200),
    # conflicts of interest (S7): the matrix posts empty forms. Declaring and withdrawing
    # belong to committee members (400: the form is incomplete); objections to the parties
    # (the certificant's objection stands: 400; withdrawing it: 302); the conflicts page
    # and reinstatement to the chair and administrators
    "proceedings.declare": case_route(certificant=403, member=403, chair=403, admin=403, awaiting=400),
    "proceedings.recuse": case_route(certificant=403, member=400, chair=400, admin=403, awaiting=400),
    "proceedings.object_to": case_route(certificant=400, member=403, chair=403, admin=403),
    "proceedings.withdraw_objection": case_route(certificant=302, member=403, chair=403, admin=403),
    "coi.panel": case_route(certificant=403, member=403, chair=200, admin=200),
    "coi.reinstate": case_route(certificant=403, member=403, chair=400, admin=400),
    "documents.verify_start": PUBLIC,
    "documents.verify": PUBLIC,
    # practice disclosures: the world's one belongs to a certificant outside the matrix and
    # is flagged, so staff see it; only its owner manages it
    "practice_disclosures.mine": SIGNED_IN,
    "practice_disclosures.new_disclosure": only(),  # nobody in the matrix is linked
    "practice_disclosures.detail": case_route(certificant=404, member=200, chair=200, admin=200,
                                              recused=200, awaiting=200),
    "practice_disclosures.confirm_withdrawal": case_route(certificant=404, member=403, chair=403,
                                                          admin=403, recused=403, awaiting=403),
    "practice_disclosures.resend_link": case_route(certificant=404, member=403, chair=403,
                                                   admin=403, recused=403, awaiting=403),
    "practice_disclosures.flagged": STAFF,
    "practice_disclosures.open_case": case_route(certificant=404, member=403, chair=302, admin=302,
                                                 recused=403, awaiting=403),
    # the matrix passes a token minted for another purpose: a clear error page
    "practice_disclosures.answer": {r: 400 for r in ROLES},
    # after the answer: these routes point at the matrix's second case, before the committee
    # (see _proceeding_for), where "member" is the investigator: separation of functions,
    # the investigator never votes (403). The chair's empty vote is refused with a message
    # on the case page; the administrator, not a committee member, has no vote.
    # no hearing is scheduled on the matrix case: nobody gets an invitation
    "proceedings.hearing_calendar": case_route(certificant=404, member=404, chair=404, admin=404),
    # The respondent's representative follows the second case as the respondent: 403.
    "proceedings.vote": case_route(certificant=403, member=403, chair=400, admin=403,
                                   respondent_rep=403),
    # the investigation file: staff on the case read it; only the investigator writes to it
    "proceedings.investigation": case_route(certificant=403, member=200, chair=200, admin=200,
                                            respondent_rep=403),
    "proceedings.task_done": case_route(certificant=403, member=302, chair=403, admin=403,
                                        respondent_rep=403),
    "proceedings.share": case_route(certificant=403, member=302, chair=403, admin=403,
                                    respondent_rep=403),
    # (the case is no longer under investigation: the investigator is told so, 302)
    "proceedings.add_evidence": case_route(certificant=403, member=302, chair=403, admin=403,
                                           respondent_rep=403),
    # representatives: the party names one (the matrix posts an empty form: 400) and revokes
    # it (without the box ticked: 400); nobody else, the representative included
    "proceedings.name_representative": case_route(certificant=400, member=403, chair=403,
                                                  admin=403, complainant_rep=403),
    "proceedings.revoke_representative": case_route(certificant=400, member=403, chair=403,
                                                    admin=403, complainant_rep=403),
    # the office decides a naming only while it waits (the matrix's are confirmed): nobody
    "proceedings.decide_representative": case_route(certificant=403, member=403, chair=403,
                                                    admin=403, complainant_rep=403),
    "cases.my_representing": SIGNED_IN,
    # the public register of sanctions: anyone, signed in or not
    "proceedings.public_register": PUBLIC,
    "proceedings.public_register_json": PUBLIC,
    # case messages (_messages_for): the thread page points at the respondent's thread on the
    # second case, which the certificant (its complainant) must not open; the attachment at
    # the certificant's own thread on the first. Staff cleared on the case are the office.
    # A party's thread is theirs alone: their representative does not read it.
    "messages.thread": case_route(certificant=404, member=200, chair=200, admin=200),
    "messages.attachment": case_route(certificant=200, member=200, chair=200, admin=200,
                                      complainant_rep=404),
    "messages.new_witness_link": case_route(certificant=403, member=200, chair=200, admin=200),
    "messages.revoke_witness_link": case_route(certificant=403, member=302, chair=302,
                                               admin=302),
    # an empty choice is refused with a message on the home page
    "messages.alert_setting": {r: 302 for r in ROLES},
    # the matrix passes a token minted for another purpose: a clear error page
    "messages.witness": {r: 400 for r in ROLES},
    "messages.stock_replies": ADMIN,
    "messages.delete_stock_reply": ADMIN_POST,
    # letters: the matrix's proposed version is the administrator's own: approving it needs
    # another administrator (403)
    "letters.index": ADMIN,
    "letters.edit": ADMIN,
    "letters.approve": only("admin", ok=403),
    "letters.reject": ADMIN_POST,
    "letters.revert": ADMIN_POST,
    # the committee office (app/office): figures for the chair and administrators; the
    # matrix exports the case list (staff; a recused member's export leaves the case out)
    "office.statistics": only("chair", "admin"),
    "office.export": STAFF,
    # intake flags: those who run intake on the case; the matrix posts an empty reason (400)
    "office.flags_considered": case_route(certificant=403, member=403, chair=400, admin=400),
    # annual reports: the chair and administrators read them (the matrix asks for a year
    # never issued: 404); administrators issue them (POST only, checked in test_office_report)
    "office.annual_report": only("chair", "admin"),
    "office.annual_report_pdf": only("chair", "admin", ok=404),
    "office.research_page": ADMIN,
    "office.research_extract": ADMIN,
    # one's own calendar link (committee members); the feed answers by secret link only
    # (the matrix passes an unknown token: 404 for everyone)
    "office.calendar_link": only("member", "chair"),
    "office.calendar_feed": {r: 404 for r in ROLES},
    # exports (app/exports): the record of the matrix's case for those who read it (built
    # at once, then to its page: 302); a case route for the others. The matrix's export is
    # the certificant's own data, expired: its page for them only, its download gone (410)
    "exports.request_record": case_route(certificant=302, member=302, chair=302, admin=302),
    "exports.my_data": SIGNED_IN,
    # (the export is the certificant's: only its requester opens it, not even their
    # representative, who may ask for a record of their own)
    "exports.status": case_route(certificant=200, member=404, chair=404, admin=404,
                                 complainant_rep=404),
    "exports.download": case_route(certificant=410, member=404, chair=404, admin=404,
                                   complainant_rep=404),
    "exports.data_requests": ADMIN,
}

# URL arguments that differ by route: (endpoint, argument) -> the key in the world's args
ROUTE_ARGS = {
    **{(endpoint, "number"): "proceeding_number" for endpoint in (
        "proceedings.vote", "proceedings.investigation", "proceedings.task_done",
        "proceedings.share", "proceedings.add_evidence")},
    ("proceedings.task_done", "item_id"): "task_id",
    ("messages.thread", "number"): "proceeding_number",
    ("messages.thread", "key"): "respondent_key",
    ("proceedings.share", "item_id"): "shareable_id",
    ("office.export", "name"): "export_name",
    ("office.annual_report_pdf", "number"): "report_number",
    ("office.calendar_feed", "token"): "calendar_token",
}


def _cases_for(app, make, complainant, respondent_cert) -> dict:
    """A submitted complaint, and a draft with one evidence file, both by `complainant`."""
    from app.accounts.models import User
    from app.cases import services
    from app.cases.uploads import check_and_store
    from app.catalogue.models import CodeItem
    from app.documents.services import issue as issue_document
    from app.proceedings import workflow
    from app.proceedings.documents import DOCUMENT_TYPES

    admin = make.user("admin")  # issues the receipt to the complainant
    with app.test_request_context():
        user = db.session.get(User, complainant.id)
        item = db.session.query(CodeItem).filter_by(code="S7").one()
        case = services.start_draft(user)
        services.save_draft(case, user, respondent=respondent_cert, relation="client",
                            attest_not_confidential=True, attest_good_faith=True,
                            allegations=[{"code_item_id": item.id,
                                          "conduct_from": date(2025, 1, 6), "facts": "Facts."}])
        workflow.apply(case, "submit", user)
        receipt = issue_document(case, DOCUMENT_TYPES["receipt"], admin)
        draft = services.start_draft(user)
        stored = check_and_store(FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "a.pdf"))
        [evidence] = services.attach_evidence(draft, [stored], "complaint", user)
        db.session.commit()
        return {"number": case.number, "case_id": draft.id, "evidence_id": evidence.id,
                "action": "accept", "kind": "receipt", "doc_number": receipt.number}


def _conflicts_for(app, people, number: str) -> dict:
    """On the matrix's case: the member and the chair declare "no conflict"; "recused"
    discloses a friendship, the certificant (the complainant) objects, and so recuses them;
    "awaiting" does nothing."""
    from app.accounts.models import User
    from app.cases.models import Case
    from app.coi import services as coi

    with app.test_request_context():
        case = db.session.query(Case).filter_by(number=number).one()
        for who in ("member", "chair"):
            coi.declare(case, db.session.get(User, people[who].id), "none")
        declaration = coi.declare(case, db.session.get(User, people["recused"].id),
                                  "disclosure", "friend", "We studied together.")
        objection = coi.object_to(declaration, db.session.get(User, people["certificant"].id))
        recusal = coi.open_recusal(people["recused"].id, case)
        db.session.commit()
        return {"declaration_id": declaration.id, "objection_id": objection.id,
                "recusal_id": recusal.id}


def _practice_disclosure_for(app, make) -> dict:
    """A flagged disclosure by a certificant who is none of the matrix's roles."""
    from datetime import timedelta

    from app import clock
    from app.practice_disclosures.models import DisclosureParty, PracticeDisclosure

    record = make.certificant()
    owner = make.user(certificant=record)
    with app.test_request_context():
        now = clock.now()
        disclosure = PracticeDisclosure(
            owner_id=owner.id, certificant_id=record.id, kind="conflict",
            description="Matrix disclosure.", status="withdrawal_required",
            disclosed_on=now.date() - timedelta(days=20),
            withdrawal_due_on=now.date() - timedelta(days=2), flagged_at=now)
        disclosure.parties = [DisclosureParty(
            name="Pat Party", email="pat@example.com", role="client", link_nonce="x" * 32,
            link_expires_at=now + timedelta(days=30), answer="objected", answered_at=now)]
        db.session.add(disclosure)
        db.session.commit()
        return {"disclosure_id": disclosure.id, "party_id": disclosure.parties[0].id}


def _proceeding_for(app, make, people) -> dict:
    """A second complaint by the certificant, carried to the committee's review: served,
    answered by default, investigated by "member", who keeps a task and a shareable note in
    the file; "member" and "chair" have declared "no conflict", "recused" withdrew, and
    "awaiting" has not declared."""
    from app.accounts.models import User
    from app.cases import services
    from app.catalogue.models import CodeItem
    from app.coi import services as coi
    from app.proceedings import services as proceedings
    from app.proceedings import workflow

    respondent = make.certificant(email="matrix-respondent@example.com")
    with app.test_request_context():
        user, member, chair = (db.session.get(User, people[r].id)
                               for r in ("certificant", "member", "chair"))
        item = db.session.query(CodeItem).filter_by(code="S22").one()
        case = services.start_draft(user)
        services.save_draft(case, user, respondent=respondent, relation="client",
                            attest_not_confidential=True, attest_good_faith=True,
                            allegations=[{"code_item_id": item.id,
                                          "conduct_from": date(2025, 3, 3), "facts": "More."}])
        workflow.apply(case, "submit", user)
        for who in (member, chair):
            coi.declare(case, who, "none")
        coi.recuse_self(case, db.session.get(User, people["recused"].id), "A former client.")
        workflow.apply(case, "accept", chair)
        workflow.apply(case, "record_default", None)  # the sweep's action, taken here
        workflow.apply(case, "assign_investigators", chair, member_ids=[member.id])
        task = proceedings.add_item(case, member, "task", "Call the employer")
        note = proceedings.add_item(case, member, "note", "The employer's account",
                                    text="Confirmed the dates.", shareable=True)
        workflow.apply(case, "refer", member, text="Findings.")
        db.session.commit()
        return {"proceeding_number": case.number, "task_id": task.id,
                "shareable_id": note.id, "question": "outcome"}


def _representatives_for(app, people, args) -> dict:
    """The respondent's representative on both cases, the complainant's on both."""
    from app.cases.models import Case
    from app.representatives.models import Representative

    with app.test_request_context():
        rows = {}
        for number in (args["number"], args["proceeding_number"]):
            case = db.session.query(Case).filter_by(number=number).one()
            for role, who in (("respondent", "respondent_rep"),
                              ("complainant", "complainant_rep")):
                rows[(number, role)] = Representative(
                    case_id=case.id, party_role=role, name=f"Counsel for the {role}",
                    email=people[who].email, kind="counsel", user_id=people[who].id,
                    named_by_id=people["certificant"].id, revoke_reason="",
                    confirmed_at=clock.now())
        db.session.add_all(rows.values())
        db.session.commit()
        return {"representative_id": rows[(args["number"], "complainant")].id}


def _messages_for(app, people, args) -> dict:
    """On the first case, a message with a file from the certificant and a witness's link;
    on the second (served), a message from the office to the respondent; a stock reply; a
    wording proposed by the administrator."""
    from app.access import ThreadRef
    from app.accounts.models import User
    from app.cases.models import Case
    from app.letters import services as letters
    from app.letters.catalogue import ALERT
    from app.messages import services as messages

    with app.test_request_context():
        case = db.session.query(Case).filter_by(number=args["number"]).one()
        other = db.session.query(Case).filter_by(number=args["proceeding_number"]).one()
        certificant, chair, admin = (db.session.get(User, people[r].id)
                                     for r in ("certificant", "chair", "admin"))
        message = messages.send(
            ThreadRef(case, "complainant"), certificant, "A detail I forgot.",
            [FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "more.pdf")], as_office=False)
        messages.send(ThreadRef(other, "respondent"), chair, "A question for you.",
                      as_office=True)
        link = messages.open_witness_link(case, chair, name="Wes Witness",
                                          email="wes@example.com", request="Your notes?",
                                          days=10)
        reply = messages.add_stock_reply(admin, "Thanks", "Thank you for your message.")
        version = letters.propose(ALERT, "New message on {{ case_number }}: {{ read_url }}",
                                  admin)
        db.session.commit()
        return {"key": "complainant", "respondent_key": "respondent",
                "attachment_id": message.attachments[0].id, "link_id": link.id,
                "reply_id": reply.id, "letter_key": ALERT.key,
                "letter_version_id": version.id}


@pytest.fixture
def world(app, make):
    """One of everything a URL can point at, and one account per role."""
    people = {
        "certificant": make.user(),
        "outsider": make.user(),
        "member": make.user("member"),
        "chair": make.user("chair", "member"),
        "admin": make.user("admin"),
        "recused": make.user("member"),
        "awaiting": make.user("member"),
        "respondent_rep": make.user(),
        "complainant_rep": make.user(),
    }
    target = make.user(email="target@example.com")
    cert = make.certificant()
    version_id = make.catalogue()
    with app.test_request_context():
        from app.catalogue.models import CodeVersion

        version = db.session.get(CodeVersion, version_id)
        item_id = version.items[-1].id
        req = LinkRequest(user_id=target.id, certificant_id=cert.id)
        msg = OutboxMessage(recipient="x@example.com", subject="s", template="t",
                            text_body="t", html_body="h")
        job = Job(kind="resend_failed", title="t", status="done")
        batch = DisposalBatch(due_by=clock.today(), status="warned")
        hold = LegalHold(certificant_id=cert.id, reason="Matrix hold", placed_by_id=people[
            "admin"].id)
        export = Export(kind="own_data", scope="self", requester_id=people["certificant"].id,
                        status="expired", total=1, done=1)
        db.session.add_all([req, msg, job, batch, hold, export])
        db.session.commit()
        args = {
            "user_id": target.id, "certificant_id": cert.id, "request_id": req.id,
            "version_id": version_id, "item_id": item_id, "message_id": msg.id,
            "filename": "style.css", "job_id": job.id, "batch_id": batch.id,
            "hold_id": hold.id, "export_id": export.id,
        }
        args["token"] = make_token("verify", {"uid": target.id,
                                              "email": fingerprint(target.email)})
    args |= _cases_for(app, make, people["certificant"], cert)
    args |= _conflicts_for(app, people, args["number"])
    args |= _practice_disclosure_for(app, make)
    args |= _proceeding_for(app, make, people)
    args |= _messages_for(app, people, args)
    args |= _representatives_for(app, people, args)
    args["export_name"] = "cases"
    args["report_number"] = "AR-1999"
    args["calendar_token"] = "not-a-calendar-token"
    return people, args


def _rules(app):
    # Reads first, then the POST-only rules (which may delete their target).
    return sorted(app.url_map.iter_rules(),
                  key=lambda r: ("GET" not in r.methods, r.endpoint))


def test_every_route_has_a_row(app):
    missing = {r.endpoint for r in app.url_map.iter_rules()} - set(EXPECTED)
    assert not missing, f"routes without an access-matrix row: {sorted(missing)}"


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, world, auth, client, role):
    people, args = world
    if role != "anon":
        auth.login(people[role])
    failures = []
    for rule in _rules(app):
        if rule.endpoint == "accounts.logout":
            continue  # ends the session; checked below
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **{a: args[ROUTE_ARGS.get((rule.endpoint, a), a)]
                                             for a in rule.arguments})
        method = "GET" if "GET" in rule.methods else "POST"
        # buffered: a streamed download is read to its end and closed, so its request
        # context ends with it instead of staying pushed under the next request
        response = client.open(url, method=method, buffered=True)
        expected = EXPECTED[rule.endpoint][role]
        if response.status_code != expected:
            failures.append(f"{method} {url}: {response.status_code}, expected {expected}")
        if role == "anon" and expected == 302:
            assert "/login" in response.headers["Location"]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_logout_ends_the_session_for_every_role(world, auth, client, role):
    people, _ = world
    if role != "anon":
        auth.login(people[role])
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302  # back to the sign-in page


def _submitted_count(home: str) -> int:
    import re

    return int(re.search(r"Received, waiting for the committee&#39;s review</a>: (\d+)",
                         home).group(1))


def test_a_recused_member_finds_the_matrix_case_nowhere(app, world, make, auth, client):
    """Lists, filters, searches, counts, dashboards, the intake queue and mail recipients."""
    from sqlalchemy import func, select

    from app.access import staff_cases, visible_cases
    from app.accounts.models import User
    from app.cases.models import Case
    from app.cases.notices import intake_staff
    from app.coi import services as coi

    people, args = world
    number = args["number"]
    recused_chair = make.user("chair", "member")  # withdrew: the intake queue is theirs too
    with app.test_request_context():
        case = db.session.execute(select(Case).where(Case.number == number)).scalar_one()
        coi.recuse_self(case, db.session.get(User, recused_chair.id), "My sister's case.")
        # and from the matrix's second case, which would otherwise await their declaration
        other = db.session.execute(
            select(Case).where(Case.number == args["proceeding_number"])).scalar_one()
        coi.recuse_self(other, db.session.get(User, recused_chair.id), "Her case too.")
        db.session.commit()

    pages = ("/", "/cases", "/cases?status=submitted", "/cases?standard=S7",
             "/cases?older_than=0", "/my/complaints", "/my/matters")
    auth.login(people["chair"])  # the control: a cleared chair finds it everywhere
    assert all(number in client.get(url).data.decode() for url in pages[1:5] + ("/cases/intake",))
    assert _submitted_count(client.get("/").data.decode()) == 1
    auth.logout()
    for who in (people["recused"], recused_chair):
        auth.login(who)
        for url in pages + (("/cases/intake",) if who is recused_chair else ()):
            r = client.get(url)
            assert r.status_code == 200, url
            assert number not in r.data.decode(), (who.email, url)
        home = client.get("/").data.decode()
        assert _submitted_count(home) == 0 and "Awaiting your declaration" not in home
        auth.logout()

    with app.test_request_context():
        case = db.session.execute(select(Case).where(Case.number == number)).scalar_one()
        for who in (people["recused"], recused_chair):
            user = db.session.get(User, who.id)
            for query in (staff_cases(user), visible_cases(user)):
                counted = db.session.execute(
                    select(func.count()).select_from(query.where(Case.id == case.id).subquery())
                ).scalar_one()
                assert counted == 0
        eligible = {u.id for u in coi.eligible_members(case)}
        assert eligible == {people["member"].id, people["chair"].id}
        assert recused_chair.id not in {u.id for u in intake_staff(case)}
