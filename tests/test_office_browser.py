"""The office's pages in a real browser: the chair's dashboard and the statistics page,
whose charts carry text alternatives; axe finds no serious or critical violation."""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.demo import DEMO_PASSWORD
from tests.test_browser import browser, live_server, page  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def _sign_in(page, email):  # noqa: F811
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _serious(page) -> list[str]:  # noqa: F811
    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']}" for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")]


def test_the_chair_opens_the_dashboard_and_the_statistics(page, demo):  # noqa: F811
    _sign_in(page, "chair@example.org")
    expect(page.get_by_role("heading", name="Due")).to_be_visible()
    expect(page.locator("#due-committee caption")).to_have_text(
        "Waiting on the committee, soonest first")
    assert _serious(page) == []

    page.get_by_role("link", name="Statistics").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistics")
    charts = page.locator("figure.chart img")
    assert charts.count() >= 3
    for i in range(charts.count()):
        alt = charts.nth(i).get_attribute("alt")
        assert alt and ":" in alt  # states its figures
        assert charts.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
    assert _serious(page) == []
