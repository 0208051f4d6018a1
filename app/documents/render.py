"""Plain data → HTML (Jinja, templates/pdf/) → PDF (WeasyPrint).

The renderer fetches nothing: its URL fetcher accepts only `data:` addresses (the
QR code is one) and refuses `file://`, `http(s)://` and everything else, so a
value that slipped into a template can neither read the server's files nor call
out. Fonts come from the system (Debian's fonts-dejavu-core), through fontconfig.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import segno
from flask import current_app, render_template
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

PRINT_CSS = Path(__file__).resolve().parents[2] / "static" / "pdf" / "print.css"
# The archival form of every issued document: PDF/A-3 at conformance level "a"
# (accessible): level b's guarantee that it renders the same in fifty years, plus a
# structure tree (tagged PDF), Unicode text and the document's language, so a screen
# reader follows headings, tables and lists in reading order. Drafts are tagged too.
PDF_VARIANT = "pdf/a-3a"


class LockedFetcher(URLFetcher):
    """A URL fetcher that serves `data:` addresses and refuses everything else."""

    def __init__(self) -> None:
        super().__init__(timeout=1, allowed_protocols={"data"}, allow_redirects=False)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if not url.lower().startswith("data:"):
            self.refused.append(url)
            raise ValueError(f"documents fetch nothing from outside: refused {url}")
        return super().fetch(url, headers)


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: int
    html: str
    refused: tuple[str, ...]


QR_SCALE, QR_BORDER = 4, 2


def qr_data_uri(text: str) -> str:
    """A PNG QR code of the text as a `data:` address (a raster image, as PDF/A likes)."""
    return segno.make(text, error="m").png_data_uri(scale=QR_SCALE, border=QR_BORDER)


def qr_alt(verify_url: str) -> str:
    """The QR code's alternative text: what it encodes, for whoever cannot scan it."""
    return f"QR code of the verification address {verify_url}"


def page_meta(title: str, *, number: str | None, issued_at: datetime | None,
              issued_by: str | None, verify_url: str | None) -> dict:
    """What the page furniture needs: header, footer, signature, watermark."""
    return {
        "title": title,
        "number": number,
        "draft": number is None,
        "issued_at": issued_at,
        "issued_by": issued_by,
        "verify_url": verify_url,
        "qr": qr_data_uri(verify_url) if verify_url else None,
        "qr_alt": qr_alt(verify_url) if verify_url else None,
        "body_name": current_app.config["BODY_NAME"],
        "signatory_title": current_app.config["DOCUMENT_SIGNATORY_TITLE"],
    }


def render_html(template: str, data: dict, meta: dict) -> str:
    return render_template(f"pdf/{template}", doc=meta, **data)


def html_to_pdf(html: str, *, archival: bool) -> Rendered:
    """Lay out and write the PDF; the fetcher records anything it refused."""
    fetcher = LockedFetcher()
    stylesheet = CSS(string=PRINT_CSS.read_text(encoding="utf-8"), url_fetcher=fetcher)
    document = HTML(string=html, url_fetcher=fetcher, base_url=None).render(
        stylesheets=[stylesheet])
    pdf = document.write_pdf(pdf_variant=PDF_VARIANT if archival else None, pdf_tags=True)
    return Rendered(pdf=pdf, pages=len(document.pages), html=html,
                    refused=tuple(fetcher.refused))


def render(template: str, data: dict, meta: dict) -> Rendered:
    """Render a document type's template with its data and page furniture."""
    return html_to_pdf(render_html(template, data, meta), archival=not meta["draft"])
