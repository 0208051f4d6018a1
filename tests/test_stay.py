"""A stay pending litigation stops the clock: no reminder and no default while stayed,
and the open deadlines move on by the time the stay lasted once it is lifted."""
from __future__ import annotations

from datetime import UTC, date, datetime

from case_helpers import case_in_state, clear

from app import clock
from app.cases.models import Case
from app.extensions import db
from app.proceedings import workflow


def test_a_stay_stops_the_clock_and_lifting_it_moves_the_deadline(app, cast, runner):
    people = cast("complainant", "respondent", "chair", "record")
    clara, rory, chair, record = (people[who] for who in ("complainant", "respondent", "chair", "record"))
    clock.freeze(datetime(2026, 11, 2, 9, tzinfo=UTC))  # answer due 2026-12-02
    with app.test_request_context():
        from app.accounts.models import User

        case = case_in_state("awaiting_response", db.session.get(User, clara.id),
                             db.session.merge(record), db.session.get(User, rory.id))
        db.session.commit()
        number = case.number
    clear(app, chair.id, number)

    def take(action: str, **data) -> None:
        with app.test_request_context():
            from app.accounts.models import User

            c = db.session.query(Case).filter_by(number=number).one()
            workflow.apply(c, action, db.session.get(User, chair.id), **data)
            db.session.commit()

    def sweep_on(day: date) -> str:
        clock.freeze(datetime(day.year, day.month, day.day, 6, tzinfo=UTC))
        return runner.invoke(args=["deadlines", "sweep"]).output

    def case() -> Case:
        with app.app_context():
            c = db.session.query(Case).filter_by(number=number).one()
            [d.due_on for d in c.deadlines]
            db.session.expunge_all()
            return c

    clock.freeze(datetime(2026, 11, 20, 9, tzinfo=UTC))
    take("stay", text="Parallel court proceedings on the same facts.")
    out = sweep_on(date(2026, 12, 10))  # past the due date, but stayed
    assert "missed" not in out.replace("0 missed", "") and "reminder:" not in out
    assert case().status == "awaiting_response"
    clock.freeze(datetime(2026, 12, 10, 9, tzinfo=UTC))
    take("lift_stay", text="The court has ruled.")
    [deadline] = case().deadlines
    assert deadline.due_on == date(2026, 12, 22), "2 December + the 20 days stayed"
    assert "missed" not in sweep_on(date(2026, 12, 21)).replace("0 missed", "")
    assert f"missed: {number} response due 2026-12-22" in sweep_on(date(2026, 12, 23))
    assert case().status == "investigation"
