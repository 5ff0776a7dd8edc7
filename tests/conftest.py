"""Tests run against a real PostGIS database made for the run, with a real SMTP server.

Each test runs inside a transaction that is rolled back at its end; what a request commits
is a savepoint inside it, so the test sees it and the next test does not.
"""

import os
import re
import socket
import threading
from pathlib import Path

import psycopg
import pytest
from aiosmtpd.controller import Controller
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.orm import scoped_session, sessionmaker

from core import tasks
from core.app import create_app
from core.cli import DEMO_DISTRICTS
from core.db import db
from core.dbadmin import recreate_database, sibling_database_url
from core.districts import import_geojson
from core.extensions import limiter
from core.links import LinkTarget
from core.registry import registry

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def database_url_for_tests() -> str:
    return os.environ.get("GHIA_TEST_DATABASE_URL") or sibling_database_url("test")


class CollectingHandler:
    def __init__(self):
        self.messages: list = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        from email import message_from_bytes, policy

        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server():
    handler = CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


@pytest.fixture(scope="session")
def app(smtp_server, tmp_path_factory):
    controller, _ = smtp_server
    url = database_url_for_tests()
    recreate_database(url)
    app = create_app(
        {
            "GHIA_ENV": "testing",
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": controller.port,
            "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
            "BASE_URL": "http://localhost",
            "SECRET_KEY": "test-secret-key",
        }
    )
    with app.app_context():
        upgrade()
        import_geojson(DEMO_DISTRICTS)
        db.session.commit()
    return app


KEEP_TABLES = {"district", "alembic_version", "spatial_ref_sys"}
JOB_TABLES = [
    "procrastinate_jobs",
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_workers",
]


def empty_tables(app) -> None:
    """After a test that committed for real: empty what it may have filled."""
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in db.metadata.sorted_tables if t.name not in KEEP_TABLES]
        tables += JOB_TABLES
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        db.session.commit()


class RequestScopedSession(scoped_session):
    """One session for the whole test; the end of a request drops only its uncommitted work,
    as the app's own teardown does, and the test's objects stay usable."""

    def remove(self):
        self.registry().rollback()


@pytest.fixture(autouse=True)
def _isolated(request, app):
    """A transaction per test, rolled back afterwards (browser tests commit for real)."""
    limiter.reset()
    if request.node.get_closest_marker("live"):
        yield
        empty_tables(app)
        return
    # No app context is held during the test: each request gets a fresh one (and a fresh `g`).
    with app.app_context():
        connection = db.engine.connect()
    transaction = connection.begin()
    original = db.session
    db.session = RequestScopedSession(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    )
    try:
        yield
    finally:
        db.session.registry().close()
        db.session = original
        transaction.rollback()
        connection.close()


DUE_JOBS = (
    "SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'"
    " AND (scheduled_at IS NULL OR scheduled_at <= now())"
)


@pytest.fixture
def run_jobs(app):
    """Run a real worker until no job is due (live tests: jobs see only committed rows)."""

    def due() -> int:
        with psycopg.connect(tasks.conninfo(app.config["SQLALCHEMY_DATABASE_URI"])) as conn:
            return conn.execute(DUE_JOBS).fetchone()[0]

    def run(**options) -> None:
        # A worker without `wait` stops when it finds nothing it may take, e.g. while a job
        # holding a lock runs: run it again until nothing is due.
        options.update(wait=False, install_signal_handlers=False)
        for _ in range(20):
            # In a thread of its own: the browser tests leave an event loop in this one.
            worker = threading.Thread(target=tasks.run_worker, args=(app,), kwargs=options)
            worker.start()
            worker.join()
            if not due():
                return

    return run


@pytest.fixture
def ctx(app):
    """A request context for calling services directly (not for tests that also use `client`)."""
    with app.test_request_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def mailbox(smtp_server):
    _, handler = smtp_server
    handler.messages.clear()
    return handler.messages


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    page = client.get(url)
    match = CSRF_INPUT.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({page.status_code})"
    return match.group(1)


def submit(client, url: str, data: dict, form_url: str | None = None, **kwargs):
    """POST a form the way a browser does: with the CSRF token of the page showing it."""
    token = csrf_token(client, form_url or url)
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


def need_shared(path: str) -> Path:
    """Data from ../shared, which CI has and a user's clone does not."""
    full = SHARED / path
    if not full.exists():
        pytest.skip(f"{full} is absent: ../shared is only present in CI and development")
    return full


def things(ids: list[int], user) -> list[LinkTarget]:
    """A stand-in module's link kind: things with ids below 100 exist."""
    return [LinkTarget(f"thing:{i}", "Thing", f"Thing {i}", f"/things/{i}") for i in ids if i < 100]


@pytest.fixture
def thing_kind(app):
    """Registers `thing` the way a module registers its link kind, for one test."""
    registry(app).add_link_kind("thing", things)
    yield
    del registry(app).link_kinds["thing"]
