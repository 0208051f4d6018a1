"""What the case page shows to the person reading it.

Every section is decided by the policy (`can`) or by the access facts (`app/access.py`),
never by a role string; the workflow table says which actions the reader has, and which of
them wait for something (with the reason).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import (
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy import case as sql_case
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app import access, clock
from app.accounts.models import User
from app.audit.models import AuditEntry
from app.cases import services as case_services
from app.cases.models import (
    Case,
    CaseEvent,
    Deadline,
    Disclosure,
    ExtensionRequest,
    Response,
    State,
)
from app.coi import forms as coi_forms
from app.coi import services as coi
from app.coi.models import CoiDeclaration
from app.documents import services as documents
from app.extensions import db
from app.messages import services as messages
from app.messages.models import Message, Thread, WitnessLink
from app.office import flags as intake_flags
from app.policy import can
from app.proceedings import actions as pa
from app.proceedings import fairness, workflow
from app.proceedings import services as p
from app.proceedings.documents import applicable
from app.proceedings.forms import VoteForm
from app.proceedings.models import (
    Assignment,
    Capacity,
    DocumentRequest,
    Hearing,
    HearingPostponement,
    InvestigationItem,
    Measure,
    SanctionKind,
)
from app.records import services as records
from app.records.models import LegalHold
from app.registry.models import Certificant
from app.representatives import forms as rep_forms
from app.representatives import services as rep_services
from app.types import UTCDateTime

# Who each kind of deadline binds, and how the page names it.
DEADLINES = {
    "response": ("respondent", "Respondent's answer due"),
    "information": ("complainant", "Information due"),
    "documents": ("respondent", "Documents due"),
    "witness_documents": ("witness", "A witness's documents due"),
    "appeal": ("parties", "Appeal period ends"),
    "adjustment": ("office", "Answer to a request for an adjustment due"),
    "interim_review": ("chair", "Interim suspension to be reviewed"),
    "objection_complainant": ("complainant", "Time to object to a disclosure ends"),
    "objection_respondent": ("respondent", "Time to object to a disclosure ends"),
    "reinstatement_bar": ("respondent", "Bar on reapplying ends"),
}

# Actions offered on the case page but not listed under "Your next step".
ASIDE = {"ask_adjustment"}

# The page's sections, in order: (anchor, title). Shown in the in-page index when present.
SECTIONS = [
    ("overview", "Overview"), ("next-step", "Your next step"),
    ("allegations", "Allegations"), ("evidence", "Evidence"), ("answer", "The answer"),
    ("investigation", "Investigation"), ("hearing", "Hearing"), ("decision", "Decision"),
    ("votes", "Votes"), ("documents", "Documents"), ("conflicts", "Conflicts of interest"),
    ("representatives", "Representatives"), ("messages", "Messages"), ("actions", "Actions"),
    ("timeline", "Timeline"),
    ("disclosure-log", "Disclosure log"), ("opened-by", "Who opened this case"),
    ("notes", "Internal notes"),
]


@dataclass(frozen=True)
class DeadlineLine:
    label: str
    due_on: object
    original_due_on: object
    binds: str  # "you", or who it binds, in words
    overdue: bool


def vote_questions(case) -> list[tuple[str, str, dict]]:
    """(question, label, choices) for the stage the case is at."""
    stage = p.STAGE_OF.get(case.status)
    if stage == "review":
        return [("outcome", "The committee's decision on the investigation", p.REVIEW_CHOICES)]
    if stage == "appeal":
        return [("outcome", "The appeal", p.APPEAL_CHOICES)]
    if stage == "hearing":
        questions = [(f"allegation:{a.id}", f"{a.item.code} {a.item.title}",
                      {"violated": "Violated", "not_violated": "Not violated"})
                     for a in p.heard_allegations(case)]
        sanctions = {k.value: k.title for k in SanctionKind if k != SanctionKind.CAUTION}
        questions.append(("sanction", "The sanction, if a violation is found", sanctions))
        return questions
    return []


def _vote_forms(case, user, forms: dict) -> list[tuple[str, VoteForm]]:
    """A form per question for a voter, with their current vote filled in."""
    stage = p.STAGE_OF.get(case.status)
    if stage is None:
        return []
    mine = {v.question: v for v in p.votes(case, stage) if v.member_id == user.id}
    out = []
    for question, label, choices in vote_questions(case):
        key = f"vote-{question}"
        form = forms.get(key) or VoteForm(prefix=key)
        form.choice.label.text = label
        form.reasons.label.text = f"Your reasons on {label} (never shown to the parties)"
        form.offer(choices)
        if key not in forms and question in mine:
            form.choice.data, form.reasons.data = mine[question].choice, mine[question].reasons
        forms[key] = form
        out.append((question, form))
    return out


def _tallies(case) -> list[dict]:
    """Each question's votes so far (staff on the case only; never the parties)."""
    stage = p.STAGE_OF.get(case.status)
    if stage is None:
        return []
    voters = len(p.voters(case, stage))
    out = []
    for question, label, choices in vote_questions(case):
        cast = p.votes(case, stage, question)
        out.append({"label": label, "question": question, "cast": len(cast), "voters": voters,
                    "by_choice": {choices.get(k, k): n for k, n in
                                  p.majority(case, stage, question)[1].items()}})
    return out


