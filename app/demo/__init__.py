"""Demo data: accounts for every role, registry records, the 2009 code, demo cases and
proceedings carried past the answer, a case on legal hold and one disposed of with its
certificate, and the documents issued on them."""
from __future__ import annotations

from datetime import date

from app.accounts.models import Role
from app.accounts.services import create_user, find_by_email
from app.catalogue.seed import VERSION_2009
from app.catalogue.services import ensure_2009_code, version_by_name
from app.demo.cases import load_demo_cases
from app.demo.documents import load_demo_documents
from app.demo.messages import load_demo_messages
from app.demo.office import load_demo_office
from app.demo.proceedings import load_demo_proceedings
from app.demo.records import load_demo_records
from app.extensions import db
from app.registry.models import Certificant, CertStatus
from app.registry.services import find_by_number

DEMO_PASSWORD = "demo-password-2026"

DEMO_USERS = [
    {"email": "admin@example.org", "name": "Ada Administrator", "roles": (Role.ADMIN,),
     "label": "administrator"},
    {"email": "chair@example.org", "name": "Charles Chair", "roles": (Role.CHAIR, Role.MEMBER),
     "label": "chair"},
    {"email": "member1@example.org", "name": "Mina Member", "roles": (Role.MEMBER,),
     "label": "committee member"},
    {"email": "member2@example.org", "name": "Marco Member", "roles": (Role.MEMBER,),
     "label": "committee member"},
    # four more members, so that a case with an investigator, a hearing panel and an
    # appeal panel can have seven different people in them (separation of functions)
    {"email": "member3@example.org", "name": "Nadia Member", "roles": (Role.MEMBER,),
     "label": "committee member"},
    {"email": "member4@example.org", "name": "Omar Member", "roles": (Role.MEMBER,),
     "label": "committee member"},
    {"email": "member5@example.org", "name": "Paula Member", "roles": (Role.MEMBER,),
     "label": "committee member"},
    {"email": "member6@example.org", "name": "Quentin Member", "roles": (Role.MEMBER,),
     "label": "committee member"},
    {"email": "cert1@example.org", "name": "Clara Certificant", "roles": (),
     "label": "certificant", "cert": "CCM-100001"},
    {"email": "cert2@example.org", "name": "Rory Respondent", "roles": (),
     "label": "certificant", "cert": "CCM-100002"},
    {"email": "cert3@example.org", "name": "Wanda Witness", "roles": (),
     "label": "certificant", "cert": "CCM-100003"},
    # Wanda's counsel in the case where her hearing was postponed: she sees that case as
    # Wanda does, receives copies of her notices and documents, and files for her
    {"email": "counsel@example.org", "name": "Lena Lawyer", "roles": (),
     "label": "representative (counsel for Wanda)"},
]

DEMO_REGISTRY = [
    ("CCM-100001", "Clara Certificant", "cert1@example.org", CertStatus.ACTIVE, date(2028, 6, 30)),
    ("CCM-100002", "Rory Respondent", "cert2@example.org", CertStatus.ACTIVE, date(2027, 3, 31)),
    ("CCM-100003", "Wanda Witness", "cert3@example.org", CertStatus.ACTIVE, date(2029, 1, 31)),
    ("CCM-100004", "Ivan Inactive", "ivan@example.org", CertStatus.INACTIVE, date(2024, 12, 31)),
    ("CCM-100005", "Sam Suspended", None, CertStatus.SUSPENDED, date(2027, 9, 30)),
    ("CCM-100006", "Petra Practitioner", "petra@example.org", CertStatus.ACTIVE, date(2028, 2, 29)),
]


def load_demo() -> int:
    """Create whatever demo data is missing; return how many records were added."""
    created = 0
    if version_by_name(VERSION_2009["name"]) is None:
        ensure_2009_code()
        created += 1
    for number, name, email, status, expires in DEMO_REGISTRY:
        if find_by_number(number) is None:
            db.session.add(Certificant(cert_number=number, name=name, email=email,
                                       status=status, expires_on=expires))
            created += 1
    db.session.flush()
    for spec in DEMO_USERS:
        if find_by_email(spec["email"]) is not None:
            continue
        user = create_user(spec["email"], spec["name"], DEMO_PASSWORD, verified=True,
                           roles=spec["roles"])
        if "cert" in spec:
            user.certificant_id = find_by_number(spec["cert"]).id
        created += 1
    db.session.flush()
    created += load_demo_cases()
    created += load_demo_office()  # before the documents, which it calls for
    created += load_demo_proceedings()
    created += load_demo_records()  # before the documents: its case's letter is issued then
    created += load_demo_documents()
    created += load_demo_messages()
    return created
