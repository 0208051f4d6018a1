"""The workflow table, walked: every action from every state, by the right and the wrong people.

Cases are put straight into each state in the database; `apply()` must allow exactly
what `ACTIONS` says and refuse the rest, changing nothing when it refuses.
"""
from __future__ import annotations

import ast
import re
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from case_helpers import SERVED_STATES, action_buttons, case_in_state
from sqlalchemy import event, func, select

from app import clock
from app.accounts.models import User
from app.audit.models import AuditEntry
from app.cases import services, workflow
from app.cases.models import Case, CaseEvent, Deadline, ExtensionRequest
from app.cases.workflow import ACTIONS, SYSTEM, NotAllowed, StaleCase, State, WorkflowError
from app.coi import services as coi
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.registry.models import Certificant

APP_DIR = Path(__file__).resolve().parent.parent / "app"

# Who takes each kind of action, by the permission the table names.
TAKER = {
    "case.submit": "complainant", "case.provide_info": "complainant",
    "case.withdraw": "complainant", "case.intake": "chair",
    "case.respond": "respondent", "case.request_extension": "respondent", SYSTEM: None,
}
EVERYONE = ("complainant", "respondent", "chair", "member", "admin", "outsider")
# Who must be refused (NotAllowed) whatever the state.
WRONG = {
    "complainant": ("respondent", "chair", "member", "outsider"),
    "chair": ("complainant", "respondent", "member", "outsider"),
    "respondent": ("complainant", "chair", "member", "outsider"),
    None: EVERYONE,
}


@pytest.fixture
def people(app, make):
    make.catalogue()
    record = make.certificant(number="CCM-300003", name="Rory Respondent")  # no email on file
    return {
        "complainant": make.user(email="clara@example.com", name="Clara Complainant"),
        "respondent": make.user(email="rory@example.com", name="Rory Respondent",
                                certificant=record),
        "chair": make.user("chair", "member", email="chair@example.com"),
        "member": make.user("member", email="mina@example.com"),
        "admin": make.user("admin", email="ada@example.com"),
        "outsider": make.user(email="otto@example.com"),
        "record": record,
    }


@pytest.fixture
def status_writes():
    """Every change of Case.status made from code under app/, with where it was made.

    Setting the status of a new case (its creation) is not a change and is not listed.
    """
    writes = []

    def on_set(target, value, oldvalue, initiator):
        if not isinstance(oldvalue, str):  # a new object: creation, not a transition
            return
        frame = sys._getframe(1)
        while frame is not None:
            path = Path(frame.f_code.co_filename)
            if APP_DIR in path.parents:
                writes.append((path.relative_to(APP_DIR).as_posix(), frame.f_code.co_name,
                               oldvalue, value))
                return
            frame = frame.f_back

    event.listen(Case.status, "set", on_set, active_history=True)
    yield writes
    event.remove(Case.status, "set", on_set)


def _load(people) -> dict:
    return {k: db.session.get(User, v.id) for k, v in people.items() if k != "record"}


def _build(people, users, state: str) -> Case:
    record = db.session.get(Certificant, people["record"].id)
    case = case_in_state(state, users["complainant"], record, users["respondent"])
    if state != "draft":  # S7: the committee members declare "no conflict" first
        for who in ("chair", "member"):
            coi.declare(case, users[who], "none")
    db.session.commit()
    return case


def _snapshot(case: Case) -> dict:
    """What a refused action must leave as it was."""
    count = lambda model: db.session.execute(select(func.count()).select_from(model)).scalar_one()  # noqa: E731
    return {
        "status": case.status, "row_version": case.row_version, "closed_at": case.closed_at,
        "number": case.number, "events": count(CaseEvent), "audit": count(AuditEntry),
        "outbox": count(OutboxMessage), "extensions": count(ExtensionRequest),
        "deadlines": sorted((d.kind, d.status, d.due_on) for d in db.session.execute(
            select(Deadline).where(Deadline.case_id == case.id)).scalars()),
    }


# --- what each action needs to go through, and an attempt its guard refuses ------------------

