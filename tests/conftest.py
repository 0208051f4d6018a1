"""Fixtures: one app per session, a clean database per test, factories, SMTP, login."""
from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from flask_migrate import upgrade
from sqlalchemy import text

from app import clock, create_app
from app.accounts.models import Role, User
from app.accounts.services import create_user
from app.extensions import db, limiter
from app.registry.models import Certificant

PASSWORD = "correct horse battery"


def _reset_schema(app) -> None:
    """Drop everything so the migrations build the test database from empty."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        else:
            path = engine.url.database
            engine.dispose()
            if path and os.path.exists(path):
                os.remove(path)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = create_app("testing")
    app.config["UPLOAD_DIR"] = tmp_path_factory.mktemp("evidence")
    app.config["DOCUMENT_DIR"] = tmp_path_factory.mktemp("documents")
    _reset_schema(app)
    with app.app_context():
        upgrade()
        db.session.remove()
    yield app


def _truncate(app) -> None:
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for name in tables:
                    conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture(autouse=True)
def clean_db(app):
    """Each test starts from empty tables, a running clock and no throttling."""
    clock.freeze(None)
    yield
    clock.freeze(None)
    with app.app_context():
        limiter.reset()
        app.extensions["throttle"].reset()
    _truncate(app)


@pytest.fixture
def ctx(app):
    """An app context (and request context, for url_for) for calling services."""
    with app.test_request_context():
        yield
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@dataclass
class Factory:
    app: object
    count: int = 0

    def user(self, *roles: Role | str, email: str | None = None, name: str | None = None,
             password: str = PASSWORD, verified: bool = True, certificant=None) -> User:
        self.count += 1
        with self.app.app_context():
            user = create_user(email or f"user{self.count}@example.com",
                               name or f"User {self.count}", password,
                               verified=verified, roles=tuple(roles))
            if certificant is not None:
                user.certificant_id = certificant.id
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    def certificant(self, number: str | None = None, name: str | None = None,
                    email: str | None = None, status: str = "active") -> Certificant:
        self.count += 1
        with self.app.app_context():
            c = Certificant(cert_number=number or f"CCM-{900000 + self.count}",
                            name=name or f"Cert {self.count}", email=email, status=status)
            db.session.add(c)
            db.session.commit()
            db.session.refresh(c)
            db.session.expunge(c)
            return c

    def catalogue(self):
        from app.catalogue.services import ensure_2009_code

        with self.app.app_context():
            version = ensure_2009_code()
            db.session.commit()
            return version.id


@pytest.fixture
def make(app):
    return Factory(app)


@dataclass
class Auth:
    client: object

    def login(self, user_or_email, password: str = PASSWORD, follow: bool = True, **extra):
        email = getattr(user_or_email, "email", user_or_email)
        return self.client.post("/login", data={"email": email, "password": password, **extra},
                                follow_redirects=follow)

    def logout(self):
        return self.client.post("/logout", follow_redirects=True)


@pytest.fixture
def auth(client):
    return Auth(client)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Mailbox:
    """What a real SMTP server on loopback received."""

    messages: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(msg)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m["To"]]

    def text_of(self, msg) -> str:
        return msg.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def smtp(app):
    """Start aiosmtpd on a free loopback port and point Flask-Mail at it."""
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    state = app.extensions["mail"]
    old = state.port
    state.server, state.port = "127.0.0.1", controller.port
    box.controller = controller
    yield box
    state.port = old
    try:
        box.controller.stop()
    except Exception:  # already stopped by the test
        pass


def outbox_rows(app):
    from app.notifications.models import OutboxMessage

    with app.app_context():
        return [(m.recipient, m.subject, m.status, m.text_body)
                for m in db.session.query(OutboxMessage).order_by(OutboxMessage.id)]


@pytest.fixture
def silent_server():
    """A TCP server that accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            accepted.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1], accepted
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


@pytest.fixture
def silent_smtp(app, silent_server):
    port, accepted = silent_server
    state = app.extensions["mail"]
    old_port, old_timeout = state.port, app.config["MAIL_TIMEOUT"]
    state.port = port
    app.config["MAIL_TIMEOUT"] = 1
    yield accepted
    state.port = old_port
    app.config["MAIL_TIMEOUT"] = old_timeout
