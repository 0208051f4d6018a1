"""The email letters the office may word, with their documented merge fields and sample
values for the preview. (Document types are the other letters: one per type, app/letters/views.)
"""
from __future__ import annotations

from app.letters.services import Letter

ALERT = Letter(
    key="email:message_alert", title="New message alert", kind="email",
    audiences=("party", "office", "witness"),
    fields={"name": "the reader's own name", "case_number": "the case number",
            "read_url": "where to read the message (the case page, or a witness's link)"},
    builtin=("There is a new message for you on case {{ case_number }}. "
             "For your privacy this email does not contain it.\n\n"
             "Read it and reply here: {{ read_url }}"))
WITNESS_LINK = Letter(
    key="email:witness_link", title="Witness link", kind="email", audiences=("witness",),
    fields={"name": "the witness's name", "case_number": "the case number",
            "link_url": "the witness's personal link", "expires_on": "the link's last day"},
    builtin=("The committee's office asks for your help with case {{ case_number }}.\n\n"
             "Read the request, reply and send documents through this personal link, which "
             "works until {{ expires_on }} and only for you: {{ link_url }}\n\n"
             "Please do not forward this email."))
DIGEST = Letter(
    key="email:message_digest", title="Daily digest of new messages", kind="email",
    audiences=("party", "office"),
    fields={"name": "the reader's own name", "count": "how many threads have news",
            "places": "the list of {case_number, read_url} to read them"},
    builtin=("There are new messages for you in {{ count }} "
             "conversation{{ '' if count == 1 else 's' }}:\n"
             "{% for p in places %}- case {{ p.case_number }}: {{ p.read_url }}\n{% endfor %}"))
EMAIL_LETTERS = (ALERT, WITNESS_LINK, DIGEST)

SAMPLES = {
    ALERT.key: {"name": "Alex Example", "case_number": "EC-2026-00001",
                "read_url": "https://ethics.example.org/cases/EC-2026-00001/messages/complainant"},
    WITNESS_LINK.key: {"name": "Sam Witness", "case_number": "EC-2026-00001",
                       "link_url": "https://ethics.example.org/witness/abc", "expires_on":
                       "2026-12-31"},
    DIGEST.key: {"name": "Alex Example", "count": 2, "places": [
        {"case_number": "EC-2026-00001", "read_url": "https://ethics.example.org/cases/1"},
        {"case_number": "EC-2026-00002", "read_url": "https://ethics.example.org/cases/2"}]},
}