def _tallies_seen(case, user) -> list[dict]:
    """The tallies as this reader may see them: a member who votes in the round sees a
    question's tally only once they have cast their own vote on it (so that nobody votes
    with the running count before them); the round closed, the case has moved on."""
    stage = p.STAGE_OF.get(case.status)
    if stage is None or user.id not in {u.id for u in p.voters(case, stage)}:
        return _tallies(case)
    mine = {v.question for v in p.votes(case, stage) if v.member_id == user.id}
    return [t if t["question"] in mine else {**t, "by_choice": {}, "hidden": True}
            for t in _tallies(case)]


def _deadlines(case: Case, user, role: str | None, staff: bool) -> list[DeadlineLine]:
    today = clock.today()
    out = []
    for d in case.deadlines:
        if d.status != "open":
            continue
        binds, label = DEADLINES.get(d.kind, ("", d.kind.replace("_", " ").capitalize()))
        if binds == "parties":  # the appeal period binds whoever may appeal
            mine = can(user, "case.appeal", case)
        else:
            mine = binds == role
        if not (staff or mine):
            continue
        out.append(DeadlineLine(label, d.due_on, d.original_due_on,
                                "you" if mine else f"the {binds}" if binds else "",
                                d.due_on < today))
    return sorted(out, key=lambda line: line.due_on)


def _conflicts(case: Case, user, forms: dict, declaration) -> dict:
    """The conflicts-of-interest part: one's own declaration (staff; read with the case's
    other one-of-a-kind rows), or the members' disclosures a party may object to."""
    if can(user, "coi.recuse_self", case):
        forms.setdefault("recuse", coi_forms.RecuseForm(prefix="recuse"))
    if access.is_staff_on(user, case):
        return {"declaration": declaration if access.is_committee(user) else None,
                "disclosures": []}
    disclosures = coi.disclosures_for_party(case, user)
    for d in disclosures:
        if d.standing is not None:
            key = f"withdraw-{d.standing.id}"
            forms.setdefault(key, coi_forms.WithdrawObjectionForm(prefix=key))
        elif d.window_open:
            key = f"object-{d.declaration.id}"
            forms.setdefault(key, coi_forms.ObjectionForm(prefix=key))
    return {"declaration": None, "disclosures": disclosures}


def _representatives(case: Case, user, forms: dict) -> dict:
    """Who represents whom: the party sees their own (to name or revoke one), staff see every
    naming, a representative sees whom they act for."""
    own = access.own_party_role(user, case)
    acting = (access.representation(user, case)
              if own is None and access.represented_role(user, case) else None)
    out = {"mine": None, "all": [], "acting": acting, "may_name": False, "conflicts": set()}
    if own is None and can(user, "case.see_representatives", case):  # staff on the case
        out["all"] = access.representatives_of(case)
        waiting = [r for r in out["all"] if can(user, "representative.decide", r)]
        for r in waiting:
            key = f"decide-representative-{r.id}"
            forms.setdefault(key, rep_forms.DecideRepresentativeForm(prefix=key))
        if waiting:
            out["conflicts"] = rep_services.other_side_conflicts(case)
    if own is not None:
        out["mine"] = access.named_representative(case, own)
        if out["mine"] is not None and can(user, "representative.revoke", out["mine"]):
            forms.setdefault("revoke-representative",
                             rep_forms.RevokeRepresentativeForm(prefix="revoke-representative"))
        elif out["mine"] is None and can(user, "representative.name", case):
            out["may_name"] = True
            forms.setdefault("representative",
                             rep_forms.NameRepresentativeForm(prefix="representative"))
    return out


