"""Who may do what: the one place access is decided.

`can(user, action, target)` looks the action up in RULES. A rule names the
roles that may take it (``ANYONE`` = any signed-in account) and, optionally, a
check on the target. An unknown action raises, so a typo never grants access.
Views call `authorize()`; templates call `can()`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from flask import abort
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from app import access as case_access
from app.accounts.models import Role, User
from app.cases.models import Allegation, Case
from app.catalogue.models import CodeItem
from app.extensions import db

ANYONE = "anyone"  # any signed-in, active account


class UnknownAction(KeyError):
    """Raised for an action name the policy does not know."""


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    check: Callable[[Any, Any], bool] | None = None
    # What a refusal looks like: 403, or 404 where even existence is private.
    deny_status: int = 403
    description: str = field(default="", compare=False)


def rule(*roles: str, check=None, deny_status: int = 403, description: str = "") -> Rule:
    return Rule(frozenset(str(r) for r in roles), check, deny_status, description)


ADMIN, CHAIR, MEMBER = Role.ADMIN, Role.CHAIR, Role.MEMBER


def _own_account(user, target) -> bool:
    return target is not None and target.id == user.id


def _not_self(user, target) -> bool:
    return target is not None and target.id != user.id


def _case_viewer(user, case) -> bool:
    """Reach the case page: a party, staff on the case, or a member who must declare first."""
    return _case_reader(user, case) or case_access.awaiting_declaration(user, case)


def _case_reader(user, case) -> bool:
    """See what the case contains: a party, or staff cleared on the case."""
    if case.status == "draft":
        return case_access.is_complainant(user, case)
    # a respondent follows the case from service (a self-reporter from filing), never
    # before: an unserved complaint is not theirs to read
    return (case_access.party_role(user, case) is not None
            or case_access.is_staff_on(user, case))


def _may_recuse(user, case) -> bool:
    """A committee member who could serve on the case (declared or not) and is not recused."""
    return (case_access.is_committee(user) and case.status != "draft"
            and not case_access.is_party(user, case) and not case_access.is_recused(user, case))


def _objector(user, declaration) -> bool:
    """A party who follows the case, on a member's disclosure (the window is the service's)."""
    return (declaration.is_disclosure
            and case_access.party_role(user, declaration.case) is not None)


def _own_objection(user, objection) -> bool:
    """The party's own objection (made by them or by their representative), standing."""
    return (objection.withdrawn_at is None
            and case_access.party_role(user, objection.declaration.case) == objection.party_role)


def _complainant(user, case) -> bool:
    """The complainant, or their active representative."""
    return case.kind != "self_report" and case_access.party_role(user, case) == "complainant"


def _filer(user, case) -> bool:
    """The person who files: the complainant, or the certificant reporting themselves."""
    if case.kind == "self_report":
        return case.respondent_user_id == user.id
    return case_access.is_complainant(user, case)


def _party(user, case) -> bool:
    return case_access.party_role(user, case) is not None


def _respondent(user, case) -> bool:
    """The served respondent, or their active representative."""
    return case.served_at is not None and case_access.party_role(user, case) == "respondent"


def _names_representative(user, case) -> bool:
    """The party themselves (never their representative), following a case still running."""
    return (case_access.own_party_role(user, case) is not None
            and case.status not in ("draft", "closed", "dismissed", "abandoned", "withdrawn",
                                    "disposed"))


def _sees_representatives(user, case) -> bool:
    """Staff on the case, and the parties themselves."""
    return (case_access.is_staff_on(user, case)
            or case_access.own_party_role(user, case) is not None)


def _decides_naming(user, representative) -> bool:
    """Staff who run intake on the case, while the naming waits for the office."""
    return representative.pending and case_access.can_run_intake(user, representative.case)


def _revokes(user, representative) -> bool:
    """The party who named the representative (or the other way round: never the
    representative), while it is active."""
    return (representative.revoked_at is None
            and case_access.own_party_role(user, representative.case)
            == representative.party_role)


def _intake(user, case) -> bool:
    return case_access.can_run_intake(user, case)


def _staff_on(user, case) -> bool:
    return case_access.is_staff_on(user, case)


