"""Fill a PostgreSQL database with a scaled-up history of proceedings, for the benchmarks.

    .venv/bin/python bench/generate.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_10k \\
        --cases 10000 --audit 100000

The database (named bench*, on 127.0.0.1) is dropped and created, migrated by the
app's own Alembic revisions through the app factory, and seeded by the app's own
functions (the 2009 code, the demo's accounts and registry records, with the demo
password, so the page benchmark signs in as the demo's people). Everything else is
bulk-loaded with COPY: registry records and accounts; cases in every state of the
proceeding with their parties, allegations, timeline, deadlines, answers,
investigators, panels, hearings, votes, decisions, findings, sanctions and appeals;
the demo committee's declarations (about half of the cases each, some disclosures)
and recusals; issued document rows that /verify/<number> answers for (no PDF files);
the outbox; and an audit log written as `record()` writes it (content, personal part,
salted digest and MAC under the bench's AUDIT_KEY, unsealed), then chained by the app's
own sealer (`seal_pending()`, in batches), so `flask audit verify` accepts it. About 1%
of the cases end in a final public sanction, so the public register has entries.

The data is random but reproducible (--seed). The run prints how long each table took.
"""
from __future__ import annotations

import argparse
import json
import random
import secrets
import shutil
import sys
import time
from bisect import bisect
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate

import psycopg
from benchlib import (
    bench_app,
    bench_env,
    checkpoint_dir,
    conninfo,
    local_url,
    recreate_database,
)
from flask_migrate import upgrade
from sqlalchemy import func, select

from app import clock
from app.accounts.models import Role
from app.accounts.passwords import hash_password
from app.accounts.services import create_user
from app.audit.models import AuditEntry
from app.audit.sealing import seal_pending
from app.audit.signing import audit_key, content_mac, personal_digest
from app.cases import party_names
from app.catalogue.services import ensure_2009_code
from app.demo import DEMO_PASSWORD, DEMO_REGISTRY, DEMO_USERS
from app.extensions import db
from app.office.models import WaitingItem
from app.office.tasks import rebuild_waits
from app.proceedings.documents import DOCUMENT_TYPES
from app.registry.models import Certificant

# (final state, share of the cases, how many days ago it was filed: (min, max))
STATE_MIX = [
    ("draft", .03, (0, 60)),
    ("submitted", .06, (0, 45)),
    ("info_requested", .02, (10, 60)),
    ("awaiting_response", .05, (10, 90)),
    ("investigation", .08, (40, 300)),
    ("committee_review", .04, (120, 420)),
    ("hearing_scheduled", .02, (150, 500)),
    ("deliberation", .01, (200, 540)),
    ("decided", .02, (200, 600)),
    ("under_appeal", .01, (240, 700)),
    ("final", .03, (260, 1400)),
    ("closed", .22, (300, 3000)),
    ("dismissed", .30, (20, 3000)),
    ("abandoned", .04, (70, 3000)),
    ("withdrawn", .04, (20, 3000)),
    ("disposed", .03, (2700, 3600)),
]
PUBLIC_SHARE = 0.01  # of all cases: a final public sanction on the register
DECLARED_SHARE = 0.5  # each committee member has declared on about half of the cases
DISCLOSURE_SHARE = 0.03
RECUSAL_SHARE = 0.015
CLARA_COMPLAINTS = 25  # the demo complainant's own complaints (party pages)
RORY_MATTERS = 25  # the demo respondent's served matters
SEAL_BATCH = 100_000  # audit entries chained per transaction

# What each step of a path does: (to status or None, timeline summary, seen by the
# complainant, by the respondent)
STEPS = {
    "submit": ("submitted", "Complaint submitted", True, False),
    "request_info": ("info_requested", "More information requested", True, False),
    "abandon": ("abandoned", "Closed: the information was not provided in time", True, False),
    "accept": ("awaiting_response", "Complaint accepted; the respondent was served", True, True),
    "dismiss": ("dismissed", "Complaint dismissed", True, False),
    "respond": ("investigation", "The respondent answered", True, True),
    "record_default": ("investigation", "No answer by the deadline: default recorded", True, True),
    "assign_investigators": (None, "Investigator assigned", False, False),
    "refer": ("committee_review", "Investigation closed; the case is before the committee",
              True, True),
    "review_dismiss": ("dismissed", "The committee dismissed the complaint", True, True),
    "review_caution": ("decided", "The committee dismissed the complaint with a cautionary "
                       "letter", True, True),
    "set_hearing": ("hearing_scheduled", "A hearing was scheduled", True, True),
    "hold_hearing": ("deliberation", "The hearing was held", True, True),
    "decide": ("decided", "The panel decided", True, True),
    "appeal": ("under_appeal", "The decision was appealed", True, True),
    "finalize": ("final", "The decision is final", True, True),
    "close": ("closed", "The case is closed", True, True),
    "withdraw": ("withdrawn", "The complainant withdrew the complaint", True, True),
    "dispose": ("disposed", "The file was disposed of after the retention period", False, False),
}
HEARING_PATH = ["submit", "accept", "respond", "assign_investigators", "refer", "set_hearing",
                "hold_hearing", "decide"]
REVIEW_PATH = ["submit", "accept", "respond", "assign_investigators", "refer", "review_caution"]
PATHS = {
    "draft": [],
    "submitted": ["submit"],
    "info_requested": ["submit", "request_info"],
    "abandoned": ["submit", "request_info", "abandon"],
    "awaiting_response": ["submit", "accept"],
    "investigation": ["submit", "accept", "respond", "assign_investigators"],
    "committee_review": ["submit", "accept", "respond", "assign_investigators", "refer"],
    "hearing_scheduled": HEARING_PATH[:6],
    "deliberation": HEARING_PATH[:7],
    "withdrawn": ["submit", "accept", "withdraw"],
}
DISMISSAL_REASONS = ["no_jurisdiction", "out_of_time", "insufficient_facts", "not_a_violation",
                     "duplicate"]