@lru_cache(maxsize=8)
def _one_of_a_kind_statement(voting: bool, respondent: bool) -> Select:
    """`_one_of_a_kind`'s statement for a case in a voting state or not, read by its
    respondent or not; the case and the reader are parameters (`case_id`, `member_id`).
    Built once per process: building it and deriving its cache key cost ~1 ms of Python a
    case page (ten entities, ten joins)."""
    case_id, member_id = bindparam("case_id"), bindparam("member_id")
    hearing = select(func.max(Hearing.id)).where(Hearing.case_id == case_id).scalar_subquery()
    report = select(func.max(InvestigationItem.id)).where(
        InvestigationItem.case_id == case_id, InvestigationItem.kind == "report").scalar_subquery()
    interim, stay = aliased(Measure), aliased(Measure)
    facts = [p.arrivals_before_committee(case_id).label("arrivals")] if voting else []
    if respondent:
        facts.append(exists().where(Disclosure.case_id == case_id,
                                    Disclosure.item_type == "report").label("report_disclosed"))
    return (
        select(Response, Hearing, InvestigationItem, interim, stay, CoiDeclaration,
               Deadline, ExtensionRequest, DocumentRequest, HearingPostponement, *facts)
        .select_from(Case)
        .outerjoin(Response, Response.case_id == Case.id)
        .outerjoin(Hearing, Hearing.id == hearing)
        # (a hearing has at most one request to postpone it pending)
        .outerjoin(HearingPostponement, and_(HearingPostponement.hearing_id == Hearing.id,
                                             HearingPostponement.status == "pending"))
        .outerjoin(InvestigationItem, InvestigationItem.id == report)
        .outerjoin(interim, and_(interim.case_id == Case.id, interim.kind == "interim_suspension",
                                 interim.lifted_at.is_(None)))
        .outerjoin(stay, and_(stay.case_id == Case.id, stay.kind == "stay",
                              stay.lifted_at.is_(None)))
        .outerjoin(CoiDeclaration, and_(CoiDeclaration.case_id == Case.id,
                                        CoiDeclaration.member_id == member_id))
        # every extension request and request for documents hangs on a deadline of its case
        .outerjoin(Deadline, Deadline.case_id == Case.id)
        .outerjoin(ExtensionRequest, ExtensionRequest.deadline_id == Deadline.id)
        .outerjoin(DocumentRequest, DocumentRequest.deadline_id == Deadline.id)
        .where(Case.id == case_id))


def _one_of_a_kind(case: Case, user, role: str | None) -> dict:
    """The case's rows of which there is at most one — the respondent's answer, the latest
    hearing and the request to postpone it still pending, the latest findings report, the
    open interim suspension and stay, and the reader's own declaration — with its deadlines
    and what hangs on a deadline (extension requests, requests for documents), in one
    statement: a LEFT JOIN each from the case's row, the deadlines' rows repeating the single
    ones (a case has a handful). Single facts ride along as scalar columns: the round of
    votes (in a voting state) and, for the respondent, whether the findings report was
    disclosed to them. What the
    workflow's guards ask again (the hearing, the pending postponement, the report, the
    measures, the deadlines and the requests, the round) is remembered for the request."""
    voting = case.status in p.STAGE_OF
    rows = db.session.execute(_one_of_a_kind_statement(voting, role == "respondent"),
                              {"case_id": case.id, "member_id": user.id}).all()
    # (the answer and a declaration are unique and the guards keep one open measure of each
    # kind, so the single rows are the same on every row; the first is taken)
    first = rows[0]

    def collected(column: int) -> list:
        return sorted({r[column] for r in rows if r[column] is not None}, key=lambda x: x.id)

    deadlines = collected(6)
    if "deadlines" not in case.__dict__:  # (the ORM's own list, as if it had loaded it)
        set_committed_value(case, "deadlines", deadlines)
    p.already_read(case, first[1], [m for m in (first[3], first[4]) if m is not None])
    p.already_read_report(case, first[2], first[9])
    case_services.already_read_extensions(case, collected(7))
    p.already_read_requests(case, collected(8))
    if voting:
        p.already_counted(case, first.arrivals)
    return {"response": first[0], "hearing": first[1], "report": first[2],
            "declaration": first[5],
            "report_disclosed": bool(first.report_disclosed) if role == "respondent" else False}