def _staff_or_respondent(user, case) -> bool:
    return case_access.is_staff_on(user, case) or _respondent(user, case)


def _staff_or_complainant(user, case) -> bool:
    return case_access.is_staff_on(user, case) or _complainant(user, case)


def _complainant_named(user, case) -> bool:
    """Whether this reader may know who complained: not a respondent from whom the chair
    withheld it."""
    if case_access.is_staff_on(user, case) or _complainant(user, case):
        return True
    return _respondent(user, case) and not case.withhold_identity


def _evidence_reader(user, evidence) -> bool:
    case = evidence.case
    if case_access.is_staff_on(user, case):
        return True
    role = case_access.party_role(user, case)
    if role is None:  # one's own upload, unless it was made as a representative since revoked
        return (evidence.uploaded_by_id == user.id
                and not case_access.was_representative(user, case))
    if (evidence.uploaded_by_id in case_access.side_ids(case, role)
            and case_access.own_file(user, case, evidence)):
        return True
    return evidence.disclosed_to_respondent and _respondent(user, case)


def _document_reader(user, document) -> bool:
    """Staff on the case, or the party a document was addressed to."""
    case = document.case
    if case is None:  # a report about no one case: the office's own download serves it
        return False
    if case_access.is_staff_on(user, case):
        return True
    roles = {r.get("role") for r in document.recipients}
    if case.kind == "self_report":
        return _party(user, case)
    return (("complainant" in roles and _complainant(user, case))
            or ("respondent" in roles and _respondent(user, case)))


def _export_owner(user, export) -> bool:
    """The person who asked for an export, while what it holds is still theirs to read (a
    member recused since, or a party no longer following the case, loses its record)."""
    if export.requester_id != user.id:
        return False
    if export.kind == "own_data":
        return True
    return export.case is not None and _case_reader(user, export.case)


def _chair_on(user, case) -> bool:
    return case_access.is_staff_on(user, case)


def _staff_not_apart(user, case) -> bool:
    """Staff on the case, unless kept apart from the panel while it deliberates (the
    investigator or a witness does not advise the panel, nor read its votes)."""
    return (case_access.is_staff_on(user, case)
            and not case_access.kept_apart_from_panel(user, case))


def _investigator(user, case) -> bool:
    return case_access.is_staff_on(user, case) and case_access.serves_as(user, case, "investigator")


def _voter(user, case) -> bool:
    """An eligible member at review; a panel member at deliberation and on appeal."""
    stage = case_access.STAGE_OF.get(case.status)
    return (stage is not None and case_access.is_staff_on(user, case)
            and user.id in {u.id for u in case_access.voters(case, stage)})


def _appellant(user, case) -> bool:
    return case_access.may_appeal(user, case)


def _linked_certificant(user, target) -> bool:
    return user.certificant_id is not None


ANY_STAFF = (ADMIN, CHAIR, MEMBER)
NOT_FOUND = 404  # for a case, even its existence is private