def _good(name: str, case: Case) -> dict:
    """Data with which the action goes through (see _prepare for what the case needs)."""
    if name == "decide_extension":
        deadline = case.open_deadline("response")
        due = deadline.due_on if deadline else clock.today()
        return {"grant": True, "new_due_on": due + timedelta(days=14), "text": "Granted once."}
    return {
        "accept": {"respondent_email": "rory@example.com"},
        "dismiss": {"reason": "duplicate", "text": "Same as EC-2026-00001."},
        "request_info": {"text": "Which client file is this about?"},
        "provide_info": {"text": "File 42, March 2025."},
        "respond": {"text": "I deny the allegations."},
        "request_extension": {"text": "I am abroad until January."},
        "withdraw": {"text": "We settled."},
        "continue": {"text": "The conduct concerns the public."},
    }.get(name, {})


def _pending_extension(case: Case, users) -> None:
    services.request_extension(case, users["respondent"], "I am abroad.", None)
    db.session.commit()


def _prepare(name: str, case: Case, users) -> None:
    """What must be on file before the action can be taken (beyond the state)."""
    if name == "decide_extension":
        _pending_extension(case, users)


def _bad(name: str, case: Case, users):
    """Set up an attempt the action's guard refuses: (data, expected message, undo)."""
    nothing = lambda: None  # noqa: E731
    if name == "submit":
        case.attest_good_faith = False
        db.session.commit()

        def undo():
            case.attest_good_faith = True
            db.session.commit()
        return {}, "Confirm that you make the complaint in good faith.", undo
    if name == "decide_extension":
        return {"grant": True, "new_due_on": None}, "There is no extension request to decide.", nothing
    if name == "request_extension":
        _pending_extension(case, users)

        def undo():
            db.session.delete(services.pending_extension(case))
            db.session.commit()
        return {"text": "Again."}, "already waiting for the chair's decision", undo
    return {
        "accept": ({}, "Give an email address at which to serve the respondent."),
        "dismiss": ({"text": "No reason chosen."}, "Choose the reason for dismissal."),
        "request_info": ({"text": "  "}, "Say what information is needed."),
        "provide_info": ({}, "Write the information asked for."),
        "respond": ({"text": ""}, "Write your answer to the allegations."),
        "continue": ({}, "Give the committee's reason to continue on its own motion."),
    }[name] + (nothing,)


def _taker_may_reach(permission: str, state: str) -> bool:
    """Whether the right person passes the policy on a case in this state (any action)."""
    if permission == "case.intake":
        return state != "draft"  # staff never see drafts
    if permission in ("case.respond", "case.request_extension"):
        return state in SERVED_STATES  # the respondent acts once served
    return True


PAIRS = [(name, state.value) for name in ACTIONS for state in State]