# --- the page's small lists, read as plain rows in one statement ---------------------------

@dataclass(frozen=True)
class DisclosureLine:
    at: object
    item_label: str
    item_type: str
    recipient_email: str | None
    how: str


@dataclass(frozen=True)
class OpenerLine:
    created_at: object
    action: str
    who: str


@dataclass(frozen=True)
class HoldLine:
    subject: str
    placed_at: object
    reference: str
    reason: str


@dataclass(frozen=True)
class LinkLine:
    id: int
    name: str


@dataclass(frozen=True)
class PanelLine:
    id: int  # the assignment's
    name: str


# The states in which the parties see who sits on the hearing panel.
PANEL_SHOWN = ("hearing_scheduled", "deliberation")


@dataclass(frozen=True)
class FlagRow:
    """A row of intake_flags.source, read back from the page's UNION ALL."""
    branch: int
    number: str | None
    text: str | None
    name: str | None
    at: object
    ident: int | None


@dataclass(frozen=True)
class ThreadLine:
    party_key: str
    message_count: int
    unread_by_office: bool
    office_answered: bool
    unread_by_party: bool


def _columns(section: str, *, ident=None, at=None, texts=(), numbers=()) -> list:
    """The columns every list shares (padded with typed NULLs), so that the lists run as
    one UNION ALL: the section's name, an id, a time, four texts and four numbers."""
    def typed(value, type_):
        return cast(null(), type_) if value is None else cast(value, type_)
    texts = list(texts) + [None] * (4 - len(texts))
    numbers = list(numbers) + [None] * (4 - len(numbers))
    return [cast(literal(section), String).label("section"), typed(ident, Integer).label("id"),
            (cast(null(), UTCDateTime()) if at is None else at).label("at"),
            *(typed(t, String).label(f"t{n}") for n, t in enumerate(texts, 1)),
            *(typed(v, Integer).label(f"n{n}") for n, v in enumerate(numbers, 1))]


def _flag(condition):
    return sql_case((condition, 1), else_=0)


# The lists whose statements are the same for every case but for parameters (`case_id`,
# `case_key` (the case's id as audit entries name their target), `certificant_id`,
# `party_key`), in the order the UNION ALL reads them; the others (retention, disposal,
# intake flags) are built from the case by their own modules, each request.
KEPT_LISTS = ("disclosure", "disclosed", "opener", "hold", "link", "panel", "thread")