RULES: dict[str, Rule] = {
    # Own account
    "account.profile": rule(ANYONE, description="see and edit one's own profile"),
    "account.change_password": rule(ANYONE),
    "account.request_link": rule(ANYONE, description="claim a registry record"),
    "account.sessions": rule(ANYONE, check=_own_account,
                             description="list and end one's own sessions"),
    "account.mfa": rule(ANYONE, check=_own_account,
                        description="set up or change one's own second factor"),
    # Administration of accounts
    "accounts.list": rule(ADMIN),
    "accounts.edit_roles": rule(ADMIN, check=_not_self,
                                description="administrators cannot change their own roles"),
    "accounts.deactivate": rule(ADMIN, check=_not_self),
    "accounts.reactivate": rule(ADMIN),
    "accounts.end_sessions": rule(ADMIN, description="sign an account out everywhere"),
    "accounts.reset_mfa": rule(ADMIN, check=_not_self,
                               description="remove another account's second factor"),
    # Registry
    "registry.search": rule(ADMIN, CHAIR, MEMBER),
    "registry.view": rule(ADMIN, CHAIR, MEMBER),
    "registry.import": rule(ADMIN),
    "registry.edit": rule(ADMIN),
    "registry.decide_link": rule(ADMIN),
    # Code catalogue: everyone reads (complainants pick allegations from it)
    "catalogue.view": rule(ANYONE),
    "catalogue.add_version": rule(ADMIN),
    "catalogue.edit_item": rule(ADMIN),
    "catalogue.delete_item": rule(ADMIN),
    # Oversight
    "audit.view": rule(ADMIN),
    "outbox.view": rule(ADMIN),
    "jobs.view": rule(ADMIN),
    "jobs.start": rule(ADMIN, description="bulk issue, re-send failed mail"),
    # Cases: parties act on their own; staff act on cases they are not party to
    "case.file": rule(ANYONE, description="start a complaint"),
    "case.self_report": rule(ANYONE, check=_linked_certificant,
                             description="only a certificant linked to the registry"),
    # A committee member who has not declared reaches the case page, which shows only
    # the number and the declaration form; every other case route needs view_details.
    "case.view": rule(ANYONE, check=_case_viewer, deny_status=NOT_FOUND),
    "case.view_details": rule(ANYONE, check=_case_reader, deny_status=NOT_FOUND,
                              description="parties; staff cleared on the case (declared, "
                                          "not recused)"),
    "case.edit_draft": rule(ANYONE, check=lambda u, c: c.status == "draft"
                            and case_access.is_complainant(u, c), deny_status=NOT_FOUND),
    # (actions answer 403: whoever gets this far can already see the case)
    "case.submit": rule(ANYONE, check=_filer),
    "case.provide_info": rule(ANYONE, check=_complainant),
    "case.withdraw": rule(ANYONE, check=_complainant),
    "case.respond": rule(ANYONE, check=_respondent),
    "case.request_extension": rule(ANYONE, check=_respondent),
    "case.party": rule(ANYONE, check=_party,
                       description="the complainant or the served respondent: ask for an "
                                   "adjustment or another format"),
    "case.view_internal": rule(*ANY_STAFF, check=_staff_on,
                               description="notes, the full file, the disclosure log"),
    "case.note": rule(*ANY_STAFF, check=_staff_not_apart,
                      description="staff on the case; not the investigator or a witness "
                                  "while the panel deliberates"),
    # What the case page shows (the page asks these, never a role)
    "case.see_votes": rule(*ANY_STAFF, check=_staff_not_apart,
                           description="the tally of votes; never the parties, nor the "
                                       "investigator or a witness while the panel "
                                       "deliberates"),
    "case.see_investigation": rule(*ANY_STAFF, check=_staff_on,
                                   description="investigators, the findings report, the file"),
    "case.see_disclosure_log": rule(*ANY_STAFF, check=_staff_on),
    "case.see_answer": rule(ANYONE, check=_staff_or_respondent,
                            description="the respondent's answer and extension requests"),
    "case.see_complaint_details": rule(ANYONE, check=_staff_or_complainant,
                                       description="the relation to the respondent and the "
                                                   "remedy asked for"),
    "case.see_complainant": rule(ANYONE, check=_complainant_named,
                                 description="who complained, unless withheld from the "
                                             "respondent"),
    # Representatives (app/representatives): a party names and revokes its own; the
    # representative then has the party's view and files what the party may file
    "representative.name": rule(ANYONE, check=_names_representative,
                                description="the complainant or the served respondent, "
                                            "themselves, while the case runs"),
    "representative.revoke": rule(ANYONE, check=_revokes,
                                  description="the party who named the representative"),
    "representative.decide": rule(CHAIR, ADMIN, check=_decides_naming,
                                  description="the chair or an administrator cleared on the "
                                              "case, while the naming waits"),
    "case.see_representatives": rule(ANYONE, check=_sees_representatives,
                                     description="staff on the case; the parties themselves"),
    "case.intake": rule(ADMIN, CHAIR, check=_intake,
                        description="accept, dismiss, ask for information, extensions"),
    "evidence.download": rule(ANYONE, check=_evidence_reader, deny_status=NOT_FOUND),
    # Documents: staff preview drafts; administrators issue; recipients download
    "document.preview": rule(*ANY_STAFF, check=_staff_on),
    "document.issue": rule(ADMIN, check=_staff_on,
                           description="issue a numbered PDF, or a correction"),
    "document.download": rule(ANYONE, check=_document_reader, deny_status=NOT_FOUND),
    # Conflicts of interest (S7): members declare before anything opens; parties see
    # disclosures and may object; an objection, or the member, recuses
    "coi.declare": rule(CHAIR, MEMBER, check=case_access.awaiting_declaration,
                        description="a committee member who has not declared on the case"),
    "coi.recuse_self": rule(CHAIR, MEMBER, check=_may_recuse),
    "coi.object": rule(ANYONE, check=_objector,
                       description="the complainant or the served respondent, on a disclosure"),
    "coi.withdraw_objection": rule(ANYONE, check=_own_objection),
    "coi.panel": rule(ADMIN, CHAIR, check=_staff_on,
                      description="who declared what, who is recused, who may serve"),
    "coi.reinstate": rule(ADMIN, CHAIR, check=_staff_on,
                          description="only once every objection is withdrawn"),
    # After the answer (app/proceedings): the chair directs, the investigator investigates,
    # eligible members (then the panel) vote, the respondent answers and may appeal
    "case.chair": rule(CHAIR, check=_chair_on,
                       description="assign investigators and panels, record the committee's "
                                   "decisions, measures, reinstatement"),
    "case.investigate": rule(CHAIR, MEMBER, check=_investigator,
                             description="the case's investigator"),
    "case.vote": rule(CHAIR, MEMBER, check=_voter,
                      description="eligible members at review; the panel afterwards"),
    "case.respondent": rule(ANYONE, check=_respondent,
                            description="answer requests, sign a consent agreement, ask to "
                                        "postpone, petition"),
    "case.appeal": rule(ANYONE, check=_appellant,
                        description="the respondent; the complainant against a finding of "
                                    "no violation after a hearing"),
    "case.compliance": rule(ADMIN, CHAIR, check=_staff_on,
                            description="record a sanction's condition as met"),
    "cases.list": rule(*ANY_STAFF),
    "cases.intake_queue": rule(ADMIN, CHAIR),
    "cases.mine": rule(ANYONE),
    # Certificants' own S7/S22 disclosures: the owner manages them; staff see them once
    # the sweep flags an unconfirmed withdrawal, never their own
    "practice_disclosures.mine": rule(ANYONE),
    "practice_disclosure.create": rule(ANYONE, check=_linked_certificant,
                                       description="only a certificant linked to the registry"),
    "practice_disclosure.view": rule(ANYONE, check=lambda u, d: d.owned_by(u) or d.open_to_staff(u),
                                     deny_status=NOT_FOUND),
    "practice_disclosure.manage": rule(ANYONE, check=lambda u, d: d.owned_by(u),
                                       description="confirm withdrawal, send a party a new link"),
    "practice_disclosures.flagged": rule(*ANY_STAFF),
    "practice_disclosure.open_case": rule(ADMIN, CHAIR, check=lambda u, d: d.open_to_staff(u),
                                          description="open a staff-initiated S7 case"),
    # Case messages (app/messages): the office (staff cleared on the case) talks with each
    # party in a private thread; a party reads and writes only their own
    "message.thread": rule(ANYONE, check=case_access.may_read_thread, deny_status=NOT_FOUND,
                           description="staff on the case: every thread; a party: their own"),
    "message.office": rule(*ANY_STAFF, check=_staff_on,
                           description="write as the office, open and revoke witness links"),
    "message.alert_setting": rule(ANYONE, description="each message, or a daily digest"),
    "messages.stock_replies": rule(ADMIN, description="keep the office's stock replies"),
    # Letters the office words (app/letters): a change needs a second administrator
    "letters.edit": rule(ADMIN, description="propose a wording, preview it, revert"),
    "letters.approve": rule(ADMIN, check=lambda u, v: v.proposed_by_id != u.id,
                            description="another administrator than the proposer"),
    # Records (S20, app/records): retention, legal holds, disposal
    "records.see": rule(*ANY_STAFF, check=_staff_on,
                        description="a case's disposal date and the holds on it"),
    "records.schedule": rule(ADMIN, description="edit the retention schedule (a new version)"),
    "records.holds": rule(ADMIN, description="list, place and lift legal holds"),
    "records.dispose": rule(ADMIN, description="see disposal batches, confirm one"),
    # Exports (app/exports): a case's record as its reader may see it; one's own data
    "export.record": rule(ANYONE, check=_case_reader, deny_status=NOT_FOUND,
                          description="parties and staff cleared on the case: the record "
                                      "ZIP of what they may see"),
    "export.own_data": rule(ANYONE, description="request a copy of one's own data"),
    "export.view": rule(ANYONE, check=_export_owner, deny_status=NOT_FOUND,
                        description="its requester only: progress and download"),
    "exports.data_requests": rule(ADMIN, description="the list of own-data requests"),
    # The committee office (app/office): figures for the chair and administrators; flags
    # at intake for those who run it
    "office.statistics": rule(ADMIN, CHAIR, description="figures and charts of the work; "
                                                        "the annual reports"),
    "office.annual_report": rule(ADMIN, description="issue the year's report"),
    "office.research": rule(ADMIN, description="the de-identified research extract (S16, S28)"),
    "office.calendar": rule(CHAIR, MEMBER, description="one's own calendar link"),
    "case.intake_flags": rule(ADMIN, CHAIR, check=_intake,
                              description="repeat and related complaints; never the parties"),
    # Homes
    "home.committee": rule(CHAIR, MEMBER),
    "home.admin": rule(ADMIN),
}


