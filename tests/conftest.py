"""Fixtures: one app and database per worker, each test rolled back, factories, the cast, SMTP.

Isolation. A test runs on one connection inside a transaction that is rolled back when it
ends; every session the app opens meanwhile joins that connection with a SAVEPOINT, so a
view's or command's commit is a savepoint release the next statement sees. Tests with real
concurrency (threads or processes with their own connections: `postgres_only`, `browser`,
or marked `committed`) commit for real and the tables are emptied after them.

Parallel runs. Under pytest-xdist each worker has its own database: the SQLite file or the
PostgreSQL database of TEST_DATABASE_URL with the worker's name appended (`<name>_gw0`...),
created on first use.
"""
from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app import clock, create_app
from app.accounts.models import Role, User
from app.accounts.services import create_user
from app.catalogue.services import ensure_2009_code
from app.demo import load_demo
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.registry.models import Certificant
from config import TestingConfig

PASSWORD = "correct horse battery"
COMMITTED_MARKERS = ("committed", "postgres_only", "browser")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "committed: commits for real (threads, processes or their own connections); "
                   "the tables are emptied after the test instead of rolled back")


def worker_database_url(base: str, worker: str | None) -> str:
    """The database a pytest-xdist worker uses: the base one with the worker's name appended."""
    if not worker:
        return base
    url = make_url(base)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return base
        path = Path(url.database)
        return url.set(database=str(path.with_name(f"{path.stem}_{worker}{path.suffix}"))) \
            .render_as_string(hide_password=False)
    name = f"{url.database}_{worker}"
    # Connect to the base database, or to the server's maintenance one if it is not there.
    for admin_url in (url, url.set(database="postgres")):
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                      {"name": name}).scalar()
                if not exists:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
            break
        except OperationalError:
            if admin_url.database == "postgres":
                raise
        finally:
            admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


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
    url = worker_database_url(TestingConfig.SQLALCHEMY_DATABASE_URI,
                              os.environ.get("PYTEST_XDIST_WORKER"))
    config = type("WorkerTestingConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url})
    app = create_app(config)
    app.config["UPLOAD_DIR"] = tmp_path_factory.mktemp("evidence")
    app.config["DOCUMENT_DIR"] = tmp_path_factory.mktemp("documents")
    # A session given a connection already in a transaction works in a SAVEPOINT of it,
    # so that commits inside a rolled-back test are releases (see rolled_back below).
    db.session.session_factory.configure(join_transaction_mode="create_savepoint")
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


@contextmanager
def rolled_back(app) -> Iterator[None]:
    """Run the block on one connection in a transaction that is rolled back at its end.

    Flask-SQLAlchemy picks the bind from its per-app map of engines; pointing the default
    entry at the connection makes every session of every app context join it.
    """
    engines = db._app_engines[app]
    engine = engines[None]
    connection = engine.connect()
    dbapi = connection.connection.driver_connection
    sqlite = engine.dialect.name == "sqlite"
    outer = connection.begin()
    if sqlite:
        # pysqlite begins transactions itself, and not before a SAVEPOINT, whose RELEASE
        # would then commit the file: begin explicitly so savepoints nest inside.
        dbapi.isolation_level = None
        connection.exec_driver_sql("BEGIN")
    engines[None] = connection
    try:
        yield
    finally:
        engines[None] = engine
        outer.rollback()
        if sqlite:
            dbapi.isolation_level = ""
        connection.close()


def _committed(request) -> bool:
    return any(request.node.get_closest_marker(name) for name in COMMITTED_MARKERS)


@pytest.fixture(autouse=True)
def clean_db(request, app):
    """Each test starts from the module's data (empty unless it loads the demo), a running
    clock and no throttling, and leaves nothing behind."""
    clock.freeze(None)
    if _committed(request):
        yield
        if not getattr(request.module, "_committed_data", False):
            _truncate(app)
    else:
        with rolled_back(app):
            yield
    clock.freeze(None)
    with app.app_context():
        app.extensions["throttle"].reset()


@pytest.fixture(scope="module")
def module_data(request, app):
    """Data committed once for the whole module, which its tests then start from: request it
    from a module-scoped fixture that builds the data. Emptied after the module's last test."""
    request.module._committed_data = True
    yield
    request.module._committed_data = False
    _truncate(app)


@pytest.fixture(scope="module")
def demo(app, module_data):
    """The demo data (`flask seed-demo`), loaded once for the module.

    Tests roll back on top of it; `committed` ones (the browser's) share what they change.
    """
    with app.app_context():
        load_demo()
        db.session.commit()
        db.session.remove()
    return app


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
    prefix: str = "user"

    def user(self, *roles: Role | str, email: str | None = None, name: str | None = None,
             password: str = PASSWORD, verified: bool = True, certificant=None) -> User:
        self.count += 1
        with self.app.app_context():
            user = create_user(email or f"{self.prefix}{self.count}@example.com",
                               name or f"{self.prefix.title()} {self.count}", password,
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
        with self.app.app_context():
            version = ensure_2009_code()
            db.session.commit()
            return version.id


@pytest.fixture
def make(app):
    return Factory(app)


@pytest.fixture(scope="module")
def module_make(app, module_data):
    """A factory for module-scoped fixtures; what it makes stays until the module ends."""
    return Factory(app, prefix="module-user")


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    roles: tuple[str, ...] = ()
    record: str | None = None  # their certificant record's number, if they have one


# The standard people of the suite. A test casts those it needs; the respondent and the
# discloser are certificants, linked to a registry record under the same name and email.
CAST = {
    "complainant": Person("clara@example.com", "Clara Complainant"),
    "respondent": Person("rory@example.com", "Rory Respondent", record="CCM-200002"),
    "discloser": Person("dana@example.com", "Dana Discloser", record="CCM-300003"),
    "chair": Person("chair@example.com", "Charles Chair", ("chair", "member")),
    "member": Person("mina@example.com", "Mina Member", ("member",)),
    "investigator": Person("ivy@example.com", "Ivy Investigator", ("member",)),
    "admin": Person("ada@example.com", "Ada Administrator", ("admin",)),
    "outsider": Person("otto@example.com", "Otto Outsider"),
}
RESPONDENT_NUMBER = CAST["respondent"].record


@dataclass
class Cast:
    """Make the standard people: `cast("complainant", "chair")` -> {"complainant": User, ...}.

    The 2009 code is loaded first (the cast's complaints cite it). "record" in the list adds
    the respondent's registry record; `record_email=None` leaves its email off.
    """

    make: Factory

    def __call__(self, *who: str, record_email: str | None = CAST["respondent"].email) -> dict:
        self.make.catalogue()
        records: dict[str, Certificant] = {}

        def record_of(person: Person) -> Certificant:
            if person.record not in records:
                email = record_email if person is CAST["respondent"] else person.email
                records[person.record] = self.make.certificant(
                    number=person.record, name=person.name, email=email)
            return records[person.record]

        people: dict = {}
        for name in who:
            if name == "record":
                people[name] = record_of(CAST["respondent"])
                continue
            person = CAST[name]
            people[name] = self.make.user(
                *person.roles, email=person.email, name=person.name,
                certificant=record_of(person) if person.record else None)
        return people


@pytest.fixture
def cast(make):
    return Cast(make)


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


def login_client(app, user_or_email, password: str = PASSWORD):
    """A client of its own, signed in (for a test that has several people at once)."""
    client = app.test_client()
    r = Auth(client).login(user_or_email, password)
    assert r.status_code == 200
    return client


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