def _kept_list(section: str, *, of_certificant: bool = False,
               one_thread: bool = False) -> Select:
    """The query of a list of KEPT_LISTS, its case and reader as parameters. `hold`: the
    holds of the case and, `of_certificant`, of its respondent's registry record;
    `thread`: every thread of the case, or (`one_thread`) the reader's own."""
    case_id = bindparam("case_id", type_=Integer)
    if section == "disclosure":
        return select(*_columns(
            "disclosure", ident=Disclosure.id, at=Disclosure.at,
            texts=(Disclosure.item_label, Disclosure.item_type, Disclosure.recipient_email,
                   Disclosure.how), numbers=(Disclosure.item_id,))
        ).where(Disclosure.case_id == case_id)
    if section == "disclosed":
        return select(*_columns(
            "disclosed", at=Disclosure.at, texts=(Disclosure.item_type,),
            numbers=(Disclosure.item_id,))).where(Disclosure.case_id == case_id)
    if section == "opener":
        return select(*_columns(
            "opener", ident=AuditEntry.id, at=AuditEntry.created_at,
            texts=(AuditEntry.action, User.name, AuditEntry.personal, AuditEntry.personal_digest),
            numbers=(AuditEntry.actor_id,))
        ).select_from(AuditEntry).outerjoin(User, User.id == AuditEntry.actor_id).where(
            AuditEntry.target_type == "cases",
            AuditEntry.target_id == bindparam("case_key", type_=String),
            AuditEntry.action.in_(READS)).order_by(AuditEntry.id.desc()).limit(OPENERS_SHOWN)
    if section == "hold":
        whose = [LegalHold.case_id == case_id]
        if of_certificant:
            whose.append(LegalHold.certificant_id == bindparam("certificant_id", type_=Integer))
        return select(*_columns(
            "hold", ident=LegalHold.id, at=LegalHold.placed_at,
            texts=(LegalHold.reason, LegalHold.reference, Certificant.name,
                   Certificant.cert_number), numbers=(LegalHold.case_id,))
        ).select_from(LegalHold).outerjoin(
            Certificant, Certificant.id == LegalHold.certificant_id
        ).where(LegalHold.lifted_at.is_(None), or_(*whose))
    if section == "link":
        return select(*_columns(
            "link", ident=WitnessLink.id, texts=(WitnessLink.name,))
        ).where(WitnessLink.case_id == case_id)
    if section == "panel":
        return select(*_columns(
            "panel", ident=Assignment.id, texts=(User.name,))
        ).select_from(Assignment).join(User, User.id == Assignment.member_id).where(
            Assignment.case_id == case_id, Assignment.capacity == Capacity.HEARING_PANEL)
    if section == "thread":
        count = select(func.count(Message.id)).where(
            Message.thread_id == Thread.id).correlate(Thread).scalar_subquery()
        threads = select(*_columns(
            "thread", ident=Thread.id, texts=(Thread.party_key,), numbers=(
                count,
                _flag(Thread.last_party_at.is_not(None) & (
                    Thread.office_read_at.is_(None) | (Thread.office_read_at < Thread.last_party_at))),
                _flag(Thread.office_answered.is_(True)),
                _flag(Thread.last_office_at.is_not(None) & (
                    Thread.party_read_at.is_(None) | (Thread.party_read_at < Thread.last_office_at))),
            ))).where(Thread.case_id == case_id)
        return threads.where(Thread.party_key == bindparam("party_key", type_=String)) \
            if one_thread else threads
    raise ValueError(section)


def _branch(query: Select) -> Select:
    """A list's query as a branch of the UNION ALL (its columns, through a subquery)."""
    return select(*query.subquery().c)


@lru_cache(maxsize=64)
def _kept_union(sections: tuple[str, ...], of_certificant: bool, one_thread: bool):
    """The UNION ALL of the given KEPT_LISTS, built once per process for each combination
    a reader meets (building it and deriving its cache key took ~3 ms of Python a staff
    case page)."""
    return union_all(*(_branch(_kept_list(name, of_certificant=of_certificant,
                                          one_thread=one_thread)) for name in sections))


@dataclass(frozen=True)
class _Lists:
    """Which lists a reader sees on a case: the kept ones (with the parameters their
    statement takes) and the others' queries, built from the case."""
    kept: tuple[str, ...]
    of_certificant: bool
    one_thread: bool
    params: dict
    built: dict[str, Select]

    @property
    def sections(self) -> list[str]:
        return [*self.kept, *self.built]

    def statement(self):
        """The one statement reading them all (None: no list to read)."""
        if not self.built:
            return _kept_union(self.kept, self.of_certificant, self.one_thread) \
                if self.kept else None
        kept = [_kept_list(name, of_certificant=self.of_certificant,
                           one_thread=self.one_thread) for name in self.kept]
        return union_all(*(_branch(q) for q in [*kept, *self.built.values()]))


