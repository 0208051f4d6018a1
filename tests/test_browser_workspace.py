"""The case workspace in a real browser (Debian's chromium, through Playwright): a refused
action opens on its error, focused, keeping what was typed; the complaint draft's registry
search, used from the keyboard, loses nothing typed.

Reuses tests/test_browser.py's live server and browser (skipped without chromium unless
REQUIRE_BROWSER=1).
"""
from __future__ import annotations

import re

import pytest
import test_browser
import test_case_workspace
from conftest import PASSWORD
from playwright.sync_api import expect
from test_case_workspace import build

pytestmark = pytest.mark.browser

# The fixtures shared with those modules: chromium, the live server, a fresh page; the cast.
browser, live_server, page = test_browser.browser, test_browser.live_server, test_browser.page
cast = test_case_workspace.cast


def sign_in(page, user) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("header .who")).to_have_text(user.name)


def focused(page) -> str:
    """The element that has the keyboard focus: its id and classes (once the page's script
    has run: a busy machine may paint the message before the focus moves)."""
    try:
        page.wait_for_function("document.activeElement && document.activeElement.id",
                               timeout=5000)
    except Exception:  # report what has the focus, whatever it is
        pass
    return page.evaluate("document.activeElement.id + ' ' + document.activeElement.className")


def test_a_refused_action_focuses_its_error_and_keeps_the_typed_text(app, cast, page):
    number = build(app, cast, "submitted")
    sign_in(page, cast["chair"])
    page.goto(f"/cases/{number}")

    # asked for more information, with nothing written
    page.locator("#act-request_info").get_by_role(
        "button", name="Ask the complainant for more information").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Say what information is needed.")
    assert focused(page) == "problem error-summary", "the error takes the focus"

    # accepted with a reason to waive the time limit, but no address to serve
    waiver = "WAIVER-TYPED: the conduct went on until this spring."
    accept = page.locator("#act-accept")
    accept.get_by_label("Reason to waive the time limit").fill(waiver)
    accept.get_by_label("Serve the respondent at").fill("")
    accept.get_by_role("button", name="Accept and serve the respondent").click()
    expect(summary).to_contain_text("Give an email address at which to serve the respondent.")
    assert focused(page) == "problem error-summary"
    box = summary.bounding_box()
    assert box is not None and box["y"] < page.viewport_size["height"], \
        "the error is on screen, not below the fold"
    expect(page.locator("#act-accept").get_by_label("Reason to waive the time limit")) \
        .to_have_value(waiver)


def test_the_registry_search_by_keyboard_keeps_the_draft(app, cast, page):
    sign_in(page, cast["complainant"])
    page.goto("/complaints/new")
    page.get_by_role("button", name="Start a new complaint").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your complaint (draft)")

    facts = "FACTS-TYPED: the invoice billed sessions that never took place."
    remedy = "REMEDY-TYPED: a refund and an apology."
    page.get_by_label("Standard or rule").select_option(label="S7 Conflict of interest")
    page.get_by_label("Date of the conduct (or first date)").fill("2025-03-03")
    page.get_by_label("What happened, in your own words").fill(facts)
    page.get_by_label("What would you like to happen?").fill(remedy)

    find = page.get_by_label("Find a certified case manager by name or number")
    find.fill("Rory")
    find.press("Enter")  # the form's first button: "Search the registry"

    pick = page.get_by_role("button", name=re.compile(r"^This is the respondent\W+Rory Respondent\W*$"))
    expect(pick).to_be_visible()
    expect(page.get_by_label("What happened, in your own words")).to_have_value(facts)
    expect(page.get_by_label("What would you like to happen?")).to_have_value(remedy)

    later = remedy + " LATER-TYPED: and a review of my file."
    page.get_by_label("What would you like to happen?").fill(later)
    pick.focus()
    page.keyboard.press("Enter")

    expect(page.get_by_text("Respondent set: Rory Respondent (CCM-500001).")).to_be_visible()
    expect(page.locator("p.panel", has_text=re.compile("Respondent: Rory Respondent"))) \
        .to_be_visible()
    expect(page.get_by_label("What happened, in your own words")).to_have_value(facts)
    expect(page.get_by_label("What would you like to happen?")).to_have_value(later)
