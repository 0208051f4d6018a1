"""Every read of case material is audited, and staff see who opened the case (issue 13)."""
from __future__ import annotations

import html

from case_helpers import declare, file_complaint, number_in
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from app.notifications.models import OutboxMessage


def text(response) -> str:
    return html.unescape(response.data.decode())


def _reads(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        return db.session.execute(select(AuditEntry).where(AuditEntry.action == action)
                                  ).scalars().all()


def test_reads_of_case_material_are_recorded_and_shown_to_staff(app, cast, auth, client):
    people = cast("complainant", "chair", "admin", "record")
    auth.login(people["complainant"])
    r, _ = file_complaint(app, client, "CCM-200002", files=())
    number = number_in(r.data.decode())
    assert client.get(f"/cases/{number}/receipt").status_code == 200
    complainant_page = text(client.get(f"/cases/{number}"))
    assert "Who opened this case" not in complainant_page  # staff only
    auth.logout()

    auth.login(people["chair"])
    declare(client, number)
    assert client.get(f"/cases/{number}/investigation").status_code == 200
    assert client.get(f"/cases/{number}/conflicts").status_code == 200
    page = text(client.get(f"/cases/{number}"))
    assert "Who opened this case" in page
    for what in ("the receipt", "the investigation file", "the conflicts panel",
                 "the case page"):
        assert what in page, what
    assert people["chair"].name in page and people["complainant"].name in page
    for action in ("case.receipt_viewed", "case.investigation_viewed", "coi.panel_viewed",
                   "case.viewed"):
        assert _reads(app, action), action
    auth.logout()

    # an outbox message's body can hold case text: reading it is recorded too
    auth.login(people["admin"])
    with app.app_context():
        message_id = db.session.execute(select(OutboxMessage.id).limit(1)).scalar_one()
    assert client.get(f"/admin/outbox/{message_id}").status_code == 200
    [read] = _reads(app, "outbox.message_viewed")
    assert read.target_id == str(message_id) and read.actor_id == people["admin"].id