def _lists(user, case: Case) -> _Lists:
    """The small lists this reader sees on the case."""
    kept: list[str] = []
    built: dict[str, Select] = {}
    params: dict = {"case_id": case.id}
    of_certificant = one_thread = False
    log = can(user, "case.see_disclosure_log", case)
    if log:
        kept.append("disclosure")
    elif case.status == "hearing_scheduled":
        # not shown: when each item reached the parties, which the hearing's guards ask
        # (the respondent's waiver of the disclosure period: fairness.late_items)
        kept.append("disclosed")
    if log:  # who opened the case: its latest reads (who, what, when)
        kept.append("opener")
        params["case_key"] = str(case.id)
    if can(user, "records.see", case):  # the holds in force: the case's, its respondent's
        kept.append("hold")
        if case.respondent_certificant_id is not None:
            of_certificant = True
            params["certificant_id"] = case.respondent_certificant_id
        source = records.retention_source(case)
        if source is not None:  # what the case's retention is computed from
            found = source.subquery()
            built["retention"] = select(*_columns(
                "retention", ident=found.c.version, at=found.c.created_at,
                texts=(found.c.years,), numbers=(found.c.described,)))
        source = records.disposal_source(case)
        if source is not None:  # a disposed case: when its file was destroyed, the certificate
            found = source.subquery()
            built["disposal"] = select(*_columns(
                "disposal", ident=found.c.batch_id, at=found.c.disposed_at,
                numbers=(found.c.done_year, found.c.issued)))
    if can(user, "case.intake_flags", case):
        source = intake_flags.source(case, user)
        if source is not None:  # at intake: the repeat-complaint flags and their reviews
            found = source.subquery()
            built["flag"] = select(*_columns(
                "flag", ident=found.c.ident, at=found.c.at,
                texts=(found.c.number, found.c.text, found.c.name), numbers=(found.c.branch,)))
    staff = access.is_staff_on(user, case)
    if staff:
        kept.append("link")
    elif case.status in PANEL_SHOWN:  # the parties see who sits on the hearing panel
        kept.append("panel")
    key = None if staff else access.thread_key(user, case)
    if staff or key is not None:  # the threads the reader reads: all for staff, their own
        kept.append("thread")
        if not staff:
            one_thread = True
            params["party_key"] = key
    return _Lists(tuple(kept), of_certificant, one_thread, params, built)


def _opener(row) -> OpenerLine:
    if row.t2 is not None:
        who = row.t2
    else:  # the actor's label as recorded (AuditEntry.actor_label reads it)
        who = AuditEntry(actor_id=row.n1, personal=json.loads(row.t3) if row.t3 else None,
                         personal_digest=row.t4).actor_label
    return OpenerLine(row.at, row.t1, who)


def _hold(case: Case, row) -> HoldLine:
    subject = (f"Case {case.label}" if row.n1 is not None
               else f"Every case concerning {row.t3} ({row.t4})")  # as LegalHold.subject
    return HoldLine(subject, row.at, row.t2 or "", row.t1)


def page_lists(user, case: Case) -> dict:
    """The case page's small lists this reader sees — the disclosure log, who opened the
    case, the legal holds in force, the retention's sources, a disposed file's destruction,
    the intake flags, the witness links, the message threads — as plain rows of one
    statement (a UNION ALL of each list's query, padded to common columns), instead of a
    statement each; for a party while a hearing is scheduled or deliberated, who sits on
    its panel, and while it is scheduled, when each item was disclosed (not shown: the
    hearing's guards ask it). Each list is in its own order; a list read and found empty
    is [], one not read is None."""
    lists = _lists(user, case)
    rows: dict[str, list] = {section: [] for section in lists.sections}  # (read: no None)
    statement = lists.statement()
    if statement is not None:
        for row in db.session.execute(statement, lists.params):
            rows.setdefault(row.section, []).append(row)

    def ordered(section, newest_first=False):
        return sorted(rows.get(section, []), key=lambda r: r.id, reverse=newest_first)

    if "disclosure" in rows:  # what the hearing's guards ask: when each item was first disclosed
        fairness.already_read_disclosures(case, [(r.t2, r.n1, r.at) for r in rows["disclosure"]])
    elif "disclosed" in rows:
        fairness.already_read_disclosures(case, [(r.t1, r.n1, r.at) for r in rows["disclosed"]])

    return {
        "disclosures": [DisclosureLine(r.at, r.t1, r.t2, r.t3, r.t4)
                        for r in ordered("disclosure")],
        "openers": [_opener(r) for r in ordered("opener", newest_first=True)],
        "holds": [_hold(case, r) for r in ordered("hold")],
        "links": [LinkLine(r.id, r.t1) for r in ordered("link")],
        "panel": [PanelLine(r.id, r.t1) for r in ordered("panel")],
        "threads": [ThreadLine(r.t1, r.n1, bool(r.n2), bool(r.n3), bool(r.n4))
                    for r in ordered("thread")],
        # the rows of intake_flags.source, as its columns; None: not read
        "flags": [FlagRow(r.n1, r.t1, r.t2, r.t3, r.at, r.id) for r in rows["flag"]]
        if "flag" in rows else None,
        # (disposed at, batch, year done, issued) rows for records.disposal_of; None: not read
        "disposal": [(r.at, r.id, r.n1, r.n2) for r in rows["disposal"]]
        if "disposal" in rows else None,
        # (described, version, years, since) rows for records.retention; None: not read
        "retention": [(r.n1, r.id, r.t1, r.at) for r in rows["retention"]]
        if "retention" in rows else None,
    }


