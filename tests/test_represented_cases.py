"""Which cases a representative's "Cases where you represent a party" lists: an active,
confirmed representation; for the respondent's side only once the respondent was served
(or the case is a self-report). Rewritten for speed (issue 11); the rule must not move."""
from __future__ import annotations

from case_helpers import case_in_state
from sqlalchemy import select

from app import clock
from app.access import represented_cases
from app.accounts.models import User
from app.cases.models import Case
from app.extensions import db
from app.representatives.models import Representative


def test_the_list_keeps_the_representation_rule(app, make):
    make.catalogue()
    clara = make.user(name="Clara", certificant=make.certificant(name="Clara"))
    rory_cert = make.certificant(name="Rory")
    lena, other = make.user(name="Lena Lawyer"), make.user(name="Otto Other")
    with app.test_request_context():
        complainant = db.session.get(User, clara.id)

        def case(state, **changes):
            made = case_in_state(state, complainant, rory_cert)
            for name, value in changes.items():
                setattr(made, name, value)
            return made

        def acts(made, role, user=lena, *, confirmed=True, revoked=False):
            now = clock.now()
            db.session.add(Representative(
                case_id=made.id, party_role=role, name="Rep", email="rep@example.com",
                kind="counsel", user_id=user.id, named_by_id=clara.id,
                confirmed_at=now if confirmed else None,
                confirmed_by_id=clara.id if confirmed else None,
                revoked_at=now if revoked else None, revoked_by_id=clara.id if revoked else None,
                revoke_reason="Ended." if revoked else ""))

        for_complainant_unserved = case("submitted")
        acts(for_complainant_unserved, "complainant")
        for_respondent_served = case("investigation")
        acts(for_respondent_served, "respondent")
        for_respondent_unserved = case("submitted")
        acts(for_respondent_unserved, "respondent")
        self_report = case("submitted", kind="self_report")
        acts(self_report, "respondent")
        revoked = case("investigation")
        acts(revoked, "complainant", revoked=True)
        waiting = case("investigation")
        acts(waiting, "respondent", confirmed=False)
        someone_elses = case("investigation")
        acts(someone_elses, "complainant", user=other)
        draft = case("draft")
        acts(draft, "complainant")
        db.session.flush()

        listed = set(db.session.execute(
            represented_cases(db.session.get(User, lena.id)).with_only_columns(Case.id)).scalars())
        assert listed == {for_complainant_unserved.id, for_respondent_served.id, self_report.id}
        assert for_respondent_unserved.served_at is None  # (what kept it out)
        assert db.session.execute(select(Case.served_at).where(
            Case.id == for_respondent_served.id)).scalar_one() is not None
        db.session.rollback()
