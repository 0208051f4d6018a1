"""Demo case messages: a conversation with both parties on one demo case, the office's stock
replies, and a witness who answered through their personal link."""
from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app import clock
from app.access import ThreadRef
from app.accounts.services import find_by_email
from app.cases.models import Case
from app.extensions import db
from app.messages import services as messages
from app.messages.models import StockReply, Thread

CHAIR = "chair@example.org"

STOCK = [
    ("Received, we will answer", "Thank you for your message. The committee's office has "
     "received it and will answer within five working days."),
    ("Cautionary letter explained", "A dismissal with a cautionary letter ends the case without "
     "a finding of violation. It is not a disciplinary sanction and is not published; the "
     "letter stays in the committee's confidential file."),
]

WITNESS = {"name": "Walter Witness", "email": "walter.witness@example.org"}
WITNESS_REQUEST = ("You were the office manager at the practice in March 2025. Could you send "
                   "us the appointment diary for that month, and tell us who kept it?")


DIARY = (b"Appointment diary, March 2025\n"
         b"3 March: 09:00 R. (home visit), 14:00 file review\n"
         b"10 March: 10:30 client meeting, 15:00 employer call\n")


def _case() -> Case | None:
    """The oldest demo case under investigation with a served respondent who has an account."""
    return db.session.execute(
        select(Case).where(Case.status == "investigation", Case.served_at.is_not(None),
                           Case.complainant_id.is_not(None),
                           Case.respondent_user_id.is_not(None))
        .order_by(Case.id).limit(1)).scalar_one_or_none()


def load_demo_messages() -> int:
    """Add the demo conversation once; return how many records were added."""
    created = 0
    admin = find_by_email("admin@example.org")
    for title, body in STOCK:
        if db.session.execute(select(StockReply.id).where(StockReply.title == title)).first():
            continue
        messages.add_stock_reply(admin, title, body)
        created += 1
    case = _case()
    if case is None or db.session.execute(select(Thread.id).where(
            Thread.case_id == case.id).limit(1)).first() is not None:
        return created
    chair = find_by_email(CHAIR)
    now = clock.now()
    try:
        clock.freeze(now - timedelta(days=6))
        messages.send(ThreadRef(case, "complainant"), case.complainant,
                      "After filing I remembered that the respondent also phoned my employer "
                      "in April. Does the committee need the dates?", as_office=False)
        clock.freeze(now - timedelta(days=5, hours=20))
        messages.send(ThreadRef(case, "complainant"), chair,
                      "Thank you. Yes: please send the dates and, if you have it, the phone "
                      "bill that shows the calls.", as_office=True)
        clock.freeze(now - timedelta(days=4))
        link = messages.open_witness_link(case, chair, name=WITNESS["name"],
                                          email=WITNESS["email"], request=WITNESS_REQUEST,
                                          days=30)
        clock.freeze(now - timedelta(days=3))
        messages.send(ThreadRef(case, "respondent"), case.respondent_user,
                      "What does \"Dismiss with a cautionary letter\" mean for me, if the "
                      "committee chooses it?", as_office=False)
        clock.freeze(now - timedelta(days=2))
        diary = FileStorage(io.BytesIO(DIARY), "appointment-diary.txt")
        messages.send(ThreadRef(case, f"witness-{link.id}"), None,
                      "Here is the diary. I kept it myself until I left in June 2025.",
                      [diary], as_office=False, witness=link)
        messages.witness_used(link, "replied")
        created += 5
    finally:
        clock.freeze(None)
    db.session.flush()
    return created
