"""Browser smoke test: Debian's chromium, driven by Playwright, against a live server."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from conftest import free_port
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from app.demo import DEMO_PASSWORD, DEMO_USERS
from app.extensions import db

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

HOME_HEADINGS = {
    "administrator": "Administration",
    "chair": "Committee dashboard",
    "committee member": "Committee dashboard",
    "certificant": "My matters",
    "representative (counsel for Wanda)": "My matters",
}


@pytest.fixture(scope="module")
def live_server(app):
    """Serve the session's app on a free loopback port for the module's tests."""
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium; skipped when it is missing, unless REQUIRE_BROWSER=1 (CI)."""
    if not CHROMIUM.exists():
        reason = "Debian chromium not installed; apt-get install chromium"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) per test; relative URLs go to the live server."""
    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("user", DEMO_USERS, ids=[u["email"] for u in DEMO_USERS])
def test_demo_user_signs_in_and_out(page, demo, user):
    page.goto("/login")
    page.get_by_label("Email").fill(user["email"])
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    heading = HOME_HEADINGS[user["label"]]
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.locator("header .who")).to_have_text(user["name"])

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.locator("header .who")).to_have_count(0)


def test_first_tab_focuses_skip_link(page):
    page.goto("/login")
    page.keyboard.press("Tab")
    active = page.evaluate("document.activeElement.textContent.trim()")
    assert active == "Skip to main content"


def _sign_in(page, email):
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_administrator_issues_a_receipt_and_anyone_verifies_it(app, page, demo):
    from app.cases.models import Case
    from app.documents.services import documents_of

    with app.app_context():  # a demo case that has documents but no receipt yet
        case = next(c for c in db.session.query(Case).filter(Case.number.is_not(None))
                    .order_by(Case.id) if documents_of(c)
                    and "receipt" not in {d.kind for d in documents_of(c)})
        number, next_doc = case.number, f"{case.number}-D{len(documents_of(case)) + 1}"
    _sign_in(page, "admin@example.org")
    page.goto(f"/cases/{number}")
    page.locator("#documents ~ ul.document-types li", has_text="Receipt of complaint") \
        .get_by_role("link", name="issue…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Issue: Receipt of complaint")
    page.get_by_role("button", name="Issue the document").click()
    expect(page.get_by_text(f"Receipt of complaint {next_doc} issued")).to_be_visible()
    expect(page.get_by_role("link", name=next_doc)).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.goto("/verify")
    page.get_by_label("Document number").fill(next_doc)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Document {next_doc}")
    expect(page.get_by_text("In force")).to_be_visible()
    expect(page.get_by_label("Your copy of the PDF")).to_be_visible()