def can(user, action: str, target: Any = None) -> bool:
    """Return whether `user` may take `action` on `target`."""
    try:
        r = RULES[action]
    except KeyError:
        raise UnknownAction(action) from None
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if ANYONE not in r.roles and not (r.roles & user.role_names):
        return False
    return r.check(user, target) if r.check else True


def authorize(action: str, target: Any = None) -> None:
    """Abort the request unless the current user may take the action."""
    if not can(current_user, action, target):
        abort(RULES[action].deny_status)


def get_or_404(model, ident, action: str):
    """Load an object (404 if absent) and authorize an action on it."""
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    authorize(action, obj)
    return obj


@cache
def _with_parties() -> tuple:
    """Loader options: what every page of a case shows, its parties and its allegations
    with their code. (Built at the first call, not at import: building them configures the
    mappers, which must wait until every model is imported; then kept, as they never
    change.)"""
    # (the parties' roles are not part of the case: not loaded with them)
    return (joinedload(Case.respondent_certificant),
            joinedload(Case.complainant).lazyload(User.roles),
            joinedload(Case.respondent_user).lazyload(User.roles),
            joinedload(Case.representatives),
            # a case has a few allegations: joined to its row, not a second statement
            joinedload(Case.allegations).joinedload(Allegation.item)
            .joinedload(CodeItem.version))


@lru_cache(maxsize=2)
def _case_statement(member: bool):
    """`load_case`'s statement, for a committee member (with their standing on the case)
    or anyone else; the number and the member are parameters. Built once per process:
    with its joined parties and allegations, building it and deriving its cache key took
    ~0.5 ms of Python a request."""
    query = select(Case).options(*_with_parties()).where(Case.number == bindparam("number"))
    if member:
        query = query.add_columns(*case_access.standing_columns(bindparam("member_id")))
    return query


def load_case(number: str, action: str = "case.view_details") -> Case:
    """Load a case by number and check the viewer may see what it holds (404 otherwise).

    Only the case page itself (and the declaration) passes "case.view", which also
    lets in a committee member who has still to declare on the case.
    """
    # a committee member's standing on the case (declared, recused) decides what opens:
    # read with the case's row rather than in a statement of its own
    member = current_user.is_authenticated and case_access.is_committee(current_user)
    params = {"number": number, "member_id": current_user.id} if member else {"number": number}
    row = db.session.execute(_case_statement(member), params).unique().one_or_none()
    if row is None:
        abort(404)
    case = row[0]
    if member:
        case_access.note_standing(current_user, case, row.declared, row.recused)
    authorize(action, case)
    return case
