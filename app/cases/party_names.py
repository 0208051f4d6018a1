"""The names a case is found by, kept on the case (`Case.party_names`) for the search box.

A case is found by the name the complainant gave for the respondent, the respondent's
registry record (name and certification number) and the complainant's account name. Read
from their three tables, a surname borne by 2.5% of people gathered 4,668 cases through
three indexes and two lists of thousands of keys (19 ms of a 35 ms statement at 100,000
cases); kept on the case as one text, they are found through one trigram index. The
text is kept in lower case and compared with LIKE, what was typed lowered by the same
SQL function (migration d81f3b6a0c57): ILIKE lowered each of those 4,668 rows as it
rechecked them, 5-6 ms of the statement; LIKE compares them in 2.5-3.

The text is SQL over the rows it derives from (`names_of_case`), recomputed by one
UPDATE for the cases a transaction touched, just before it commits: a case whose
respondent or complainant changed (or a new case), and every case of a registry record or
an account whose name changed. Erasing a case's personal data (app/records) clears its
complainant and the respondent's free-text name, so the same UPDATE drops them from the
text. Recomputing is idempotent; `rebuild()` recomputes every case: the bench generator
(which loads rows by COPY) and the nightly job `cases.rebuild_party_names`, which logs any
drift it corrects (a record renamed while another transaction linked a case to it computes
that case's text from the old name: rare, and righted overnight).
"""
from __future__ import annotations

import logging

from celery import shared_task
from sqlalchemy import event, func, inspect, literal, select, update
from sqlalchemy.orm import Session, aliased

from app.accounts.models import User
from app.cases.models import Case
from app.extensions import db
from app.registry.models import Certificant

log = logging.getLogger(__name__)

SEPARATOR = "\n"  # never typed into the one-line search box, so no match spans two names
# the attributes a case's text derives from, on each model
_CASE_ATTRS = ("respondent_name", "respondent_certificant_id", "complainant_id",
               "respondent_certificant", "complainant")  # (a relationship set, not its key)
_CERT_ATTRS = ("name", "cert_number")
_USER_ATTRS = ("name",)
_PENDING = "party_names.pending"  # session.info: the (cases, records, accounts) touched


def names_of_case():
    """SQL: the text of the correlated case row in `cases`."""
    record = aliased(Certificant)
    account = aliased(User)
    certified = select(record.name + literal(" ") + record.cert_number) \
        .where(record.id == Case.respondent_certificant_id).scalar_subquery()
    complainant = select(account.name).where(account.id == Case.complainant_id) \
        .scalar_subquery()
    # in lower case (the database's lower(), which the search applies to what was typed):
    # compared with LIKE, not ILIKE, which lowers every candidate row as it is read
    return func.lower(func.coalesce(Case.respondent_name, "") + SEPARATOR
                      + func.coalesce(certified, "") + SEPARATOR
                      + func.coalesce(complainant, ""))


def refresh(session: Session, case_ids=(), certificant_ids=(), user_ids=()) -> None:
    """Recompute the text of the given cases and of every case of the given registry
    records (as respondent) and accounts (as complainant)."""
    conditions = []
    if case_ids:
        conditions.append(Case.id.in_(sorted(case_ids)))
    if certificant_ids:
        conditions.append(Case.respondent_certificant_id.in_(sorted(certificant_ids)))
    if user_ids:
        conditions.append(Case.complainant_id.in_(sorted(user_ids)))
    for where in conditions:
        _update(session, where)


def rebuild(session: Session) -> int:
    """Recompute every case's text; how many rows changed (0: the kept text was right)."""
    return _update(session, Case.party_names.is_distinct_from(names_of_case()))


@shared_task(name="cases.rebuild_party_names")
def rebuild_party_names() -> dict:
    """The nightly check of every case's kept names against their definition."""
    drift = rebuild(db.session)
    db.session.commit()
    if drift:
        log.warning("cases.party_names: %d case(s) had drifted from their names; rebuilt",
                    drift)
    return {"drift": drift}


def _update(session: Session, where) -> int:
    # a Core UPDATE: the version counter (row_version) is the ORM's, for what a person edits;
    # this text is derived, so keeping it does not make an open form stale
    stmt = update(Case).where(where).values(party_names=names_of_case()) \
        .execution_options(synchronize_session=False)
    return session.execute(stmt).rowcount


# --- keeping the text: what a transaction touched, recomputed before it commits ---------

def _changed(obj, attrs) -> bool:
    state = inspect(obj)
    return any(state.attrs[a].history.has_changes() for a in attrs)


def _note(session: Session) -> None:
    cases, certificants, users = session.info.setdefault(_PENDING, (set(), set(), set()))
    for obj in session.new:
        if isinstance(obj, Case):
            cases.add(obj)
    for obj in session.dirty:
        if isinstance(obj, Case) and _changed(obj, _CASE_ATTRS):
            cases.add(obj)
        elif isinstance(obj, Certificant) and _changed(obj, _CERT_ATTRS):
            certificants.add(obj)
        elif isinstance(obj, User) and _changed(obj, _USER_ATTRS):
            users.add(obj)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, flush_context, instances) -> None:
    # the changes as made (history is reset once they are flushed); the objects are kept,
    # not their ids, since a new case has none yet
    _note(session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    session.flush()  # the last changes, noted by before_flush
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    cases, certificants, users = (
        {obj.id for obj in objs if obj.id is not None and not inspect(obj).deleted}
        for objs in pending)
    if cases or certificants or users:
        refresh(session, cases, certificants, users)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outer transaction (a savepoint's end keeps them)
        session.info.pop(_PENDING, None)