def _timeline_with_actors(case: Case) -> None:
    """Load the case's timeline with who wrote each line (an internal note names its
    author), as the ORM's own list of the case's events: one statement, not one per author."""
    if "events" in case.__dict__:
        return
    set_committed_value(case, "events", list(db.session.execute(
        _timeline_statement(), {"case_id": case.id}).scalars()))


@lru_cache(maxsize=1)
def _timeline_statement() -> Select:
    """`_timeline_with_actors`' statement, the case a parameter (built once per process)."""
    return select(CaseEvent).options(joinedload(CaseEvent.actor).lazyload(User.roles)) \
        .where(CaseEvent.case_id == bindparam("case_id")).order_by(CaseEvent.id)


def readable(user, case: Case, lists: dict | None = None) -> dict:
    """The case material this reader may read, as the case page shows it: timeline lines,
    evidence files, issued documents, the disclosure log, the hearing. The page and the
    record export (app/exports) both take it from here, so they cannot differ. (`lists`:
    the page's small lists, if the caller read them already.)"""
    staff = access.is_staff_on(user, case)
    if lists is None:
        lists = page_lists(user, case)
    _timeline_with_actors(case)
    hearing = p.current_hearing(case)
    return {
        "timeline": access.events_for(user, case),
        # the timeline lines whose text the reader sees (None: all of them)
        "bodies_shown": None if staff else {a.name for a in workflow.ACTIONS.values()
                                            if a.body_to_parties} | {"share"},
        "evidence": access.evidence_for(user, case),
        "documents": [d for d in documents.documents_of(case)
                      if can(user, "document.download", d)],
        "disclosures": lists["disclosures"],
        "hearing": hearing,
        # parties see a hearing while it is to come; staff see its record too
        "hearing_shown": hearing is not None and (staff or hearing.status == "scheduled"),
    }


