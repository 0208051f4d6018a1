"""Case numbers: EC-<year>-<five digits>, one sequence per year, no gaps or twins under load."""
from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from app import clock
from app.accounts.models import User
from app.cases import services
from app.cases.models import Case, CaseCounter
from app.catalogue.models import CodeItem
from app.extensions import db
from app.proceedings import workflow

NUMBER = re.compile(r"^EC-(\d{4})-(\d{5})$")


@pytest.fixture
def complainant(app, make):
    make.catalogue()
    make.certificant(number="CCM-500005", name="Rory Respondent")
    return make.user(email="clara@example.com", name="Clara Complainant")


def drafts(app, complainant, n: int) -> list[int]:
    """`n` complete drafts, ready to submit; their ids."""
    from app.registry.models import Certificant

    with app.test_request_context():
        user = db.session.get(User, complainant.id)
        record = db.session.execute(select(Certificant)).scalar_one()
        s7 = db.session.execute(select(CodeItem).where(CodeItem.code == "S7")).scalar_one()
        ids = []
        for i in range(n):
            case = services.start_draft(user)
            services.save_draft(case, user, respondent=record, relation="client",
                                attest_not_confidential=True, attest_good_faith=True,
                                allegations=[{"code_item_id": s7.id, "conduct_from": date(2025, 3, 3),
                                              "facts": f"Complaint number {i}."}])
            ids.append(case.id)
        db.session.commit()
        return ids


def submit(app, complainant, case_id: int) -> str:
    with app.test_request_context():
        case = db.session.get(Case, case_id)
        workflow.apply(case, "submit", db.session.get(User, complainant.id))
        db.session.commit()
        return case.number


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> None:
    clock.freeze(datetime(year, month, day, hour, minute, tzinfo=UTC))


def test_numbers_run_per_year_and_start_again_in_a_new_year(app, complainant, auth, client):
    ids = drafts(app, complainant, 5)
    at(2026, 6, 1)
    assert submit(app, complainant, ids[0]) == "EC-2026-00001"
    assert submit(app, complainant, ids[1]) == "EC-2026-00002"
    at(2026, 12, 31, 23, 59)
    assert submit(app, complainant, ids[2]) == "EC-2026-00003"
    at(2027, 1, 1, 0, 1)  # the year turned (UTC)
    assert submit(app, complainant, ids[3]) == "EC-2027-00001"
    assert submit(app, complainant, ids[4]) == "EC-2027-00002"
    with app.app_context():
        counters = {c.year: c.last for c in db.session.execute(select(CaseCounter)).scalars()}
    assert counters == {2026: 3, 2027: 2}
    # the complainant sees each number on their list, linked to its page
    auth.login(complainant)
    page = client.get("/my/complaints").data.decode()
    for number in ("EC-2026-00001", "EC-2026-00002", "EC-2026-00003", "EC-2027-00001",
                   "EC-2027-00002"):
        assert f'href="/cases/{number}"' in page
    assert client.get("/cases/EC-2027-00002").status_code == 200


def test_a_draft_has_no_number_and_a_refused_submission_uses_none(app, complainant):
    [incomplete, complete] = drafts(app, complainant, 2)
    at(2026, 6, 1)
    with app.test_request_context():
        case = db.session.get(Case, incomplete)
        assert case.number is None
        case.attest_good_faith = False
        with pytest.raises(workflow.WorkflowError):
            workflow.apply(case, "submit", db.session.get(User, complainant.id))
        db.session.rollback()
        assert db.session.get(Case, incomplete).number is None
    assert submit(app, complainant, complete) == "EC-2026-00001"


def test_number_format(app, complainant):
    ids = drafts(app, complainant, 3)
    at(2031, 2, 3)
    numbers = [submit(app, complainant, i) for i in ids]
    for number in numbers:
        year, seq = NUMBER.match(number).groups()
        assert year == "2031" and len(seq) == 5
    assert [int(NUMBER.match(n).group(2)) for n in numbers] == [1, 2, 3]


THREADS = 12


@pytest.mark.postgres_only
@pytest.mark.parametrize("year_started", [False, True], ids=["first-of-the-year", "year-under-way"])
def test_concurrent_submissions_get_distinct_contiguous_numbers(app, complainant, year_started):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite lets one writer in at a time, so there is no race to test; "
                        "run with TEST_DATABASE_URL=postgresql+psycopg://... to check numbering "
                        "under concurrent submissions")
    at(2026, 6, 1)
    first = 1
    if year_started:
        [earlier] = drafts(app, complainant, 1)
        assert submit(app, complainant, earlier) == "EC-2026-00001"
        first = 2
    ids = drafts(app, complainant, THREADS)
    barrier = threading.Barrier(THREADS)
    numbers: dict[int, str] = {}
    errors: list[BaseException] = []

    def worker(case_id: int) -> None:
        try:
            with app.test_request_context():  # its own app context, so its own session
                case = db.session.get(Case, case_id)
                user = db.session.get(User, complainant.id)
                assert case.status == "draft"
                barrier.wait(timeout=30)  # all twelve submit at once
                workflow.apply(case, "submit", user)
                db.session.commit()
                numbers[case_id] = case.number
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=worker, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a submission hung"
    assert not errors, errors
    assert len(numbers) == THREADS
    assert sorted(numbers.values()) == [f"EC-2026-{n:05d}" for n in range(first, first + THREADS)]
    with app.app_context():
        stored = db.session.execute(select(Case.id, Case.number).where(Case.id.in_(ids))).all()
        assert dict(stored) == numbers
        assert db.session.execute(
            select(CaseCounter.last).where(CaseCounter.year == 2026)).scalar_one() == first + THREADS - 1
