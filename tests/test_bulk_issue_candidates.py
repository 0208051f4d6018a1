"""The bulk-issue page finds its cases in the database: each document type's SQL test
(`narrows`) keeps every case the type applies to, and the list is bounded."""
from __future__ import annotations

from budget import count_statements
from sqlalchemy import select

from app.accounts.models import User
from app.cases.models import Case
from app.extensions import db
from app.jobs import services
from app.proceedings.documents import DOCUMENT_TYPES


def test_the_sql_test_of_each_type_keeps_every_case_it_applies_to(demo):
    with demo.test_request_context():
        cases = db.session.execute(select(Case).where(Case.number.is_not(None))).scalars().all()
        assert len(cases) > 10
        for kind, doc_type in DOCUMENT_TYPES.items():
            applies = {c.id for c in cases if doc_type.applies(c)}
            narrowed = set(db.session.execute(
                select(Case.id).where(Case.number.is_not(None), doc_type.narrows())).scalars())
            assert applies, f"the demo has no case a {kind} applies to"
            assert applies <= narrowed, (kind, applies - narrowed)
            # and it narrows: the database does not hand back every case for every type
            if kind != "receipt":
                assert len(narrowed) < len(cases), kind


def test_the_list_is_capped_and_reads_no_more_than_the_cases_it_lists(demo):
    with demo.test_request_context():
        admin = db.session.execute(select(User).where(User.email.like("admin%"))).scalars() \
            .first()
        assert admin is not None
        full = services.issue_candidates("decision_and_order", admin, limit=1000)
        capped = services.issue_candidates("decision_and_order", admin, limit=1)
        assert len(capped) == min(1, len(full))
        # one statement finds the cases; the type's own test then reads a handful per case
        # found, never per case in the database
        with count_statements(demo) as one:
            services.issue_candidates("notice_of_complaint", admin, limit=1)
        with count_statements(demo) as none:
            services.issue_candidates("notice_of_complaint", admin, limit=0)
        assert none.count == 1, none.report()
        assert one.count <= 6, one.report()
