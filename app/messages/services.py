"""Case messages: threads, sending, reading, alerts with no content, digests, witness links.

One thread per party of a case (app/access.ThreadRef names it). The office is the staff
cleared on the case. A message carries text and files (the case's evidence, through the
same checks and storage); staff see each on the timeline, an office message to a party
goes in the disclosure log, reading a thread is audited. Alerts say only that there is a
new message and where: never its text, never a name but the reader's own. Services flush,
never commit.
"""
from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app import clock
from app.access import (
    ThreadRef,
    cleared_cases,
    is_staff_on,
    members_in,
    representatives_of,
    thread_key,
)
from app.accounts.models import Role, User, UserRole
from app.accounts.tokens import TokenError, make_token, read_token
from app.audit.services import record
from app.cases import services as case_services
from app.cases.models import CLOSED_STATES, Case, CaseKind, Evidence
from app.extensions import db
from app.letters import services as letters
from app.letters.catalogue import ALERT, DIGEST, WITNESS_LINK
from app.letters.services import Letter
from app.messages.models import (
    AlertSetting,
    Message,
    MessageAttachment,
    PendingAlert,
    StockReply,
    Thread,
    WitnessLink,
)
from app.notifications.services import queue_mail
from app.urls import external_url

WITNESS_PURPOSE = "witness.link"
MAX_TEXT = 10_000
MAX_LINK_DAYS = 90
DASHBOARD_LIMIT = 20


