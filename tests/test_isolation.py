"""The suite's own isolation: what a test commits is seen by the rest of it, a failed
transaction undoes only itself, and nothing outlives the test."""
from __future__ import annotations

import pytest
from conftest import PASSWORD, rolled_back
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.extensions import db
from app.registry.models import Certificant


def _emails(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(User.email)))


def _numbers(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(Certificant.cert_number)))


@pytest.mark.committed  # runs the rolled-back block itself, to look at the database after it
def test_a_rolled_back_test_sees_its_commits_and_leaves_nothing(app, make, client):
    with rolled_back(app):
        make.user(email="ada@example.com")  # the factory commits in an app context of its own
        make.certificant(number="CCM-1")
        r = client.post("/register", data={"name": "Nora New", "email": "nora@example.com",
                                           "password": PASSWORD, "confirm": PASSWORD})
        assert r.status_code == 200
        assert _emails(app) == {"ada@example.com", "nora@example.com"}  # the view committed

        with app.app_context():  # a transaction the database refuses undoes only itself
            db.session.add(Certificant(cert_number="CCM-1", name="Twin"))
            with pytest.raises(IntegrityError):
                db.session.commit()
            db.session.rollback()
        assert _numbers(app) == {"CCM-1"}
        assert _emails(app) == {"ada@example.com", "nora@example.com"}

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
        assert db.session.scalar(select(func.count()).select_from(Certificant)) == 0