@pytest.mark.parametrize("name,state", PAIRS, ids=[f"{n}-from-{s}" for n, s in PAIRS])
def test_apply_allows_exactly_what_the_table_says(app, people, status_writes, name, state):
    clock.freeze(clock.now().replace(year=2026, month=11, day=2, hour=9))
    action = ACTIONS[name]
    with app.test_request_context():
        users = _load(people)
        case = _build(people, users, state)
        taker = TAKER[action.permission]
        actor = users[taker] if taker else None

        # the wrong people (or the system, for a person's action) are refused, in any state
        wrong = [users[w] for w in WRONG[taker]] + ([] if taker is None else [None])
        for who in wrong:
            before = _snapshot(case)
            with pytest.raises(NotAllowed):
                workflow.apply(case, name, who, **_good(name, case))
            assert _snapshot(case) == before, f"refusing {getattr(who, 'email', None)} changed the case"

        if state not in action.sources:
            before = _snapshot(case)
            expected = WorkflowError if _taker_may_reach(action.permission, state) else NotAllowed
            with pytest.raises(WorkflowError) as refused:
                workflow.apply(case, name, actor, seen_version=case.row_version,
                               **_good(name, case))
            assert type(refused.value) is expected
            if expected is WorkflowError:
                assert f"not possible while the case is {State(state).title.lower()}" in str(refused.value)
            assert _snapshot(case) == before
            assert workflow.may(actor, action, case) is False
            assert not status_writes
            return

        if action.guard is not None:
            data, message, undo = _bad(name, case, users)
            before = _snapshot(case)
            with pytest.raises(WorkflowError) as refused:
                workflow.apply(case, name, actor, seen_version=case.row_version, **data)
            assert type(refused.value) is WorkflowError
            assert message in str(refused.value)
            assert _snapshot(case) == before
            undo()

        _prepare(name, case, users)
        data = _good(name, case)
        before = _snapshot(case)
        events_before = {e.id for e in case.events}
        audit_before = db.session.execute(select(func.max(AuditEntry.id))).scalar() or 0
        workflow.apply(case, name, actor, seen_version=case.row_version, **data)
        db.session.commit()

        # (case_in_state withdraws from investigation)
        target = action.target or ("investigation" if name == "continue" else state)
        assert case.status == target
        assert case.row_version > before["row_version"]
        [new_event] = [e for e in case.events if e.id not in events_before]
        assert (new_event.action, new_event.from_status, new_event.to_status) == (name, state, target)
        assert new_event.actor_id == getattr(actor, "id", None)
        assert new_event.to_complainant is action.to_complainant
        assert new_event.to_respondent is (action.to_respondent and case.served_at is not None)
        assert not new_event.internal
        new_audit = db.session.execute(
            select(AuditEntry).where(AuditEntry.id > audit_before)).scalars().all()
        assert [e.action for e in new_audit] == [f"case.{name}"]
        assert new_audit[0].target_id == str(case.id)
        assert new_audit[0].details["from_status"] == state
        assert new_audit[0].details["to_status"] == target
        assert new_audit[0].actor_id == getattr(actor, "id", None)
        if target != state:
            assert status_writes == [("cases/workflow.py", "apply", state, target)]


# --- what the page offers is what the workflow allows --------------------------------------------

def _expected_offers(state: str, who: str) -> list[str]:
    """The actions the table gives this person in this state, worked out from the table alone."""
    return [a.name for a in ACTIONS.values()
            if state in a.sources and TAKER[a.permission] == who
            and _taker_may_reach(a.permission, state)]


@pytest.mark.parametrize("state", [s.value for s in State])
def test_available_matches_may_and_the_buttons_on_the_case_page(app, people, auth, client, state):
    clock.freeze(clock.now().replace(year=2026, month=11, day=2, hour=9))
    with app.test_request_context():
        users = _load(people)
        case = _build(people, users, state)
        number, case_id = case.number, case.id
        offers = {}
        for who in ("chair", "complainant", "respondent", "outsider"):
            available = workflow.available(users[who], case)
            assert available == [a for a in ACTIONS.values() if workflow.may(users[who], a, case)
                                 and (a.offered is None or a.offered(case))]
            assert [a.name for a in available] == _expected_offers(state, who)
            offers[who] = {a.name for a in available}
    for who in ("chair", "complainant", "respondent", "outsider"):
        auth.login(people[who])
        if state == "draft":
            page = client.get(f"/complaints/{case_id}/edit")
            if who == "complainant":
                assert page.status_code == 200
                assert "Submit the complaint" in page.data.decode()
            else:
                assert page.status_code == 404
        else:
            page = client.get(f"/cases/{number}")
            if who == "outsider":
                assert page.status_code == 404
            elif who == "respondent" and state not in SERVED_STATES:
                # not yet served: nothing to do here (whether they may see it: test_case_parties)
                assert page.status_code in (200, 404)
                assert page.status_code == 404 or not action_buttons(page.data.decode())
            else:
                assert page.status_code == 200, (who, page.status_code)
                assert action_buttons(page.data.decode()) == offers[who], who
        auth.logout()


# --- a stale form changes nothing --------------------------------------------------------------------

