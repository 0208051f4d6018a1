"""What a case page says in plain words: a self-reporter's own timeline, outcomes by name."""
from __future__ import annotations

from case_helpers import act, declare, file_complaint, get_case, number_in


def test_a_self_reporter_follows_their_own_report(app, make, auth, client):
    make.catalogue()
    record = make.certificant(number="CCM-400004", name="Sam Self")
    sam = make.user(email="sam@example.com", name="Sam Self", certificant=record)
    auth.login(sam)
    r = client.post("/self-reports/new", data={
        "event": "licence_loss", "occurred_on": "2026-10-01",
        "facts": "The state board suspended my licence for 90 days."}, follow_redirects=True)
    number = number_in(r.data.decode())
    page = client.get(f"/cases/{number}").data.decode()
    assert "Complaint submitted" in page, "the filer sees their submission on the timeline"
    assert "Nothing yet." not in page
    assert "R4" in page


def test_outcomes_are_named_in_plain_words(app, make, auth, client):
    make.catalogue()
    make.certificant(number="CCM-400005", name="Rita Respondent")
    clara = make.user(email="clara@example.com")
    chair = make.user("chair", "member")
    auth.login(clara)
    r, _ = file_complaint(app, client, "CCM-400005")
    number = number_in(r.data.decode())
    auth.logout()
    auth.login(chair)
    declare(client, number)
    act(client, number, "dismiss", get_case(app, number=number).row_version,
        reason="duplicate", text="Already before the committee.")
    page = client.get(f"/cases/{number}").data.decode()
    assert "Dismissed: duplicate of another complaint: Already before the committee." in page
    assert "duplicate:" not in page.lower().replace("another complaint:", "")