FIRST = ("Ada Ben Cara Dev Eli Fay Gus Hana Ivo Jana Kofi Lena Milo Nora Owen Pia Quin Rosa "
         "Sami Tara Umar Vera Wes Xena Yara Zane Amir Beth Carl Dina Emil Fern Gita Hugo Iris "
         "Joel Kira Luis Maya Neil").split()
LAST = ("Abbott Baker Castillo Dubois Eriksen Fischer Garcia Haddad Ibrahim Jensen Kowalski "
        "Larsen Moreau Nakamura Okafor Petrov Quinn Rossi Schmidt Tanaka Underwood Vargas "
        "Weber Xu Yilmaz Zhou Andersen Brennan Costa Delgado Evans Ferreira Gallagher Horvat "
        "Ito Jovanovic Kim Lindqvist Murphy Novak").split()
FACTS = ["The respondent discussed the client's housing with a landlord in whose business "
         "the respondent held a share, and did not disclose it.",
         "The respondent closed the file without written notice to the client or the payer.",
         "Client records were left in an unlocked car and later found by a neighbour.",
         "The respondent recorded calls with the client without the client's permission.",
         "The respondent's report to the insurer overstated the client's progress.",
         "The respondent accepted a referral fee from a rehabilitation provider.",
         "The respondent used the designation on a business card while not certified."]
STAFF_IPS = [f"10.0.{a}.{b}" for a in range(4) for b in range(2, 30)]


@dataclass(slots=True)
class CaseRow:
    id: int
    state: str
    kind: str
    submitted: datetime | None
    created: datetime
    number: str | None = None
    complainant_id: int | None = None
    certificant_id: int | None = None
    respondent_user_id: int | None = None
    respondent_name: str = ""
    respondent_email: str | None = None
    served: datetime | None = None
    closed: datetime | None = None
    outcome_reason: str | None = None
    status_before_withdrawal: str | None = None
    self_report_event: str | None = None
    path: list = field(default_factory=list)
    times: list = field(default_factory=list)  # when each step of the path happened
    allegations: list = field(default_factory=list)  # (id, code)
    public: bool = False