@pytest.mark.parametrize("name,state,who", [
    ("accept", "submitted", "chair"),
    ("dismiss", "submitted", "chair"),
    ("withdraw", "investigation", "complainant"),
    ("respond", "awaiting_response", "respondent"),
    ("request_extension", "awaiting_response", "respondent"),
])
def test_stale_seen_version_is_refused_and_changes_nothing(app, people, name, state, who):
    with app.test_request_context():
        users = _load(people)
        case = _build(people, users, state)
        seen = case.row_version
        case.respondent_details = "Edited by someone else meanwhile."  # bumps the version
        db.session.commit()
        assert case.row_version == seen + 1
        before = _snapshot(case)
        with pytest.raises(StaleCase, match="changed while you were looking at it"):
            workflow.apply(case, name, users[who], seen_version=seen, **_good(name, case))
        assert _snapshot(case) == before
        db.session.commit()
        db.session.expire_all()
        assert _snapshot(db.session.get(Case, case.id)) == before


# --- nobody else changes the status ------------------------------------------------------------------

CASE_WORD = re.compile(r"^(\w*_)?cases?$", re.I)  # case, cases, new_case, staff_cases


def _head(expr: ast.expr) -> str:
    """The name an expression is about: `self.case` → case, `cases[0]` → cases, `f(x)` → f."""
    while True:
        if isinstance(expr, ast.Name):
            return expr.id
        if isinstance(expr, ast.Attribute):
            return expr.attr
        if isinstance(expr, ast.Subscript):
            expr = expr.value
        elif isinstance(expr, ast.Call):
            expr = expr.func
        else:
            return ""


def _about_cases(expr: ast.expr) -> bool:
    return bool(CASE_WORD.match(_head(expr))) or "select(Case)" in ast.unparse(expr)


def status_assignments(source: str) -> list[int]:
    """Lines of `source` that change a case's status other than by creating the case.

    Finds `x.status = ...` (also augmented, annotated and tuple targets) and
    `setattr(x, "status", ...)` where x is a case: a name or attribute that says so
    (`case`, `self.case`, `new_case`, `cases[0]`), a parameter annotated `Case`, a
    name bound from `Case(...)`/`get(Case, ...)`/`load_case(...)`, or a loop or
    comprehension variable over something named like cases (`for c in cases`, but
    not `for d in case.deadlines`). Also finds bulk updates of `Case` that set `status`.
    """
    tree = ast.parse(source)
    case_vars: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and node.annotation is not None \
                and re.search(r"\bCase\b", ast.unparse(node.annotation)):
            case_vars.add(node.arg)
        elif isinstance(node, (ast.For, ast.comprehension)) and _about_cases(node.iter):
            case_vars |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None \
                and re.search(r"\bCase\(|get\(Case\b|load_case\(|select\(Case\)",
                              ast.unparse(node.value)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            case_vars |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}

    def is_case(expr: ast.expr) -> bool:
        return _about_cases(expr) or "get(Case," in ast.unparse(expr) \
            or (isinstance(expr, ast.Name) and expr.id in case_vars)

    lines = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            for t in ast.walk(target):
                if isinstance(t, ast.Attribute) and t.attr == "status" and isinstance(t.ctx, ast.Store) \
                        and is_case(t.value):
                    lines.append(node.lineno)
        if isinstance(node, ast.Call):
            call = ast.unparse(node)
            if isinstance(node.func, ast.Name) and node.func.id == "setattr" and len(node.args) >= 2 \
                    and isinstance(node.args[1], ast.Constant) and node.args[1].value == "status" \
                    and is_case(node.args[0]):
                lines.append(node.lineno)
            elif isinstance(node.func, ast.Attribute) and node.func.attr in ("values", "update") \
                    and re.search(r"update\(Case\)|query\(Case\)|Case\.status\s*:", call) \
                    and re.search(r"\bstatus\s*=|Case\.status\s*:|['\"]status['\"]\s*:", call):
                lines.append(node.lineno)
    return sorted(set(lines))


