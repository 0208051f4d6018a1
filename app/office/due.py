"""What waits on whom: the "due" dashboard of the home pages.

For a person: declarations to make, votes to cast, deadlines on the cases they serve on,
hearings they sit on, and (administrators) documents to issue. For the chair and
administrators, the same for the whole committee, each item naming who it waits on.
Every section reads the items `office.waits` keeps (one row per thing that waits) on the
cases open to the viewer (`cleared_cases`: never a recused case; a member's own
declarations and votes are defined on the cases open to them), soonest first through an
index and limited, and all the sections of a home run together as one statement (a UNION
ALL of the capped queries), so the page's statements and its time do not grow with the
number of cases or of sections.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import Select, String, bindparam, cast, literal, null, select, true, union_all

from app import clock
from app.access import Viewer, cleared_cases, is_committee, viewer
from app.accounts.models import Role, User
from app.cases.models import Case
from app.extensions import db
from app.office.models import WaitingItem

# each kind of item shows its soonest ten: a home is read at a glance (a list of 450
# rows took the chair's home 25 ms to render at 100,000 cases; 180, with twenty a kind, 4 ms)
LIMIT = 10
WAITS_ON_DEADLINE = {"response": "the respondent", "information": "the complainant",
                     "appeal": "the parties (appeal window)"}


@dataclass(frozen=True)
class Item:
    kind: str  # declaration, vote, deadline, hearing, document
    what: str
    number: str
    due: date | datetime | None
    waits_on: str = ""

    @property
    def overdue(self) -> bool:
        if self.due is None:
            return False
        due = self.due.date() if isinstance(self.due, datetime) else self.due
        return due < clock.today()

    @property
    def sort_key(self):
        due = self.due.date() if isinstance(self.due, datetime) else self.due
        return (due is None, due or date.max, self.number)


# Every section is a capped query with the same columns, so that all the sections a home
# shows run as ONE statement: a UNION ALL of the capped queries, each in its own subquery
# (its order and limit kept), told apart by the section's name. Each reads the kept items
# (`office.waits`) through an index, soonest first, and keeps those on cases open to the
# viewer (never a recused case).
def _section(section: str, kind: str, cleared, limit: int, *, member=None, where=(),
             order=None) -> Select:
    # the member an item waits on, named by a subquery of its own (planned apart, not one
    # more table in the join the planner orders for every section)
    named = kind in ("declaration", "vote")  # the committee's lists say whom it waits on
    name = (select(User.name).where(User.id == WaitingItem.member_id).scalar_subquery()
            if named else cast(null(), String))
    query = (select(cast(literal(section), String).label("section"), Case.number.label("number"),
                    WaitingItem.what.label("what"), name.label("name"),
                    WaitingItem.due_on.label("due_on"), WaitingItem.at.label("at"))
             .select_from(WaitingItem).join(Case, WaitingItem.case_id == Case.id)
             .where(WaitingItem.kind == kind, cleared, *where))
    if member is not None:
        query = query.where(WaitingItem.member_id == member.id)
    first = WaitingItem.due_on if order == "due_on" else WaitingItem.at
    # one past the limit: it says whether more wait than are shown, and is not shown
    return query.order_by(first, WaitingItem.id).limit(limit + 1)


def _upcoming():
    # the time is a parameter given when the statement runs: the statement is kept
    return WaitingItem.at >= bindparam("now")


@lru_cache(maxsize=32)  # ~0.25 MB a viewer; a committee and its office
def _statement(person: Viewer, committee: bool, limit: int) -> Select | None:
    """The home's sections as one statement (a UNION ALL of the capped queries), built
    once per process for a viewer, whether they see the committee's lists, and the limit:
    building it took 4-5 ms of Python per request (nine sections, each with the viewer's
    clearance), running it 4-7. Only `now` is given when it runs."""
    mine = is_committee(person)
    admin = person.has_role(Role.ADMIN)
    # the viewer's clearance as a condition on each item's case row (correlated EXISTS
    # through the indexes), not an IN list that reads every case the viewer has; only the
    # lists of others' items need it
    cleared = cleared_cases(person).whereclause if admin or committee else None
    sections = []
    if mine:
        # a member's own items are defined on the cases open to them as staff (office.waits:
        # declared, not recused, not a party), so they need no second check of the viewer
        sections += [_section("my_declarations", "declaration", true(), limit, member=person),
                     _section("my_votes", "vote", true(), limit, member=person),
                     _section("my_deadlines", "served_deadline", true(), limit, member=person,
                              order="due_on"),
                     _section("my_hearings", "panel_hearing", true(), limit, member=person,
                              where=[_upcoming()])]
    if admin or committee:  # the same list for the person and the committee
        sections.append(_section("documents", "document", cleared, limit))
    if committee:
        sections += [_section("declarations", "declaration", cleared, limit),
                     _section("votes", "vote", cleared, limit),
                     _section("deadlines", "deadline", cleared, limit, order="due_on"),
                     _section("hearings", "hearing", cleared, limit, where=[_upcoming()])]
    if not sections:
        return None
    return union_all(*(select(*query.subquery().c) for query in sections))


def _run(statement: Select | None) -> dict[str, list]:
    """Run the sections' statement; their rows by section."""
    rows: dict[str, list] = {}
    if statement is not None:
        for row in db.session.execute(statement, {"now": clock.now()}):
            rows.setdefault(row.section, []).append(row)
    return rows


