"""Time rendering each document type: our renderer against bare WeasyPrint on the same HTML.

    .venv/bin/python bench/render_documents.py [--runs 7]

For each type, the median of several runs of `app.documents.render.render()` (Jinja,
our print stylesheet, the locked URL fetcher, PDF/A for issued copies) beside the
median of `weasyprint.HTML(string=...).write_pdf()` on the very same HTML and CSS.
The data is made up here (a case of the size of a long proceeding), not read from a
database, so the figures are about rendering alone.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("SECRET_KEY", "bench-only")

import weasyprint  # noqa: E402

from app import create_app  # noqa: E402
from app.documents import render as renderer  # noqa: E402
from app.documents.types import DOCUMENT_TYPES  # noqa: E402

FACTS = ("On several visits the respondent discussed the client's housing with a landlord "
         "in whose business the respondent held a share, and did not tell the client or the "
         "agency of that interest. The client later learned of it from a neighbour. ")


def sample(kind: str, allegations: int) -> dict:
    person = {"role": "respondent", "name": "Rory Respondent", "email": "rory@example.org",
              "user_id": 7}
    base = {
        "case_number": "EC-2026-00042", "case_kind": "complaint",
        "respondent": {"name": "Rory Respondent", "cert_number": "CCM-200002"},
        "complainant": "Withheld at the complainant's request",
        "submitted_on": date(2026, 11, 2), "case_url": "http://127.0.0.1:5000/cases/EC-2026-00042",
        "addressee": person,
        "allegations": [{"code": f"S{n % 28 + 1}", "title": "Conflict of interest",
                         "summary": "Disclose conflicts to every affected party.",
                         "version": "2009", "conduct_from": date(2025, 3, 3), "conduct_to": None,
                         "facts": FACTS * 3} for n in range(allegations)],
        "evidence": [{"name": f"exhibit-{n}.pdf", "size": 48_000 + n,
                      "sha256": "ab" * 32} for n in range(8)],
    }
    extra = {
        "receipt": {"received_at": datetime(2026, 11, 2, 9, tzinfo=timezone.utc),
                    "remedy": "A review.", "identity_withholding_requested": True},
        "notice_of_complaint": {"served_on": date(2026, 11, 9), "response_due": date(2026, 12, 9),
                                "response_days": 30},
        "information_request": {"requested_on": date(2026, 11, 5), "request": FACTS,
                                "information_due": date(2026, 12, 7)},
        "dismissal": {"dismissed_on": date(2026, 11, 6), "reason": "Duplicate",
                      "explanation": FACTS},
        "extension_decision": {"requested_on": date(2026, 11, 20), "reason": FACTS,
                               "requested_until": date(2026, 12, 20), "granted": True,
                               "decided_on": date(2026, 11, 21), "new_due_on": date(2026, 12, 21),
                               "original_due_on": date(2026, 12, 9), "note": "Granted."},
    }[kind]
    return base | extra


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    app = create_app("development")
    css = weasyprint.CSS(string=renderer.PRINT_CSS.read_text())
    rows = []
    with app.test_request_context():
        cases = [(kind, 2) for kind in DOCUMENT_TYPES] + [("notice_of_complaint", 9)]
        for kind, n in cases:
            doc_type = DOCUMENT_TYPES[kind]
            data = sample(kind, n)
            meta = renderer.page_meta(doc_type.title, number="EC-2026-00042-D1",
                                      issued_at=datetime(2026, 11, 23, tzinfo=timezone.utc),
                                      issued_by="Ada Administrator",
                                      verify_url="http://127.0.0.1:5000/verify/EC-2026-00042-D1")
            renderer.render(doc_type.template, data, meta)  # warm up fonts and templates
            result = renderer.render(doc_type.template, data, meta)
            ours = median_ms(lambda: renderer.render(doc_type.template, data, meta), args.runs)
            bare = median_ms(lambda: weasyprint.HTML(string=result.html).write_pdf(
                stylesheets=[css], pdf_variant="pdf/a-3b"), args.runs)
            label = kind if n == 2 else f"{kind} ({n} allegations)"
            rows.append((label, result.pages, len(result.pdf) // 1024, ours, bare))
    print(f"Rendering, median of {args.runs} runs (PDF/A-3b, as issued)\n")
    print(f"{'document':42} {'pages':>5} {'KiB':>6} {'ours ms':>9} {'bare ms':>9}")
    for label, pages, kib, ours, bare in rows:
        print(f"{label:42} {pages:>5} {kib:>6} {ours:>9.1f} {bare:>9.1f}")


if __name__ == "__main__":
    main()
