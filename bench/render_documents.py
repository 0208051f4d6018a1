"""Time rendering each document type: our renderer against bare WeasyPrint on the same HTML.

    .venv/bin/python bench/render_documents.py [--runs 7]

For each type, the median of several runs of `app.documents.render.render()` (Jinja,
our print stylesheet, the locked URL fetcher, tagged PDF/A for issued copies) beside the
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
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("SECRET_KEY", "bench-only")

import weasyprint  # noqa: E402

from app import create_app  # noqa: E402
from app.documents import render as renderer  # noqa: E402
from app.proceedings.documents import DOCUMENT_TYPES  # noqa: E402

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
    decision = {
        "stage": "hearing", "outcome": "violation", "reasons": FACTS * 4,
        "decided_on": date(2027, 1, 20), "appeal_due_on": date(2027, 2, 19), "addressee": None,
        "findings": [{"code": f"S{n + 1}", "title": "Conflict of interest", "violated": n % 2 == 0,
                      "reasons": FACTS * 2} for n in range(allegations)],
        "sanctions": [{"title": "Suspension", "public": True, "terms": FACTS,
                       "starts_on": date(2027, 3, 1), "ends_on": date(2027, 9, 1),
                       "bar_years": None, "conditions": [
                           {"text": "Complete 12 hours of ethics education.",
                            "due_on": "2027-06-01"}]}],
    }
    extra = {
        "receipt": {"received_at": datetime(2026, 11, 2, 9, tzinfo=UTC),
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
        "notice_of_hearing": {"starts_at": datetime(2027, 1, 11, 10, tzinfo=UTC),
                              "place": "Room 4, 1 Main Street", "video_link": "",
                              "panel": ["Nadia N.", "Omar O.", "Paula P."],
                              "notice_days": 30, "addressee": None},
        "decision_and_order": decision,
        "appeal_decision": decision | {"appellant": "respondent", "grounds": FACTS,
                                       "filed_on": date(2027, 2, 1),
                                       "appealed_decided_on": date(2027, 1, 20),
                                       "outcome": "modify"},
        "public_notice": {"complainant": None, "final_on": date(2027, 2, 20),
                          "standards_violated": ["S7 Conflict of interest"],
                          "sanctions": decision["sanctions"], "addressee": None},
    }[kind]
    return base | extra


def bare_weasyprint(html: str, css) -> bytes:
    return weasyprint.HTML(string=html).write_pdf(stylesheets=[css],
                                                  pdf_variant=renderer.PDF_VARIANT)


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
        cases = [(kind, 2) for kind in DOCUMENT_TYPES] + [("decision_and_order", 8)]
        for kind, n in cases:
            doc_type = DOCUMENT_TYPES[kind]
            data = sample(kind, n)
            meta = renderer.page_meta(doc_type.title, number="EC-2026-00042-D1",
                                      issued_at=datetime(2026, 11, 23, tzinfo=UTC),
                                      issued_by="Ada Administrator",
                                      verify_url="http://127.0.0.1:5000/verify/EC-2026-00042-D1")
            renderer.render(doc_type.template, data, meta)  # warm up fonts and templates
            result = renderer.render(doc_type.template, data, meta)
            ours = median_ms(partial(renderer.render, doc_type.template, data, meta), args.runs)
            bare = median_ms(partial(bare_weasyprint, result.html, css), args.runs)
            label = kind if n == 2 else f"{kind} ({n} allegations)"
            rows.append((label, result.pages, len(result.pdf) // 1024, ours, bare))
    print(f"Rendering, median of {args.runs} runs ({renderer.PDF_VARIANT}, as issued)\n")
    print(f"{'document':42} {'pages':>5} {'KiB':>6} {'ours ms':>9} {'bare ms':>9}")
    for label, pages, kib, ours, bare in rows:
        print(f"{label:42} {pages:>5} {kib:>6} {ours:>9.1f} {bare:>9.1f}")


if __name__ == "__main__":
    main()
