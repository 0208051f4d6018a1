"""The annual report: issued through the documents framework as AR-<year>, small cells
suppressed, no names, verifiable (issue 15)."""
from __future__ import annotations

import io
import re

from pypdf import PdfReader

from app.documents.models import Document
from app.extensions import db
from app.office.report import AnnualReport
from tests.test_office_statistics import build, frozen  # noqa: F401 (a fixture)


def test_the_administrator_issues_the_report_and_it_verifies(app, client, auth, cast, frozen):  # noqa: F811
    people = cast("complainant", "respondent", "record", "chair", "member", "admin")
    build(app, people)
    auth.login(people["admin"])
    page = client.get("/office/annual-report").get_data(as_text=True)
    assert "No report issued yet." in page
    r = client.post("/office/annual-report", data={"year": "2026"}, follow_redirects=True)
    assert "Issued Annual report AR-2026." in r.get_data(as_text=True)
    with app.app_context():
        document = db.session.query(Document).filter_by(number="AR-2026").one()
        assert document.case_id is None and document.recipients == []
    verify = client.get("/verify/AR-2026").get_data(as_text=True)
    assert document.sha256 in verify
    pdf = client.get("/office/annual-report/AR-2026.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # the copy verifies byte for byte
    r = client.post("/verify/AR-2026", data={"file": (io.BytesIO(pdf.data), "AR-2026.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 200 and "Genuine." in r.get_data(as_text=True)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Annual report 2026" in text and "AR-2026" in text
    # five cases filed in 2026: the total is shown, each month's one or two are not
    assert re.search(r"in all", text)
    assert "fewer than 5" in text
    for name in ("Clara", "Rory", "Charles", "Mina", "CCM-200002", "EC-2026"):
        assert name not in text
    # a second original is refused, with the reason next to the field
    again = client.post("/office/annual-report", data={"year": "2026"})
    assert again.status_code == 400 and "AR-2026 was issued" in again.get_data(as_text=True)
    # the chair reads the reports; only administrators issue
    auth.logout()
    auth.login(people["chair"])
    assert client.get("/office/annual-report/AR-2026.pdf").status_code == 200
    assert client.post("/office/annual-report", data={"year": "2025"}).status_code == 403


def test_the_figures_are_reproducible_and_suppressed(app, cast, frozen):  # noqa: F811
    people = cast("complainant", "respondent", "record", "chair", "member")
    build(app, people)
    with app.app_context():
        first, second = AnnualReport(2026).build(), AnnualReport(2026).build()
        assert first == second
        assert first["total"] == 5
        assert {m["filed"] for m in first["months"]} == {"fewer than 5"}
        assert all(r["median_days"] is None for r in first["caseload"])
        assert AnnualReport(2025).build()["total"] == "fewer than 5"
        assert AnnualReport(2025).build()["durations"] == {}