class Generator:
    def __init__(self, cases: int, audit_entries: int, seed: int):
        self.n = cases
        self.audit_total = audit_entries
        self.rng = random.Random(seed)
        self.now = clock.now().replace(microsecond=0)
        self.start = self.now - timedelta(days=3700)
        self.ids: dict[str, int] = {}
        self.timings: list[tuple[str, int, float]] = []

    # --- helpers -----------------------------------------------------------------

    def next_id(self, table: str) -> int:
        self.ids[table] = self.ids.get(table, 0) + 1
        return self.ids[table]

    def naive(self, moment: datetime) -> datetime:
        return moment.astimezone(UTC).replace(tzinfo=None)

    def name(self) -> str:
        return f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"

    def copy(self, conn, table: str, columns: tuple[str, ...], rows) -> int:
        """COPY rows into a table; return how many."""
        started = time.perf_counter()
        count = 0
        with conn.cursor() as cur, cur.copy(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        self.timings.append((table, count, time.perf_counter() - started))
        print(f"  {table:<22} {count:>9,} rows  {time.perf_counter() - started:6.1f} s",
              flush=True)
        return count

    # --- seeding through the app --------------------------------------------------

    def seed_with_app(self, app) -> None:
        """Migrate, then seed the code and the demo's people with the app's own functions."""
        with app.app_context():
            clock.freeze(self.start)
            try:
                upgrade()
                version = ensure_2009_code()
                for number, name, email, status, expires in DEMO_REGISTRY:
                    db.session.add(Certificant(cert_number=number, name=name, email=email,
                                               status=status, expires_on=expires))
                db.session.flush()
                certs = {c.cert_number: c.id for c in db.session.query(Certificant)}
                users = {}
                for spec in DEMO_USERS:
                    user = create_user(spec["email"], spec["name"], DEMO_PASSWORD, verified=True,
                                       roles=spec["roles"])
                    if "cert" in spec:
                        user.certificant_id = certs[spec["cert"]]
                    users[spec["email"]] = user
                db.session.flush()
                self.items = {i.code: i.id for i in version.items}
                self.password_hash = hash_password("bench-password-2026")
                self.demo = {email: (u.id, u.name, set(u.role_names)) for email, u in users.items()}
                self.demo_certs = certs
                last = db.session.query(AuditEntry).order_by(AuditEntry.id.desc()).first()
                self.ids["audit_entries"] = last.id
                self.audit_key = audit_key()
                db.session.commit()
            finally:
                clock.freeze(None)
        self.ids["users"] = max(u[0] for u in self.demo.values())
        self.ids["certificants"] = max(certs.values())
        self.committee = [u[0] for u in self.demo.values() if u[2] & {Role.MEMBER, Role.CHAIR}]
        self.admin_id = self.demo["admin@example.org"][0]
        self.chair_id = self.demo["chair@example.org"][0]
        self.staff_ids = [self.admin_id, *self.committee]
        self.email_of = {u[0]: email for email, u in self.demo.items()}

    # --- people ------------------------------------------------------------------

    def make_people(self) -> None:
        """Registry records (one per case) and public accounts (one per two cases)."""
        rng = self.rng
        self.certs = []  # (id, number, name, email, status, expires_on, linked user id)
        for i in range(self.n):
            cid = self.next_id("certificants")
            name = self.name()
            email = f"ccm{200000 + i}@bench.example.org"
            expires = (self.now + timedelta(days=rng.randint(-400, 1500))).date()
            self.certs.append([cid, f"CCM-{200000 + i}", name, email,
                               "active" if expires >= self.now.date() else "inactive",
                               expires, None])
        self.users = []  # (id, email, name, certificant id)
        linked = rng.sample(range(len(self.certs)), k=int(self.n * 0.3))
        for index in linked:
            cert = self.certs[index]
            uid = self.next_id("users")
            cert[6] = uid
            self.users.append((uid, cert[3], cert[2], cert[0]))
        for i in range(self.n // 2 - len(linked)):
            uid = self.next_id("users")
            self.users.append((uid, f"person{i}@bench.example.org", self.name(), None))
        self.user_by_id = {u[0]: u for u in self.users}
        for email, (uid, name, _) in self.demo.items():
            self.user_by_id[uid] = (uid, email, name, None)
        self.linked_certs = [c for c in self.certs if c[6] is not None]
        # a few respondents come back: a quarter of the cases name one of 5% of the records
        self.repeaters = rng.sample(self.certs, k=max(1, self.n // 20))

    # --- cases -------------------------------------------------------------------

    def make_cases(self) -> None:
        rng = self.rng
        shares = list(accumulate(s for _, s, _ in STATE_MIX))
        self.cases: list[CaseRow] = []
        clara = self.demo["cert1@example.org"][0]
        rory = self.demo["cert2@example.org"][0]
        rory_cert = self.demo_certs["CCM-100002"]
        for i in range(self.n):
            state, _, (lo, hi) = STATE_MIX[min(bisect(shares, rng.random() * shares[-1]),
                                               len(STATE_MIX) - 1)]
            filed = self.now - timedelta(days=rng.uniform(lo, hi))
            case = CaseRow(id=self.next_id("cases"), state=state, kind="complaint",
                           submitted=None if state == "draft" else filed,
                           created=filed - timedelta(hours=rng.uniform(1, 96)))
            roll = rng.random()
            if roll < 0.08 and state not in ("draft", "withdrawn", "info_requested", "abandoned"):
                case.kind = "self_report"
            elif roll < 0.12 and state not in ("draft", "withdrawn", "info_requested",
                                               "abandoned"):
                case.kind = "staff"
            self._parties(case)
            if i < CLARA_COMPLAINTS and case.kind == "complaint":
                case.complainant_id = clara
            if CLARA_COMPLAINTS <= i < CLARA_COMPLAINTS + RORY_MATTERS and \
                    state not in ("draft", "submitted", "info_requested", "abandoned"):
                case.certificant_id, case.respondent_user_id = rory_cert, rory
                case.respondent_email = "cert2@example.org"
                if case.kind == "self_report":
                    case.complainant_id = rory
            self._path(case)
            self.cases.append(case)
        # number the cases in the order they were filed, per year, as assign_number does
        counters: dict[int, int] = {}
        for case in sorted((c for c in self.cases if c.submitted), key=lambda c: c.submitted):
            year = case.submitted.year
            counters[year] = counters.get(year, 0) + 1
            case.number = f"EC-{year}-{counters[year]:05d}"
        self.counters = counters
        # about 1% of all cases end with a final public sanction
        done = [c for c in self.cases if "finalize" in c.path and "decide" in c.path
                and c.certificant_id is not None]
        for case in rng.sample(done, k=min(len(done), max(1, round(self.n * PUBLIC_SHARE)))):
            case.public = True

    def _parties(self, case: CaseRow) -> None:
        rng = self.rng
        needs_account = case.state in ("under_appeal",) or case.kind == "self_report"
        if needs_account:
            cert = rng.choice(self.linked_certs)
        elif rng.random() < 0.05 and case.kind == "complaint":
            cert = None
        else:
            cert = rng.choice(self.repeaters if rng.random() < 0.25 else self.certs)
        if cert is None:
            case.respondent_name = self.name()
            case.respondent_email = f"unlisted{case.id}@bench.example.org"
        else:
            case.certificant_id, case.respondent_email = cert[0], cert[3]
        if case.kind == "self_report":
            case.complainant_id = case.respondent_user_id = cert[6]
            case.self_report_event = rng.choice(["conviction", "licence_loss", "other"])
        elif case.kind == "complaint":
            case.complainant_id = rng.choice(self.users)[0]
            if case.complainant_id == (cert[6] if cert else None):
                case.complainant_id = self.users[0][0]
        account = cert[6] if cert else None
        served_states = {"awaiting_response", "investigation", "committee_review",
                         "hearing_scheduled", "deliberation", "decided", "under_appeal", "final",
                         "closed", "withdrawn", "disposed"}
        if case.state in served_states and account is not None:
            case.respondent_user_id = account

    def _path(self, case: CaseRow) -> None:
        rng = self.rng
        state = case.state
        if state in PATHS:
            path = list(PATHS[state])
        elif state == "dismissed":
            path = ["submit", "dismiss"] if rng.random() < 0.8 else \
                ["submit", "accept", "respond", "assign_investigators", "refer", "review_dismiss"]
        else:  # decided and after
            base = list(HEARING_PATH) if rng.random() < 0.6 or state == "under_appeal" \
                else list(REVIEW_PATH)
            tail = {"decided": [], "under_appeal": ["appeal"], "final": ["finalize"],
                    "closed": ["finalize", "close"], "disposed": ["finalize", "close", "dispose"]}
            path = base + tail[state]
        if case.respondent_user_id is None:  # nobody could answer: a default is recorded
            path = ["record_default" if s == "respond" else s for s in path]
        if case.kind != "complaint":  # a self-report or a staff case is not served by notice
            path = [s for s in path if s not in ("request_info", "abandon")]
        case.path = path
        if state == "withdrawn":
            case.status_before_withdrawal = "awaiting_response"
        # spread the steps between filing and (nearly) now, in order
        if path:
            span = max(1.0, (self.now - case.submitted).total_seconds() * 0.9)
            offsets = sorted(rng.uniform(0, span) for _ in path[1:])
            case.times = [case.submitted] + [case.submitted + timedelta(seconds=o)
                                             for o in offsets]
        for step, at in zip(path, case.times, strict=True):
            if step == "accept":
                case.served = at
            if step in ("dismiss", "review_dismiss", "abandon", "withdraw", "close"):
                case.closed = at
        if state == "dismissed":
            case.outcome_reason = rng.choice(DISMISSAL_REASONS)
        elif state == "abandoned":
            case.outcome_reason = "abandoned"

    def at_step(self, case: CaseRow, step: str) -> datetime | None:
        for s, at in zip(case.path, case.times, strict=True):
            if s == step:
                return at
        return None

    # --- writing -----------------------------------------------------------------

    def write_people(self, conn) -> None:
        created = self.naive(self.start)
        self.copy(conn, "certificants", ("id", "cert_number", "name", "email", "status",
                                         "expires_on", "created_at", "updated_at"),
                  ((c[0], c[1], c[2], c[3], c[4], c[5], created, created) for c in self.certs))
        self.copy(conn, "users", ("id", "email", "name", "password_hash", "email_verified_at",
                                  "active", "certificant_id", "created_at"),
                  ((u[0], u[1], u[2], self.password_hash, created, True, u[3], created)
                   for u in self.users))

    def write_cases(self, conn) -> None:
        rng = self.rng
        n = self.naive

        def case_rows():
            for c in self.cases:
                yield (c.id, c.number, c.kind, c.state, len(c.path) + 1, c.complainant_id,
                       "client" if c.kind == "complaint" else None,
                       "A review of the respondent's conduct.", c.kind == "complaint",
                       c.kind == "complaint", False, False, c.certificant_id,
                       c.respondent_user_id, c.respondent_name, c.respondent_email,
                       "" if c.certificant_id else "Works at a regional case management agency.",
                       n(c.created), c.submitted and n(c.submitted), c.served and n(c.served),
                       c.closed and n(c.closed), "", c.outcome_reason, "",
                       c.status_before_withdrawal, c.self_report_event)

        self.copy(conn, "cases", (
            "id", "number", "kind", "status", "row_version", "complainant_id", "relation",
            "remedy_sought", "attest_not_confidential", "attest_good_faith",
            "withhold_identity_requested", "withhold_identity", "respondent_certificant_id",
            "respondent_user_id", "respondent_name", "respondent_email", "respondent_details",
            "created_at", "submitted_at", "served_at", "closed_at", "time_limit_waiver",
            "outcome_reason", "outcome_text", "status_before_withdrawal", "self_report_event"),
            case_rows())

        standards = [f"S{k}" for k in range(1, 29)]
        weights = [6 if code in ("S3", "S7", "S14", "S17", "S23") else 1 for code in standards]

        def allegation_rows():
            for c in self.cases:
                if c.kind == "self_report":
                    codes = [{"conviction": "R2", "licence_loss": "R4"}.get(
                        c.self_report_event, "R5")]
                else:
                    codes = sorted(set(rng.choices(standards, weights, k=rng.choice((1, 1, 2, 3)))),
                                   key=lambda s: int(s[1:]))
                for code in codes:
                    aid = self.next_id("allegations")
                    c.allegations.append((aid, code))
                    conduct = (c.submitted or c.created) - timedelta(days=rng.randint(20, 900))
                    yield (aid, c.id, self.items[code], conduct.date(),
                           (conduct + timedelta(days=rng.randint(0, 60))).date()
                           if rng.random() < 0.4 else None,
                           rng.choice(FACTS), "complainant", False)

        self.copy(conn, "allegations", ("id", "case_id", "code_item_id", "conduct_from",
                                        "conduct_to", "facts", "source", "proposed"),
                  allegation_rows())

        def event_rows():
            for c in self.cases:
                status = "draft"
                for step, at in zip(c.path, c.times, strict=True):
                    to, summary, to_c, to_r = STEPS[step]
                    actor = self._actor(c, step)
                    yield (self.next_id("case_events"), c.id, n(at), actor, step, summary, "",
                           status, to or status, to_c, to_r and c.served is not None, False)
                    status = to or status

        self.copy(conn, "case_events", ("id", "case_id", "at", "actor_id", "action", "summary",
                                        "body", "from_status", "to_status", "to_complainant",
                                        "to_respondent", "internal"), event_rows())
        self.copy(conn, "case_counters", ("id", "year", "last"),
                  ((k + 1, year, last) for k, (year, last) in enumerate(sorted(
                      self.counters.items()))))
        self.ids["case_counters"] = len(self.counters)

    def _actor(self, c: CaseRow, step: str) -> int | None:
        if step in ("submit", "withdraw"):
            return c.complainant_id or self.chair_id
        if step == "respond":
            return c.respondent_user_id
        if step in ("abandon", "record_default", "finalize", "close", "dispose"):
            return None  # the sweep
        return self.chair_id

    def write_deadlines(self, conn) -> None:
        n = self.naive

        def rows():
            for c in self.cases:
                for kind, opened_by in (("information", "request_info"), ("response", "accept"),
                                        ("appeal", "decide")):
                    opened = self.at_step(c, opened_by)
                    if opened is None and kind == "appeal":
                        opened = self.at_step(c, "review_caution")
                    if opened is None:
                        continue
                    due = (opened + timedelta(days=30)).date()
                    if due.weekday() >= 5:
                        due += timedelta(days=7 - due.weekday())
                    if kind == "information":
                        status = "missed" if c.state == "abandoned" else "open"
                    elif kind == "response":
                        status = "open" if c.state == "awaiting_response" else (
                            "cancelled" if c.state == "withdrawn" else
                            "missed" if "record_default" in c.path else "met")
                    else:
                        status = "open" if c.state == "decided" else "met"
                    closed_at = None if status == "open" else n(min(
                        self.now, datetime.combine(due, datetime.min.time(), UTC)))
                    yield (self.next_id("deadlines"), c.id, kind, due, due, status, n(opened),
                           closed_at, "[]")

        self.copy(conn, "deadlines", ("id", "case_id", "kind", "due_on", "original_due_on",
                                      "status", "set_at", "closed_at", "reminders_sent"), rows())

    def write_committee(self, conn) -> None:
        """Declarations, objections and recusals; investigators and panels; answers."""
        rng = self.rng
        n = self.naive
        declarations, objections, recusals, assignments = [], [], [], []
        self.panels: dict[int, dict[str, list[int]]] = {}
        for c in self.cases:
            if c.submitted is None:
                continue
            members = list(self.committee)
            rng.shuffle(members)
            panels = {}
            if "assign_investigators" in c.path:
                panels["investigator"] = members[:1]
            if "set_hearing" in c.path:
                panels["hearing_panel"] = members[1:4]
            if "appeal" in c.path:
                panels["appeal_panel"] = members[4:7]
            self.panels[c.id] = panels
            serving = {m for group in panels.values() for m in group}
            # who sits on the case as a party never declares on it
            parties = {c.complainant_id, c.respondent_user_id}
            for member in self.committee:
                if member in parties:
                    continue
                if member not in serving and rng.random() >= DECLARED_SHARE:
                    continue
                did = self.next_id("coi_declarations")
                at = c.submitted + timedelta(hours=rng.uniform(2, 240))
                disclose = member not in serving and rng.random() < DISCLOSURE_SHARE
                declarations.append((did, c.id, member, "disclosure" if disclose else "none",
                                     rng.choice(["professional", "business", "friend"])
                                     if disclose else None,
                                     "We worked at the same agency until two years ago."
                                     if disclose else "", n(at)))
                if member in serving or rng.random() >= (0.3 if disclose else RECUSAL_SHARE):
                    continue
                objection_id = None
                cause, reason = "self", "I have worked with the respondent's employer."
                if disclose and c.complainant_id is not None:
                    objection_id = self.next_id("coi_objections")
                    objections.append((objection_id, did, "complainant", c.complainant_id,
                                       "The member knows the respondent well.",
                                       n(at + timedelta(days=2)), None, ""))
                    cause, reason = "objection", "A party objected to the disclosure."
                recusals.append((self.next_id("recusals"), c.id, member, cause, reason,
                                 objection_id, n(at + timedelta(days=3)),
                                 member if cause == "self" else None, None, None, ""))
            for capacity, group in panels.items():
                step = {"investigator": "assign_investigators", "hearing_panel": "set_hearing",
                        "appeal_panel": "appeal"}[capacity]
                at = self.at_step(c, step)
                for member in group:
                    assignments.append((self.next_id("case_assignments"), c.id, member, capacity,
                                        n(at), self.chair_id))
        self.copy(conn, "coi_declarations", ("id", "case_id", "member_id", "kind", "relationship",
                                             "text", "declared_at"), declarations)
        self.copy(conn, "coi_objections", ("id", "declaration_id", "party_role", "user_id", "text",
                                           "at", "withdrawn_at", "withdrawn_reason"), objections)
        self.copy(conn, "recusals", ("id", "case_id", "member_id", "cause", "reason",
                                     "objection_id", "at", "by_id", "reinstated_at",
                                     "reinstated_by_id", "reinstatement_reason"), recusals)
        self.copy(conn, "case_assignments", ("id", "case_id", "member_id", "capacity",
                                             "assigned_at", "assigned_by_id"), assignments)
        self.copy(conn, "responses", ("id", "case_id", "author_id", "text", "submitted_at"),
                  ((self.next_id("responses"), c.id, c.respondent_user_id,
                    "I deny the allegations; the client was told of every arrangement in writing.",
                    n(self.at_step(c, "respond"))) for c in self.cases if "respond" in c.path))

        def items():
            for c in self.cases:
                investigator = self.panels.get(c.id, {}).get("investigator")
                if not investigator:
                    continue
                start = self.at_step(c, "assign_investigators")
                for k, title in enumerate(("Interview the complainant", "Ask the employer for "
                                           "the client file")):
                    due = start + timedelta(days=14 * (k + 1))
                    yield (self.next_id("investigation_items"), c.id, "task", title, "",
                           due.date(), n(due) if "refer" in c.path else None, None, False, None,
                           investigator[0], n(start))
                yield (self.next_id("investigation_items"), c.id, "note", "First reading",
                       "The complaint is detailed and names two witnesses.", None, None, None,
                       False, None, investigator[0], n(start + timedelta(days=1)))
                if "refer" in c.path:
                    yield (self.next_id("investigation_items"), c.id, "report", "Findings report",
                           "The evidence supports the allegations in part.", None, None, None,
                           False, None, investigator[0], n(self.at_step(c, "refer")))

        self.copy(conn, "investigation_items", ("id", "case_id", "kind", "title", "text",
                                                "due_on", "done_at", "held_at", "shareable",
                                                "shared_at", "author_id", "created_at"), items())

    def write_decisions(self, conn) -> None:
        """Hearings, votes, decisions with findings and sanctions, appeals; registry status."""
        rng = self.rng
        n = self.naive
        hearings, votes, decisions, findings, sanctions, appeals = [], [], [], [], [], []
        cert_by_id = {c[0]: c for c in self.certs}
        self.decided: dict[int, tuple] = {}  # case id -> (decided at, public sanction or None)
        for c in self.cases:
            panels = self.panels.get(c.id, {})
            if c.state == "committee_review":
                for member in self.committee[:3]:
                    if member in panels.get("investigator", []) or \
                            member in (c.complainant_id, c.respondent_user_id):
                        continue
                    votes.append((self.next_id("votes"), c.id, "review", 1, "outcome", member,
                                  rng.choice(["hearing", "caution", "dismiss"]), "",
                                  n(self.now - timedelta(days=rng.uniform(1, 20)))))
            if "set_hearing" in c.path:
                scheduled = self.at_step(c, "set_hearing")
                held = self.at_step(c, "hold_hearing")
                starts = held or max(self.now + timedelta(days=rng.uniform(31, 90)),
                                     scheduled + timedelta(days=31))
                hearings.append((self.next_id("hearings"), c.id, n(starts.replace(
                    hour=10, minute=0, second=0, microsecond=0)), "Room 4, 1 Main Street", "",
                    json.dumps([a for a, _ in c.allegations]), "held" if held else "scheduled",
                    n(scheduled), self.chair_id,
                    json.dumps([{"name": "The respondent", "role": "respondent"}]) if held
                    else "[]", "The panel heard both parties." if held else "", "",
                    n(held) if held else None))
                if c.state == "deliberation":
                    for member in panels.get("hearing_panel", []):
                        for aid, _ in c.allegations:
                            votes.append((self.next_id("votes"), c.id, "hearing", 1,
                                          f"allegation:{aid}", member,
                                          rng.choice(["violated", "not_violated"]), "",
                                          n(held + timedelta(days=1))))
            step = "decide" if "decide" in c.path else "review_caution" \
                if "review_caution" in c.path else None
            if step is None:
                continue
            decided = self.at_step(c, step)
            stage = "hearing" if step == "decide" else "review"
            violated = stage == "hearing" and (c.public or rng.random() < 0.8)
            outcome = ("violation" if violated else "no_violation") if stage == "hearing" \
                else "caution"
            appeal_due = (decided + timedelta(days=30)).date()
            final = self.at_step(c, "finalize")
            did = self.next_id("decisions")
            decisions.append((did, c.id, stage, outcome, "The panel weighed the evidence and "
                              "the respondent's answer.", n(decided), self.chair_id, appeal_due,
                              n(final) if final else None, "{}"))
            for aid, _ in c.allegations:
                if stage == "hearing":
                    findings.append((self.next_id("findings"), did, aid, violated,
                                     "Proven on the documents." if violated else "Not proven."))
            kinds = []
            if stage == "review":
                kinds = ["caution"]
            elif violated:
                kinds = [rng.choice(["public_reprimand", "probation", "suspension",
                                     "revocation"]) if c.public else
                         rng.choice(["corrective", "private_reprimand", "corrective"])]
            status = {"final": "in_force", "closed": "completed",
                      "disposed": "completed"}.get(c.state, "pending")
            for kind in kinds:
                starts = (final or decided).date()
                ends = starts + timedelta(days=365) if kind in ("probation", "suspension",
                                                                "corrective") else None
                before = None
                if kind in ("suspension", "revocation") and c.certificant_id and \
                        status == "in_force":
                    cert = cert_by_id.get(c.certificant_id)
                    if cert is not None:
                        before, cert[4] = cert[4], "suspended" if kind == "suspension" \
                            else "revoked"
                conditions = [{"text": "Complete 12 hours of ethics education.",
                               "due_on": (starts + timedelta(days=180)).isoformat(),
                               **({"met_on": (starts + timedelta(days=90)).isoformat()}
                                  if status == "completed" else {})}] \
                    if kind in ("corrective", "probation") else []
                sanctions.append((self.next_id("sanctions"), did, kind, "As ordered.",
                                  json.dumps(conditions), starts, ends,
                                  5 if kind == "revocation" else None, status, before))
            self.decided[c.id] = (decided, kinds[0] if c.public and kinds else None)
            if "appeal" in c.path:
                appeals.append((self.next_id("appeals"), c.id, did, c.respondent_user_id,
                                "respondent", "The sanction is out of proportion.",
                                n(self.at_step(c, "appeal")), None))
        self.copy(conn, "hearings", ("id", "case_id", "starts_at", "place", "video_link",
                                     "allegation_ids", "status", "scheduled_at",
                                     "scheduled_by_id", "attendance", "minutes", "recording_ref",
                                     "closed_at"), hearings)
        self.copy(conn, "votes", ("id", "case_id", "stage", "round", "question", "member_id",
                                  "choice", "reasons", "at"), votes)
        self.copy(conn, "decisions", ("id", "case_id", "stage", "outcome", "reasons",
                                      "decided_at", "recorded_by_id", "appeal_due_on",
                                      "final_at", "details"), decisions)
        self.copy(conn, "findings", ("id", "decision_id", "allegation_id", "violated", "reasons"),
                  findings)
        self.copy(conn, "sanctions", ("id", "decision_id", "kind", "terms", "conditions",
                                      "starts_on", "ends_on", "bar_years", "status",
                                      "registry_status_before"), sanctions)
        self.copy(conn, "appeals", ("id", "case_id", "decision_id", "appellant_id",
                                    "appellant_role", "grounds", "filed_at",
                                    "outcome_decision_id"), appeals)

    def write_documents(self, conn) -> None:
        """Issued document rows, served by email (outbox) and logged as disclosed."""
        rng = self.rng
        n = self.naive
        titles = {kind: t.title for kind, t in DOCUMENT_TYPES.items()}
        documents, outbox, disclosures = [], [], []
        self.documents = []  # (number, case) for the audit log and the benchmark
        for c in self.cases:
            due = []
            if c.kind == "complaint" and c.submitted:
                due.append(("receipt", c.submitted, "complainant"))
            if c.served:
                due.append(("notice_of_complaint", c.served, "respondent"))
            if self.at_step(c, "request_info"):
                due.append(("information_request", self.at_step(c, "request_info"),
                            "complainant"))
            if self.at_step(c, "dismiss") and c.kind == "complaint":
                due.append(("dismissal", self.at_step(c, "dismiss"), "complainant"))
            if self.at_step(c, "set_hearing"):
                due.append(("notice_of_hearing", self.at_step(c, "set_hearing"), "both"))
            if c.id in self.decided and self.at_step(c, "decide"):
                due.append(("decision_and_order", self.decided[c.id][0], "both"))
            if c.public:
                due.append(("public_notice", self.at_step(c, "finalize"), "none"))
            for seq, (kind, at, to) in enumerate(due, start=1):
                did = self.next_id("documents")
                number = f"{c.number}-D{seq}"
                issued = at + timedelta(hours=rng.uniform(1, 48))
                recipients = self._recipients(c, to)
                documents.append((did, c.id, seq, number, kind, titles[kind], "issued",
                                  secrets.token_hex(16) + ".pdf", rng.randbytes(32).hex(),
                                  rng.randint(30_000, 160_000), rng.randint(1, 4), n(issued),
                                  self.admin_id, json.dumps(recipients), None, ""))
                self.documents.append((number, c, issued, did))
                for person in recipients:
                    mid = self.next_id("outbox_messages")
                    outbox.append((mid, person["email"],
                                    f"{titles[kind]} {number}", "documents/issued",
                                    f"Dear {person['name']},\n\nThe {titles[kind].lower()} "
                                    f"{number} is attached.\n",
                                    f"<p>Dear {person['name']},</p><p>The "
                                    f"{titles[kind].lower()} {number} is attached.</p>",
                                    "sent", 1, None, n(issued), n(issued),
                                    n(issued + timedelta(seconds=5)),
                                    json.dumps([{"store": "documents", "name": "x.pdf",
                                                 "filename": f"{number}.pdf",
                                                 "mime": "application/pdf"}]),
                                    f"<bench-{mid}@outbox.invalid>"))
                    disclosures.append((self.next_id("disclosures"), c.id, "document", did,
                                        f"{titles[kind]} {number}", person.get("user_id"),
                                        person["email"], "email attachment", n(issued),
                                        self.admin_id))
        # the last few messages of the outbox are still pending, or failed after retries
        tail = max(3, len(outbox) // 200)
        for k in range(len(outbox) - tail, len(outbox)):
            row = list(outbox[k])
            failed = k % 3 == 0
            row[6], row[7] = ("failed", 8) if failed else ("pending", 0)
            row[8] = "SMTP connection refused" if failed else None
            row[11] = None
            outbox[k] = tuple(row)
        self.copy(conn, "documents", ("id", "case_id", "seq", "number", "kind", "title",
                                      "status", "stored_name", "sha256", "size", "pages",
                                      "issued_at", "issued_by_id", "recipients",
                                      "supersedes_id", "correction_reason"), documents)
        self.copy(conn, "outbox_messages", ("id", "recipient", "subject", "template",
                                            "text_body", "html_body", "status", "attempts",
                                            "last_error", "created_at", "next_attempt_at",
                                            "sent_at", "attachments", "message_id"), outbox)
        self.copy(conn, "disclosures", ("id", "case_id", "item_type", "item_id", "item_label",
                                        "recipient_user_id", "recipient_email", "how", "at",
                                        "by_id"), disclosures)

    def _recipients(self, c: CaseRow, to: str) -> list[dict]:
        out = []
        if to in ("complainant", "both") and c.complainant_id:
            uid, email, name, _ = self.user_by_id[c.complainant_id]
            out.append({"role": "complainant", "name": name, "email": email, "user_id": uid})
        if to in ("respondent", "both") and c.respondent_email:
            user = self.user_by_id.get(c.respondent_user_id)
            out.append({"role": "respondent", "name": user[2] if user else
                        (c.respondent_name or "The respondent"), "email": c.respondent_email,
                        "user_id": c.respondent_user_id})
        return out

    # --- the audit log --------------------------------------------------------------

    def write_audit(self, conn) -> None:
        """The proceeding's own entries, then staff reading cases, logins and downloads, in
        time order, up to --audit entries, unsealed (the app's sealer chains them)."""
        rng = self.rng
        span = (self.now - self.start).total_seconds()
        events = []  # (timestamp, kind, case index or user id, extra)
        for index, c in enumerate(self.cases):
            status = "draft"
            for step, at in zip(c.path, c.times, strict=True):
                events.append((at.timestamp(), 0, index, (step, status)))
                status = STEPS[step][0] or status
        for number, c, issued, did in self.documents:
            events.append((issued.timestamp(), 1, c.id, (number, did)))
        if len(events) > self.audit_total:
            events = rng.sample(events, self.audit_total)
        submitted = [i for i, c in enumerate(self.cases) if c.submitted]
        first = [self.cases[i].submitted.timestamp() for i in submitted]
        order = sorted(range(len(submitted)), key=first.__getitem__)
        submitted = [submitted[i] for i in order]
        first = [first[i] for i in order]
        start = self.start.timestamp()
        for _ in range(self.audit_total - len(events)):
            at = start + span * (rng.random() ** 0.6)  # busier in recent years
            roll = rng.random()
            if roll < 0.10:
                events.append((at, 2, rng.choice(self.staff_ids), None))  # login
            else:
                # a staff member reads a case filed before that moment
                upto = bisect(first, at)
                if upto == 0:
                    events.append((at, 2, rng.choice(self.staff_ids), None))
                    continue
                events.append((at, 3, submitted[rng.randrange(upto)], rng.choice(self.staff_ids)))
        events.sort(key=lambda e: e[0])
        case_by_id = {c.id: c for c in self.cases}
        first_id = self.ids["audit_entries"] + 1
        key = self.audit_key

        def rows():
            for k, (ts, kind, who, extra) in enumerate(events):
                created = datetime.fromtimestamp(ts, UTC).replace(tzinfo=None)
                if kind == 0:
                    c = self.cases[who]
                    step, before = extra
                    actor = self._actor(c, step)
                    action, target_type, target_id = f"case.{step}", "cases", str(c.id)
                    details = {"number": c.number, "from_status": before,
                               "to_status": STEPS[step][0] or before}
                    ip = rng.choice(STAFF_IPS) if actor else None
                elif kind == 1:
                    c = case_by_id[who]
                    number, document_id = extra
                    actor, action = self.admin_id, "document.issued"
                    target_type, target_id = "documents", str(document_id)
                    details = {"number": number, "case": c.number}
                    ip = rng.choice(STAFF_IPS)
                elif kind == 2:
                    actor, action, target_type, target_id = who, "auth.login", "users", str(who)
                    details, ip = {}, rng.choice(STAFF_IPS)
                else:
                    c = self.cases[who]
                    actor, action, target_type, target_id = extra, "case.viewed", "cases", str(c.id)
                    details, ip = {"number": c.number}, rng.choice(STAFF_IPS)
                # The personal part as record() writes it: the actor's label and the address.
                personal = {}
                label = self.email_of.get(actor) or (self.user_by_id[actor][1] if actor in
                                                     self.user_by_id else None)
                if label:
                    personal["actor"] = label
                if ip:
                    personal["ip"] = ip
                salt = digest = None
                if personal:
                    salt = secrets.token_hex(16)
                    digest = personal_digest(salt, personal)
                nonce = secrets.token_hex(16)
                mac = content_mac(key, created_at=created, actor_id=actor, action=action,
                                  target_type=target_type, target_id=target_id,
                                  details=details, personal_digest=digest, nonce=nonce)
                yield (first_id + k, created, actor, action, target_type, target_id,
                       json.dumps(details), json.dumps(personal) if personal else None, salt,
                       digest, nonce, mac)

        self.copy(conn, "audit_entries", ("id", "created_at", "actor_id", "action",
                                          "target_type", "target_id", "details", "personal",
                                          "salt", "personal_digest", "nonce", "mac"), rows())
        self.ids["audit_entries"] = first_id + len(events) - 1

    def seal(self, app) -> None:
        """Chain the loaded entries with the app's own sealer, a batch per transaction."""
        started = time.perf_counter()
        sealed = 0
        with app.app_context():
            while batch := seal_pending(limit=SEAL_BATCH):
                sealed += batch
        print(f"  {'sealed (seal_pending)':<22} {sealed:>9,} rows  "
              f"{time.perf_counter() - started:6.1f} s", flush=True)

    def keep_waits(self, app) -> None:
        """What waits on whom, computed once from the loaded rows as the app keeps it."""
        started = time.perf_counter()
        with app.app_context():
            rebuild_waits()
            count = db.session.execute(select(func.count()).select_from(WaitingItem)).scalar_one()
        print(f"  {'waiting_items':<22} {count:>9,} rows  "
              f"{time.perf_counter() - started:6.1f} s", flush=True)

    def keep_party_names(self, app) -> None:
        """The names each case is found by, computed from the loaded rows as the app keeps
        them."""
        started = time.perf_counter()
        with app.app_context():
            count = party_names.rebuild(db.session)
            db.session.commit()
        print(f"  {'cases.party_names':<22} {count:>9,} rows  "
              f"{time.perf_counter() - started:6.1f} s", flush=True)

    def finish(self, conn) -> None:
        """Move every id sequence past the loaded rows."""
        for table in self.ids:
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"(SELECT coalesce(max(id), 1) FROM {table}))")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True,
                        help="postgresql+psycopg://postgres@127.0.0.1:5432/bench_10k "
                             "(dropped and created; its name must start with bench)")
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--audit", type=int, default=None,
                        help="audit entries to load (default: 10 per case)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    if not 10 <= args.cases <= 1_000_000:
        parser.error("--cases must be between 10 and 1,000,000")
    url = local_url(args.database_url)
    audit_entries = args.audit if args.audit is not None else args.cases * 10
    if not 0 <= audit_entries <= 10_000_000:
        parser.error("--audit must be between 0 and 10,000,000")

    started = time.perf_counter()
    print(f"Generating {args.cases:,} cases and {audit_entries:,} audit entries into "
          f"{url.database}", flush=True)
    recreate_database(url)
    shutil.rmtree(checkpoint_dir(url), ignore_errors=True)  # the old database's checkpoints
    gen = Generator(args.cases, audit_entries, args.seed)
    app = bench_app(args.database_url)
    gen.seed_with_app(app)
    print(f"  migrated and seeded through the app in {time.perf_counter() - started:.1f} s",
          flush=True)
    gen.make_people()
    gen.make_cases()
    with psycopg.connect(conninfo(url)) as conn:
        gen.write_people(conn)
        gen.write_cases(conn)
        gen.write_deadlines(conn)
        gen.write_committee(conn)
        gen.write_decisions(conn)
        gen.write_documents(conn)
        gen.write_audit(conn)
        gen.finish(conn)
        conn.commit()
    loaded = time.perf_counter() - started
    gen.seal(app)
    gen.keep_waits(app)
    gen.keep_party_names(app)
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        # sealing the trail and keeping the names each rewrote every row of their table
        # once: compacted, they are as a site's would be, not every row beside its dead
        # copy (at 100,000 cases: cases 45 -> 24 MB, audit_entries 875 -> 505 MB)
        conn.execute("VACUUM (FULL) cases, audit_entries")
        conn.execute("VACUUM ANALYZE")
    total = time.perf_counter() - started
    states: dict[str, int] = {}
    for c in gen.cases:
        states[c.state] = states.get(c.state, 0) + 1
    print("Cases by state: " + ", ".join(f"{k} {v}" for k, v in sorted(states.items())))
    print(f"Public sanctions: {sum(c.public for c in gen.cases)}; documents: "
          f"{len(gen.documents)}; audit entries: {gen.ids['audit_entries']}")
    print(f"Loaded in {loaded:.1f} s; with VACUUM ANALYZE {total:.1f} s.")
    env = " ".join(f"{k}={v}" for k, v in bench_env(args.database_url).items())
    print(f"Check the chain: {env} .venv/bin/flask --app wsgi audit verify")
    return 0


if __name__ == "__main__":
    sys.exit(main())