def _soonest(row) -> tuple:
    """A section's own order (its due date, or its time), for keeping its first LIMIT."""
    return (row.due_on is None, row.due_on or date.min,
            row.at is None, row.at.timestamp() if row.at is not None else 0.0)


def _deadline_items(rows) -> list[Item]:
    return [Item("deadline", f"{r.what.capitalize()} due", r.number, r.due_on,
                 WAITS_ON_DEADLINE.get(r.what, "")) for r in rows]


def _hearing_items(rows, waits_on="") -> list[Item]:
    return [Item("hearing", "Hearing" + (f", {r.what}" if r.what else ""), r.number, r.at,
                 waits_on) for r in rows]


def _vote_items(rows, mine: bool) -> list[Item]:
    return [Item("vote", f"Vote ({r.what.replace('_', ' ')})", r.number, None,
                 "you" if mine else r.name) for r in rows]


def _document_items(rows, waits_on: str) -> list[Item]:
    return [Item("document", f"Issue: {r.what}", r.number, None, waits_on) for r in rows]


def dashboards(user, committee: bool) -> tuple[list[Item], list[Item] | None, set[str]]:
    """What waits on this person, and (`committee`) on anyone in the committee, on the
    cases open to the viewer, each soonest first: one statement for both; and which of the
    two ("mine", "committee") left items out (a kind with more than LIMIT waiting)."""
    mine = is_committee(user)
    admin = user.has_role(Role.ADMIN)
    rows = _run(_statement(viewer(user), committee, LIMIT))
    full = {name for name, found in rows.items() if len(found) > LIMIT}
    rows = {name: sorted(found, key=_soonest)[:LIMIT] for name, found in rows.items()}
    left_out = {"mine"} if full & {"my_declarations", "my_votes", "my_deadlines",
                                   "my_hearings"} or (admin and "documents" in full) else set()
    if full - {"my_declarations", "my_votes", "my_deadlines", "my_hearings"}:
        left_out.add("committee")

    person: list[Item] = []
    if mine:
        person += [Item("declaration", "Declare any conflict of interest", r.number, None, "you")
                   for r in rows.get("my_declarations", [])]
        person += _vote_items(rows.get("my_votes", []), mine=True)
        person += _deadline_items(rows.get("my_deadlines", []))
        person += _hearing_items(rows.get("my_hearings", []), "you (on the panel)")
    if admin:
        person += _document_items(rows.get("documents", []), "you (administrators)")
    if not committee:
        return sorted(person, key=lambda i: i.sort_key), None, left_out & {"mine"}
    everyone = [Item("declaration", "Declare any conflict of interest", r.number, None, r.name)
                for r in rows.get("declarations", [])]
    everyone += _vote_items(rows.get("votes", []), mine=False)
    everyone += _deadline_items(rows.get("deadlines", []))
    everyone += _hearing_items(rows.get("hearings", []), "the hearing panel")
    everyone += _document_items(rows.get("documents", []), "the administrators")
    return (sorted(person, key=lambda i: i.sort_key),
            sorted(everyone, key=lambda i: i.sort_key), left_out)


def for_person(user) -> list[Item]:
    """What waits on this person, soonest first."""
    return dashboards(user, committee=False)[0]


def for_committee(user) -> list[Item]:
    """What waits on anyone in the committee, on the cases open to the viewer, soonest first."""
    return dashboards(user, committee=True)[1]