def case_page(case: Case, user, forms: dict) -> dict:
    """Everything the case page shows this reader. Adds the forms it needs to `forms`."""
    staff = access.is_staff_on(user, case)
    role = access.party_role(user, case)
    single = _one_of_a_kind(case, user, role)
    response, hearing, report = single["response"], single["hearing"], single["report"]
    declaration = single["declaration"]
    if staff:  # the committee's standing, the assignments, the round's votes: one statement
        stage = p.STAGE_OF.get(case.status)
        access.read_people(case, stage, p.current_round(case, stage) if stage else None)
    lists = page_lists(user, case)
    material = readable(user, case, lists)  # (the hearing: read by the line above)
    actions = workflow.open_to(user, case)
    ready = [a for a, waiting in actions if waiting is None]
    deadlines = _deadlines(case, user, role, staff)
    decision = p.latest_decision(case)
    page = {
        "state": State(case.status),
        "staff": staff,
        "deadlines": deadlines,
        "next_deadline": deadlines[0] if deadlines else None,
        "actions": actions,
        # (a request for an adjustment is open to a party all along: not a step of the
        # proceeding, it is named apart so that "Nothing for you to do now" stays true)
        "steps": [a for a in ready if not a.irreversible and a.name not in ASIDE],
        "aside": [a for a in ready if a.name in ASIDE],
        "irreversible": [a for a in ready if a.irreversible],
        "waiting": [(a, why) for a, why in actions if why is not None],
        **material,
        "response": response,
        "extensions": case_services.extension_requests(case),
        "document_types": applicable(case) if can(user, "document.preview", case) else [],
        "conflicts": _conflicts(case, user, forms, declaration),
        "representatives": _representatives(case, user, forms),
        # the proceeding after the answer
        "investigators": p.members_in(case, "investigator") if staff else [],
        "panel": p.members_in(case, "hearing_panel") if staff else lists["panel"],
        "requests": p.open_requests(case, None if staff else "respondent")
        if staff or role == "respondent" else [],
        "report": report if staff else None,
        "attends_hearing": hearing is not None and (
            staff and access.serves_as(user, case, "hearing_panel") or role is not None),
        "decision": decision,
        "consent": pa.pending_consent(case) if staff or role == "respondent" else None,
        "measures": [m for m in (p.open_measure(case, "interim_suspension"),
                                 p.open_measure(case, "stay")) if m],
        "sanctions": decision.sanctions if decision else [],
        "vote_forms": _vote_forms(case, user, forms) if can(user, "case.vote", case) else [],
        "tallies": _tallies_seen(case, user) if can(user, "case.see_votes", case) else [],
        "sanction_titles": {k.value: k.title for k in SanctionKind},
        "messages": messages.case_section(user, case, lists["threads"], lists["links"]),
        "records": records.case_panel(user, case, holds=lists["holds"],
                                      retention_rows=lists["retention"],
                                      disposal_rows=lists["disposal"]),
        # decisions set aside on appeal, with the reason (the parties received them)
        "set_aside": [d for d in reversed(access.decisions_of(case))
                      if d.set_aside_at is not None] if staff or role else [],
        # the findings report, once disclosed to the respondent for the hearing
        "disclosed_report": report if single["report_disclosed"] else None,
        # separation of functions: why this member takes no part in deciding
        "separation": access.separation_reason(user, case)
        if staff and case.status in p.STAGE_OF else None,
        # repeat and related complaints, for those who run intake; never the parties
        "intake_flags": intake_flags.section(case, user, lists["flags"])
        if can(user, "case.intake_flags", case) else None,
        # who opened the case (staff only): its latest reads, from the audit trail
        "openers": lists["openers"],
    }
    page["sections"] = _sections(case, page, user)
    return page


OPENERS_SHOWN = 20
READS = ("case.viewed", "case.investigation_viewed", "case.evidence_downloaded",
         "case.receipt_viewed", "coi.panel_viewed", "document.previewed")


def _sections(case: Case, page: dict, user) -> list[tuple[str, str]]:
    present = {"overview", "next-step", "allegations", "evidence", "timeline"}
    if page["response"] and can(user, "case.see_answer", case):
        present.add("answer")
    if page["investigators"] or page["report"] or page["requests"]:
        present.add("investigation")
    if page["hearing_shown"]:
        present.add("hearing")
    if page["decision"] or page["consent"] or page["set_aside"]:
        present.add("decision")
    if page["tallies"] or page["vote_forms"] or page["separation"]:
        present.add("votes")
    if page["documents"] or page["document_types"]:
        present.add("documents")
    if page["conflicts"]["declaration"] or page["conflicts"]["disclosures"] \
            or can(user, "coi.panel", case):
        present.add("conflicts")
    if page["irreversible"] or can(user, "coi.recuse_self", case):
        present.add("actions")
    reps = page["representatives"]
    if reps["mine"] or reps["may_name"] or reps["all"] or reps["acting"]:
        present.add("representatives")
    if page["messages"]["parties"]:
        present.add("messages")
    if can(user, "case.see_disclosure_log", case):
        present.add("disclosure-log")
        present.add("opened-by")
    if can(user, "case.note", case):
        present.add("notes")
    return [(anchor, title) for anchor, title in SECTIONS if anchor in present]
