"""Home pages by role, and the health check."""
from __future__ import annotations

import time
from functools import lru_cache

from flask import Blueprint, current_app, jsonify, render_template
from flask_login import current_user
from sqlalchemy import String, cast, func, literal, select, union_all
from sqlalchemy.orm import selectinload

from app import clock
from app.access import (
    Viewer,
    cleared_cases,
    party_cases,
    represented_cases,
    respondent_cases,
    viewer,
)
from app.cases.models import OPEN_STATES, Case, State
from app.extensions import db
from app.jobs.engine import broker_state
from app.messages.services import waiting_for
from app.notifications.models import OutboxMessage, OutboxStatus
from app.notifications.services import backlog
from app.office import due
from app.office.models import WaitingItem
from app.paging import paginate
from app.policy import authorize, can
from app.registry.services import pending_link_count

bp = Blueprint("main", __name__)
HOME_SHOWN = 10  # a certificant's home lists the newest few complaints and matters
HOME_COUNT_CAP = 100  # a committee home counts each status up to this ("more than 100")


@bp.route("/")
def home():
    """Send each person to the home page of their highest role."""
    if can(current_user, "home.admin"):
        authorize("home.admin")
        pending_mail = db.session.execute(
            select(func.count()).select_from(OutboxMessage)
            .where(OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.FAILED]))
        ).scalar_one()
        return render_template("main/home_admin.html", pending_mail=pending_mail,
                               link_requests=pending_link_count(),
                               waiting=waiting_for(current_user), **_due())
    if can(current_user, "home.committee"):
        authorize("home.committee")
        counts, awaiting = open_case_counts(current_user)
        return render_template("main/home_committee.html", counts=counts, State=State,
                               cap=HOME_COUNT_CAP,
                               open_states=[s for s in State if s in OPEN_STATES],
                               awaiting=awaiting, waiting=waiting_for(current_user), **_due())
    authorize("account.profile", current_user)
    newest = (Case.created_at.desc(), Case.id.desc())
    complaints = paginate(party_cases(current_user).where(Case.complainant_id == current_user.id)
                          .order_by(*newest), per_page=HOME_SHOWN, page=1)
    matters = paginate(respondent_cases(current_user).options(selectinload(Case.deadlines))
                       .order_by(*newest), per_page=HOME_SHOWN, page=1)
    # the cases where the person acts for a party: one query, the newest few
    representing = db.session.execute(represented_cases(current_user).order_by(*newest)
                                      .limit(HOME_SHOWN + 1)).scalars().all()
    return render_template("main/home_certificant.html", complaints=complaints,
                           matters=matters, representing=representing[:HOME_SHOWN],
                           more_representing=len(representing) > HOME_SHOWN, State=State)


def _due() -> dict:
    """The person's own items, and the whole committee's for those who run the office."""
    mine, committee, left_out = due.dashboards(
        current_user, committee=can(current_user, "office.statistics"))
    return {"due_items": mine, "committee_due": committee, "due_left_out": left_out,
            "due_shown": due.LIMIT}


def open_case_counts(user) -> tuple[dict[str, int], int]:
    """The member's open cases by status, and how many open cases await their declaration,
    each counted up to HOME_COUNT_CAP (one past it means "more than"), in one statement.
    """
    statement = _counts_statement(viewer(user), HOME_COUNT_CAP)
    counts = {status: n for status, n in db.session.execute(statement) if n}
    return counts, counts.pop("", 0)


@lru_cache(maxsize=32)  # ~0.25 MB a viewer; a committee and its office
def _counts_statement(person: Viewer, cap: int):
    """The counts' statement for a viewer and cap, built once per process (a millisecond
    of Python a request otherwise; what is open to the viewer is read when it runs).

    Counts by status read the cases' content, so they cover only the cases open to the
    member (`cleared_cases`: declared, not recused). One count per status, as a subquery
    correlated to a list of the open states (a UNION ALL of literals: SQLite
    has no VALUES with named columns): planned once (nine UNION ALL branches
    took the planner 4-10 ms at 100,000 cases), each walking its status's index newest
    first and checking the member's declaration case by case, and stopping past the cap,
    so the home costs the same at any size. The declarations awaited are the member's
    kept waiting items (`office.waits`, an index).
    """
    open_states = union_all(*(select(cast(literal(s.value), String).label("status"))
                              for s in State if s in OPEN_STATES)).subquery("open_states")
    cases = (cleared_cases(person).with_only_columns(Case.id)
             .where(Case.status == open_states.c.status)
             .order_by(Case.submitted_at.desc(), Case.id.desc())
             .limit(cap + 1).correlate(open_states))
    by_status = select(open_states.c.status, select(func.count()).select_from(
        cases.subquery()).scalar_subquery().label("n"))
    awaited = select(cast(literal(""), String).label("status"), func.count().label("n")) \
        .select_from(select(WaitingItem.id).where(
            WaitingItem.kind == "declaration", WaitingItem.member_id == person.id)
            .limit(cap + 1).subquery())
    return union_all(by_status, awaited)


BROKER_CHECK_SECONDS = 5.0  # how long one process reuses its last look at a broker
_broker_seen: dict[str | None, tuple[float, str]] = {}


def _broker_state() -> str:
    """The broker's state, asked at most every few seconds per process and broker:
    connecting to it costs more than the rest of the health check, which a load balancer
    may call many times a second."""
    url = current_app.config.get("CELERY_BROKER_URL")
    now = time.monotonic()
    seen = _broker_seen.get(url)
    if seen is None or now - seen[0] >= BROKER_CHECK_SECONDS:
        seen = _broker_seen[url] = (now, broker_state())
    return seen[1]


@bp.route("/accessibility")
def accessibility():
    """The accessibility statement (public): the standard aimed at, what was tested, the
    known exceptions, and how to ask for another format or an adjustment."""
    return render_template("main/accessibility.html",
                           adjustment_days=current_app.config["ADJUSTMENT_DAYS"])


_health_seen: dict[str, tuple[float, dict, int]] = {}


def _health() -> tuple[dict, int]:
    """The database (its answer to the backlog's one indexed query is the proof it answers),
    the broker and the mail backlog."""
    outbox = None
    try:
        outbox = backlog()
        database = "ok"
    except Exception as error:  # report, never raise, from a health check
        current_app.logger.warning("health check: database unavailable: %s", error)
        db.session.rollback()
        database = "unavailable"
    broker = _broker_state()
    status = 200 if database == "ok" and broker != "unavailable" else 503
    return {"app": "ok", "database": database, "broker": broker, "outbox": outbox}, status


@bp.route("/healthz")
def healthz():
    """Report the app's, the database's and the broker's state, and the mail backlog (public).

    A load balancer or a crowd may call it many times a second: each process answers from
    its last look for HEALTH_CHECK_SECONDS (1 s; 0 asks every time), with `checked_at`."""
    window = current_app.config["HEALTH_CHECK_SECONDS"]
    now = time.monotonic()
    seen = _health_seen.get("last")
    if seen is None or now - seen[0] >= window:
        body, status = _health()
        seen = _health_seen["last"] = (now, body | {"checked_at": clock.now().isoformat()},
                                       status)
    return jsonify(seen[1]), seen[2]