class MessageError(Exception):
    """A message rule was not met; the message is for the user, `field` says where."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- the office's emails, worded through app/letters ------------------------------------

def _worded(letter: Letter, fields: dict):
    """(text, version) from the approved wording, or the built-in one if it fails."""
    version = letters.in_force(letter.key)
    if version is not None:
        try:
            return letters.render_text(version.body, fields, html=False), version
        except letters.LetterError:
            current_app.logger.exception("wording %s does not render", version.label)
    return letters.render_text(letter.builtin, fields, html=False), None


def _mail(to: str, subject: str, letter: Letter, fields: dict):
    text, version = _worded(letter, fields)
    queue_mail(to, "messages/alert", subject, name=fields.get("name", ""),
               paragraphs=[p for p in text.split("\n\n") if p.strip()])
    return version


# --- threads --------------------------------------------------------------------------

def party_keys(case: Case, links: list[WitnessLink] | None = None) -> list[tuple[str, str]]:
    """(key, title) of every party the office can write to on this case (`links`: its
    witness links, if the caller has them already)."""
    keys = []
    if case.complainant_id is not None and case.kind != CaseKind.SELF_REPORT:
        keys.append(("complainant", "The complainant"))
    if case.served_at is not None or case.kind == CaseKind.SELF_REPORT:
        keys.append(("respondent", "The respondent"))
    for link in witness_links(case) if links is None else links:
        keys.append((f"witness-{link.id}", f"Witness: {link.name}"))
    reps: dict[str, str] = {}
    for rep in representatives_of(case):  # once they have an account; former ones stay, so
        if rep.user_id is None:           # the office keeps reading what was written
            continue
        key = f"representative-{rep.user_id}"
        if rep.active:
            reps[key] = f"Representative of {rep.party_title}: {rep.name}"
        elif rep.revoked_at is not None:
            reps.setdefault(key, f"Former representative of {rep.party_title}: {rep.name} "
                                 "(no longer acting)")
    return keys + list(reps.items())


def _former_representative(case: Case, key: str) -> bool:
    role, _, user_id = key.partition("-")
    return role == "representative" and not any(
        r.active and str(r.user_id) == user_id for r in representatives_of(case))


def thread_of(case: Case, key: str) -> Thread | None:
    return db.session.execute(select(Thread).where(
        Thread.case_id == case.id, Thread.party_key == key)).scalar_one_or_none()


def threads_for(user, case: Case) -> list[Thread]:
    """The threads this person reads on the case: all for staff, their own for a party."""
    query = select(Thread).where(Thread.case_id == case.id).options(
        selectinload(Thread.witness_link))
    if not is_staff_on(user, case):
        key = thread_key(user, case)
        if key is None:
            return []
        query = query.where(Thread.party_key == key)
    return list(db.session.execute(query.order_by(Thread.id)).scalars())


def _open_thread(case: Case, key: str) -> Thread:
    thread = thread_of(case, key)
    if thread is not None:
        return thread
    if key not in dict(party_keys(case)):
        raise MessageError("There is no such party on this case.")
    role, _, rest = key.partition("-")
    thread = Thread(case_id=case.id, party_key=key, party_role=role, created_at=clock.now())
    if role == "witness":
        thread.witness_link_id = int(rest)
    elif role == "complainant":
        thread.user_id = case.complainant_id
    elif role == "respondent":
        thread.user_id = case.respondent_user_id
    elif role == "representative":
        thread.user_id = int(rest)
    db.session.add(thread)
    db.session.flush()
    return thread


def case_section(user, case: Case, threads: list, links: list) -> dict:
    """What the case page's messages section shows this reader, from the threads they read
    and (staff) the case's witness links, which the page reads with its other small lists
    (plain rows: a thread's key, its number of messages and who has read it)."""
    staff = is_staff_on(user, case)
    links = links if staff else []
    threads = {t.party_key: t for t in threads}
    if staff:
        parties = [(key, title, threads.get(key)) for key, title in party_keys(case, links)]
        return {"staff": True, "parties": parties, "links": links}
    key = thread_key(user, case)
    if key is None:
        return {"staff": False, "parties": [], "links": []}
    return {"staff": False, "parties": [(key, "The committee office", threads.get(key))],
            "links": []}


# --- sending --------------------------------------------------------------------------

def _store_files(case: Case, files, actor, source: str) -> list[Evidence]:
    """Store the files through the evidence checks; all or none (refusals raise)."""
    files = [f for f in files or [] if f and f.filename]
    if not files:
        return []
    before = db.session.execute(select(func.max(Evidence.id))
                                .where(Evidence.case_id == case.id)).scalar() or 0
    refused = case_services.store_uploads(case, files, "message", actor, source=source)
    if refused:
        raise MessageError("Nothing was sent. " + " ".join(refused), field="files")
    return list(db.session.execute(select(Evidence).where(
        Evidence.case_id == case.id, Evidence.context == "message", Evidence.id > before)
        .order_by(Evidence.id)).scalars())


def send(ref: ThreadRef, actor, text: str, files=None, *, as_office: bool,
         witness: WitnessLink | None = None) -> Message:
    """Add a message to a party's thread (creating the thread), file its attachments, put it
    on the record and alert the other side without its content."""
    case, body = ref.case, (text or "").strip()
    if not body:
        raise MessageError("Write your message.", field="text")
    if len(body) > MAX_TEXT:
        raise MessageError(f"A message holds at most {MAX_TEXT} characters.", field="text")
    if _former_representative(case, ref.key):
        raise MessageError("This representative no longer acts for the party: the "
                           "conversation is kept for the record; write to the party instead.",
                           field="text")
    thread = _open_thread(case, ref.key)
    if thread.party_role == "witness" and not as_office and (
            witness is None or thread.witness_link_id != witness.id):
        raise MessageError("This link does not open that conversation.")
    now = clock.now()
    after_closure = not as_office and case.status in CLOSED_STATES
    who = witness.name if witness else None
    evidence = _store_files(case, files, actor,
                            source=f"message from witness {who}" if who else "message")
    message = Message(thread=thread, sender="office" if as_office else "party",
                      author_id=getattr(actor, "id", None), body=body, sent_at=now,
                      after_closure=after_closure)
    message.attachments = [MessageAttachment(evidence_id=e.id) for e in evidence]
    db.session.add(message)
    if as_office:
        thread.last_office_at, thread.office_answered = now, True
        thread.office_read_at = now  # the office has read what it answers
    else:
        thread.last_party_at, thread.office_answered = now, False
        thread.party_read_at = now
    db.session.flush()
    _put_on_record(case, thread, message, actor, evidence)
    message.letter_version_id = _alert(thread, message)
    return message


def _put_on_record(case: Case, thread: Thread, message: Message, actor, evidence) -> None:
    files = f" with {len(evidence)} file{'s' if len(evidence) != 1 else ''}" if evidence else ""
    marked = " (after the case closed)" if message.after_closure else ""
    if message.sender == "office":
        summary = f"Message from the office to {thread.party_title.lower()}{files}"
        to = _party_address(thread)
        case_services.disclose(
            case, "message", message.id, f"Message{files} ({thread.party_title})",
            how="case message", recipient_user=thread.user,
            recipient_email=to, by=actor)
    else:
        summary = f"Message from {thread.party_title.lower()}{files}{marked}"
    case_services.add_event(case, actor, "message", summary)  # staff only, no text
    record("message.sent", actor=actor, target=case,
           actor_label=None if actor else f"witness {thread.witness_link.email}",
           number=case.number, thread=thread.party_key, message=message.id,
           sender=message.sender, files=len(evidence), after_closure=message.after_closure)


def _party_address(thread: Thread) -> str | None:
    if thread.party_role == "witness":
        return thread.witness_link.email
    if thread.user is not None:
        return thread.user.email
    if thread.party_role == "respondent":
        return case_services.service_address(thread.case)
    return None


# --- alerts with no content ------------------------------------------------------------

def office_recipients(case: Case) -> list[User]:
    """Who hears of a party's message: chairs and administrators cleared on the case, and
    its investigators (never a recused member, never a party)."""
    people = db.session.execute(
        select(User).join(UserRole).where(UserRole.role.in_([Role.CHAIR, Role.ADMIN]),
                                          User.active.is_(True))).scalars().unique().all()
    chosen = {u.id: u for u in people if is_staff_on(u, case)}
    for u in members_in(case, "investigator"):
        if u.active and is_staff_on(u, case):
            chosen.setdefault(u.id, u)
    return sorted(chosen.values(), key=lambda u: u.id)


def read_url(thread: Thread) -> str:
    if thread.party_role == "witness":
        return witness_url(thread.witness_link)
    return external_url("messages.thread", number=thread.case.number, key=thread.party_key)


def _alert(thread: Thread, message: Message):
    """Tell the other side there is a message, and where; return the wording version used."""
    case = thread.case
    subject = f"New message on case {case.number}"
    version = None
    if message.sender == "office":
        if thread.party_role == "witness":
            link = thread.witness_link
            return _mail(link.email, subject, ALERT, {
                "name": link.name, "case_number": case.number, "read_url": read_url(thread)})
        user = thread.user
        if user is not None and alert_mode(user) == "daily":
            _pend(user, thread)
            return None
        to = _party_address(thread)
        if to:
            version = _mail(to, subject, ALERT, {
                "name": user.name if user else "", "case_number": case.number,
                "read_url": read_url(thread)})
        return version
    for user in office_recipients(case):
        if alert_mode(user) == "daily":
            _pend(user, thread)
            continue
        version = _mail(user.email, subject, ALERT, {
            "name": user.name, "case_number": case.number, "read_url": read_url(thread)})
    return version


def alert_mode(user) -> str:
    setting = db.session.get(AlertSetting, user.id)
    return setting.mode if setting else "each"


def set_alert_mode(user, mode: str) -> None:
    if mode not in ("each", "daily"):
        raise MessageError("Choose how you want to hear of new messages.", field="mode")
    setting = db.session.get(AlertSetting, user.id)
    if setting is None:
        setting = AlertSetting(user_id=user.id, mode=mode)
        db.session.add(setting)
    setting.mode = mode
    db.session.flush()
    record("message.alert_setting", actor=user, target=user, mode=mode)


def _pend(user, thread: Thread) -> None:
    exists = db.session.execute(select(PendingAlert.id).where(
        PendingAlert.user_id == user.id, PendingAlert.thread_id == thread.id)).first()
    if exists is None:
        db.session.add(PendingAlert(user_id=user.id, thread_id=thread.id, since=clock.now()))
        db.session.flush()


def send_digests(limit: int = 500) -> list[str]:
    """Send each daily-digest reader, at most once a day, one email listing where they have
    new messages (no text). Returns a line per email sent."""
    now = clock.now()
    due = db.session.execute(
        select(AlertSetting).where(
            AlertSetting.mode == "daily",
            or_(AlertSetting.last_digest_at.is_(None),
                AlertSetting.last_digest_at <= now - timedelta(days=1)),
            AlertSetting.user_id.in_(select(PendingAlert.user_id)))
        .order_by(AlertSetting.user_id).limit(limit)).scalars().all()
    lines = []
    for setting in due:
        user = db.session.get(User, setting.user_id)
        pending = db.session.execute(
            select(PendingAlert).where(PendingAlert.user_id == user.id)
            .options(selectinload(PendingAlert.thread).selectinload(Thread.case))
            .order_by(PendingAlert.since)).scalars().all()
        places = [{"case_number": p.thread.case.number, "read_url": read_url(p.thread)}
                  for p in pending if _still_reads(user, p.thread)]
        for p in pending:
            db.session.delete(p)
        setting.last_digest_at = now
        if places and user.active:
            _mail(user.email, "New messages on your cases", DIGEST,
                  {"name": user.name, "count": len(places), "places": places})
            record("message.digest_sent", target=user, threads=len(places))
            lines.append(f"digest to user {user.id}: {len(places)} thread(s)")
    db.session.flush()
    return lines


def _still_reads(user, thread: Thread) -> bool:
    return is_staff_on(user, thread.case) or thread_key(user, thread.case) == thread.party_key


# --- reading -------------------------------------------------------------------------

def mark_read(thread: Thread, actor, *, as_office: bool, witness: WitnessLink | None = None
              ) -> None:
    """Note that a side read the thread, and audit the reading."""
    now = clock.now()
    if as_office:
        thread.office_read_at = now
        db.session.execute(PendingAlert.__table__.delete().where(
            PendingAlert.thread_id == thread.id, PendingAlert.user_id == actor.id))
    else:
        thread.party_read_at = now
        if actor is not None:
            db.session.execute(PendingAlert.__table__.delete().where(
                PendingAlert.thread_id == thread.id, PendingAlert.user_id == actor.id))
    record("message.thread_read", actor=actor, target=thread.case,
           actor_label=f"witness {witness.email}" if witness else None,
           number=thread.case.number, thread=thread.party_key,
           messages=len(thread.messages))


def attachment_of(ref: ThreadRef, attachment_id: int) -> MessageAttachment | None:
    """An attachment of a message in this thread (None if it belongs elsewhere)."""
    return db.session.execute(
        select(MessageAttachment).join(Message).join(Thread)
        .where(MessageAttachment.id == attachment_id, Thread.case_id == ref.case.id,
               Thread.party_key == ref.key)).scalar_one_or_none()


@dataclass(frozen=True)
class Waiting:
    thread: Thread
    waited: timedelta
    unread: bool


def waiting_for(user, limit: int = DASHBOARD_LIMIT) -> list[Waiting]:
    """Threads on the person's cleared cases whose party waits for the office (unanswered or
    unread), the longest waiting first. One query, whatever the number of cases."""
    cases = cleared_cases(user).with_only_columns(Case.id)
    rows = db.session.execute(
        select(Thread).where(Thread.case_id.in_(cases), Thread.last_party_at.is_not(None),
                             or_(Thread.office_answered.is_(False),
                                 Thread.office_read_at.is_(None),
                                 Thread.office_read_at < Thread.last_party_at))
        .options(selectinload(Thread.case), selectinload(Thread.witness_link))
        .order_by(Thread.last_party_at).limit(limit)).scalars().all()
    now = clock.now()
    return [Waiting(t, now - t.last_party_at, t.unread_by_office) for t in rows]


# --- stock replies ---------------------------------------------------------------------

def stock_replies() -> list[StockReply]:
    return list(db.session.execute(select(StockReply).order_by(StockReply.title)).scalars())


def add_stock_reply(actor, title: str, body: str) -> StockReply:
    title, body = title.strip(), body.strip()
    if db.session.execute(select(StockReply.id).where(StockReply.title == title)).first():
        raise MessageError("A stock reply has this title already.", field="title")
    reply = StockReply(title=title, body=body, created_by_id=actor.id, created_at=clock.now())
    db.session.add(reply)
    db.session.flush()
    record("message.stock_reply_added", actor=actor, target=reply, title=title)
    return reply


def delete_stock_reply(reply: StockReply, actor) -> None:
    record("message.stock_reply_deleted", actor=actor, target=reply, title=reply.title)
    db.session.delete(reply)
    db.session.flush()


# --- witnesses without accounts ----------------------------------------------------------

def witness_links(case: Case) -> list[WitnessLink]:
    return list(db.session.execute(select(WitnessLink).where(WitnessLink.case_id == case.id)
                                   .order_by(WitnessLink.id)).scalars())


def witness_url(link: WitnessLink) -> str:
    return external_url("messages.witness", token=make_token(
        WITNESS_PURPOSE, {"lid": link.id, "n": link.nonce}))


def open_witness_link(case: Case, actor, *, name: str, email: str, request: str,
                      days: int) -> WitnessLink:
    """Give a witness a personal link to one request: read it, reply, send files."""
    if not 1 <= days <= MAX_LINK_DAYS:
        raise MessageError(f"A link works for 1 to {MAX_LINK_DAYS} days.", field="days")
    if case.status in CLOSED_STATES:
        raise MessageError("The case is closed: no witness can be asked any more.")
    now = clock.now()
    link = WitnessLink(case_id=case.id, name=name.strip(), email=email.strip().lower(),
                       nonce=secrets.token_hex(16), created_by_id=actor.id, created_at=now,
                       expires_at=now + timedelta(days=days))
    db.session.add(link)
    db.session.flush()
    record("witness_link.created", actor=actor, target=case, number=case.number,
           link=link.id, email=link.email, expires_at=link.expires_at.isoformat())
    link.letter_version_id = getattr(_mail(
        link.email, f"Case {case.number}: a request from the committee's office", WITNESS_LINK,
        {"name": link.name, "case_number": case.number, "link_url": witness_url(link),
         "expires_on": link.expires_at.date().isoformat()}), "id", None)
    # the request is the thread's first message: it reaches the witness by the link alone
    thread = _open_thread(case, f"witness-{link.id}")
    message = Message(thread=thread, sender="office", author_id=actor.id,
                      body=request.strip(), sent_at=now)
    db.session.add(message)
    thread.last_office_at = now
    db.session.flush()
    case_services.disclose(case, "message", message.id, f"Request to witness {link.name}",
                           how="witness link", recipient_email=link.email, by=actor)
    case_services.add_event(case, actor, "message",
                            f"A personal link sent to witness {link.name}")
    return link


def revoke_witness_link(link: WitnessLink, actor) -> None:
    if link.revoked_at is not None:
        raise MessageError("This link is already revoked.")
    link.revoked_at, link.revoked_by_id = clock.now(), actor.id
    record("witness_link.revoked", actor=actor, target=link.case, number=link.case.number,
           link=link.id)
    case_services.add_event(link.case, actor, "message",
                            f"The link of witness {link.name} revoked")


def link_for_token(token: str) -> WitnessLink:
    """The one live link a token opens, or raise TokenError (bad, replaced, revoked, expired)."""
    data = read_token(WITNESS_PURPOSE, token, max_age=(MAX_LINK_DAYS + 1) * 86400)
    lid = data.get("lid") if isinstance(data, dict) else None
    nonce = data.get("n") if isinstance(data, dict) else None
    if not isinstance(lid, int) or not isinstance(nonce, str):
        raise TokenError("This link is not valid.")
    link = db.session.get(WitnessLink, lid)
    if link is None or not hmac.compare_digest(link.nonce, nonce):
        raise TokenError("This link is not valid.")
    if link.revoked:
        raise TokenError("This link was withdrawn by the committee's office. If you still "
                         "need to reach them, answer the email that brought it.")
    if link.expired:
        raise TokenError("This link has expired. Ask the committee's office for a new one.",
                         expired=True)
    return link


def witness_used(link: WitnessLink, what: str) -> None:
    """Audit each use of a witness link (opening the page, replying)."""
    record("witness_link.used", target=link.case, actor_label=f"witness {link.email}",
           number=link.case.number, link=link.id, what=what)
