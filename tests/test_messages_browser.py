"""A party sends a message and the office answers it, in a real browser (chromium via
Playwright) against a live server with the demo data; and the demo holds a conversation and
a witness who answered through their link."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from test_browser import browser, live_server, page  # noqa: F401 (fixtures)

from app.accounts.models import User
from app.demo import DEMO_PASSWORD
from app.extensions import db
from app.messages.models import Thread

pytestmark = pytest.mark.browser


def _demo_thread(app):
    with app.app_context():
        thread = db.session.execute(select(Thread).where(Thread.party_role == "complainant")
                                    ).scalar_one()
        return thread.case.number, db.session.get(User, thread.case.complainant_id).email


def test_the_demo_has_a_conversation_and_a_witness_who_answered(app, demo):  # noqa: F811
    with app.app_context():
        threads = {t.party_role: t for t in db.session.execute(select(Thread)).scalars()}
        assert {"complainant", "respondent", "witness"} <= set(threads)
        assert [m.sender for m in threads["complainant"].messages] == ["party", "office"]
        witness = threads["witness"]
        assert [m.sender for m in witness.messages] == ["office", "party"]
        assert witness.messages[1].author_id is None and witness.messages[1].attachments


def _sign_in(page, email):  # noqa: F811
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_party_sends_and_the_office_answers(app, demo, page):  # noqa: F811
    number, complainant = _demo_thread(app)
    _sign_in(page, complainant)
    page.goto(f"/cases/{number}")
    page.get_by_role("link", name="Read and write messages").click()
    page.get_by_label("Your message").fill("Browser question: when is the hearing likely?")
    page.get_by_role("button", name="Send the message").click()
    expect(page.get_by_text("Your message was sent")).to_be_visible()
    expect(page.get_by_text("Browser question: when is the hearing likely?")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    _sign_in(page, "chair@example.org")
    page.goto("/")
    waiting = page.locator("#waiting-messages").locator("..")
    expect(waiting.get_by_role("link", name="Witness: Walter Witness")).to_be_visible()
    waiting.get_by_role("link", name="Complainant", exact=True).click()
    expect(page.get_by_text("Browser question: when is the hearing likely?")).to_be_visible()
    page.get_by_role("link", name="Received, we will answer").click()
    expect(page.get_by_label("Your message")).to_have_value(
        "Thank you for your message. The committee's office has received it and will answer "
        "within five working days.")
    page.get_by_role("button", name="Send the message").click()
    expect(page.get_by_text("Your message was sent")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    _sign_in(page, complainant)
    page.goto(f"/cases/{number}")
    expect(page.get_by_text("You have a new message.")).to_be_visible()
    page.get_by_role("link", name="Read and write messages").click()
    expect(page.get_by_text("will answer within five working days")).to_be_visible()