def test_the_status_finder_finds_what_it_must():
    source = '''
def a(case):
    case.status = "closed"                      # 3
def b(matter: Case):
    matter.status = "closed"                    # 5
def c(cases):
    for c in cases:
        c.status = "final"                      # 8
def d(number):
    thing = load_case(number)
    thing.status, x = "final", 1                # 11
    setattr(thing, "status", "final")           # 12
    db.session.execute(update(Case).values(status="closed"))   # 13
    self.case.status += "x"                     # 14
    load_case(number).status = "x"              # 15
    db.session.get(Case, 1).status = "x"        # 16
    for m in db.session.execute(select(Case)).scalars():
        m.status = "x"                          # 18
def e(deadline, message, req, case: Case):  # 19: none of these is a case's status
    deadline.status = "met"
    for d in case.deadlines:
        d.status = "met"
    case.deadlines[0].status = "met"
    case.open_deadline("x").status = "met"
    message.status = "sent"
    req.status = "approved"
    fresh = Case(status="draft")
    if case.status == "draft":
        pass
'''
    assert status_assignments(source) == [3, 5, 8, 11, 12, 13, 14, 15, 16, 18]


def test_only_workflow_apply_changes_a_case_status():
    offenders = []
    for path in sorted(APP_DIR.rglob("*.py")):
        if path == APP_DIR / "cases" / "workflow.py":
            continue
        for line in status_assignments(path.read_text()):
            offenders.append(f"{path.relative_to(APP_DIR.parent)}:{line}")
    assert not offenders, "a case's status changes outside workflow.apply: " + ", ".join(offenders)
    # and in workflow.py, only inside apply()
    tree = ast.parse((APP_DIR / "cases" / "workflow.py").read_text())
    apply_fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "apply")
    inside = set(range(apply_fn.lineno, apply_fn.end_lineno + 1))
    lines = status_assignments((APP_DIR / "cases" / "workflow.py").read_text())
    assert lines and set(lines) <= inside, lines


def _seen_version(html: str, action: str) -> int:
    tag = re.search(rf'<input[^>]*name="{action}-seen_version"[^>]*>', html).group(0)
    return int(re.search(r'value="(\d+)"', tag).group(1))


def test_a_decision_form_loaded_before_the_request_it_would_decide_is_stale(app, people, auth, client):
    """The chair's page was open before the respondent asked for time: granting from it is refused."""
    clock.freeze(clock.now().replace(year=2026, month=11, day=2, hour=9))
    with app.test_request_context():
        users = _load(people)
        case = _build(people, users, "awaiting_response")
        number, due = case.number, case.open_deadline("response").due_on
    auth.login(people["chair"])
    chair_seen = _seen_version(client.get(f"/cases/{number}").data.decode(), "decide_extension")
    auth.logout()

    auth.login(people["respondent"])
    page = client.get(f"/cases/{number}").data.decode()
    r = client.post(f"/cases/{number}/act/request_extension", follow_redirects=True, data={
        "request_extension-seen_version": _seen_version(page, "request_extension"),
        "request_extension-text": "I am in hospital until February."})
    assert r.status_code == 200 and "asked for more time" in r.data.decode()
    auth.logout()

    auth.login(people["chair"])
    r = client.post(f"/cases/{number}/act/decide_extension", data={
        "decide_extension-seen_version": chair_seen, "decide_extension-decision": "refuse",
        "decide_extension-text": "No."})
    assert r.status_code == 409
    assert "changed while you were looking at it" in r.data.decode()
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.number == number)).scalar_one()
        assert services.pending_extension(case) is not None  # still waiting for a real decision
        assert case.open_deadline("response").due_on == due
    # from a fresh page the chair can decide it
    page = client.get(f"/cases/{number}").data.decode()
    assert "I am in hospital until February." in page
    r = client.post(f"/cases/{number}/act/decide_extension", follow_redirects=True, data={
        "decide_extension-seen_version": _seen_version(page, "decide_extension"),
        "decide_extension-decision": "grant", "decide_extension-new_due_on": "2027-02-15",
        "decide_extension-text": "Get well."})
    assert r.status_code == 200 and "Extension request decided" in r.data.decode()
