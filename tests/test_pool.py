"""Pooled connections: one the server has ended is never lent, and hot reads hold no
transaction open."""

import time
import warnings

import psycopg
import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import create_engine, event, exc, func, make_url, select, text

from core.db import db
from core.models import AuditEntry, User
from core.pool import check_on_checkout
from core.transactions import read_only
from tests.factories import log_in, make_user
from tests.smartmap_helpers import make_report

pytestmark = pytest.mark.live


def _one_connection_engine(app, checked: bool):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=1, max_overflow=0)
    if checked:
        check_on_checkout(engine)
    return engine


OTHER_BACKENDS = (
    "SELECT pid FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


def _end_backends(app, pids: list[int] | None = None) -> list[int]:
    """End backends from the server's side, as a restart would, and wait until they are gone:
    the given ones, or every other one on this database. Asked over a connection of its own,
    outside every pool."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as outside:
        if pids is None:
            pids = [row[0] for row in outside.execute(OTHER_BACKENDS)]
        for pid in pids:
            outside.execute("SELECT pg_terminate_backend(%s)", [pid])
        still_there = "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and outside.execute(still_there, [pids]).fetchone()[0]:
            time.sleep(0.05)
    return pids


def _end_backend(app, engine) -> None:
    """End the pool's only connection, idle in the pool."""
    with engine.connect() as connection:
        pid = connection.scalar(text("SELECT pg_backend_pid()"))
    _end_backends(app, [pid])


def test_a_connection_the_server_ended_is_replaced_before_it_is_lent(app):
    engine = _one_connection_engine(app, checked=True)
    try:
        _end_backend(app, engine)
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT 1")) == 1
    finally:
        engine.dispose()


def test_without_the_check_the_ended_connection_would_be_lent(app):
    engine = _one_connection_engine(app, checked=False)
    try:
        _end_backend(app, engine)
        with pytest.raises(exc.OperationalError), engine.connect() as connection:
            connection.scalar(text("SELECT 1"))
    finally:
        engine.dispose()


def _transaction_states(app, request) -> tuple[int, list]:
    """The answer's status and the connection's transaction state after each statement."""
    states = []

    def seen(connection, cursor, *args):
        states.append(cursor.connection.info.transaction_status)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "after_cursor_execute", seen)
    try:
        response = request()
    finally:
        event.remove(engine, "after_cursor_execute", seen)
    return response.status_code, states


MAP_VIEW = "/api/v1/reports.geojson?bbox=44.70,41.65,44.90,41.80&zoom=17"


def test_a_map_answer_runs_without_a_transaction(app, client):
    with app.app_context():
        make_report()
        db.session.commit()
    status, states = _transaction_states(app, lambda: client.get(MAP_VIEW))
    assert status == 200
    assert states
    assert set(states) == {TransactionStatus.IDLE}


def _state_in_view() -> TransactionStatus:
    db.session.execute(text("SELECT 1"))
    return db.session.connection().connection.dbapi_connection.info.transaction_status


def test_read_only_keeps_a_transaction_the_request_has_already_begun(app):
    with app.app_context():
        assert read_only(_state_in_view)() == TransactionStatus.IDLE
        db.session.rollback()
    with app.app_context(), warnings.catch_warnings():
        warnings.simplefilter("error")  # SQLAlchemy only warns when asked to switch too late
        db.session.execute(text("SELECT 1"))  # as loading the session's user does
        assert read_only(_state_in_view)() == TransactionStatus.INTRANS
        db.session.rollback()


def test_a_read_only_view_that_changes_objects_is_stopped(app):
    def writes():
        db.session.add(AuditEntry(action="read_only.test"))
        return "written"

    with app.app_context(), pytest.raises(RuntimeError, match="read_only"):
        read_only(writes)()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_connections_go_back_to_the_pool_out_of_autocommit(app, client):
    assert client.get(MAP_VIEW).status_code == 200
    with app.app_context():
        pool = db.engine.pool
        idle = [db.engine.raw_connection() for _ in range(pool.checkedin())]
        try:
            assert idle
            assert not any(lent.driver_connection.autocommit for lent in idle)
        finally:
            for lent in idle:
                lent.close()


def test_the_app_replaces_connections_the_server_ended(app, client):
    """Its own engine is checked (core.app wires core.pool in): a restart of the database
    between two requests costs the second nothing."""
    assert client.get("/healthz").status_code == 200
    assert _end_backends(app)
    for _ in range(3):
        assert client.get(MAP_VIEW).status_code == 200


def test_a_map_answer_that_saves_the_users_language_keeps_its_transaction(app, client):
    """?lang= changes a logged-in user's language before the view: the request's transaction
    carries that change and commits it."""
    with app.app_context():
        user = make_user(email="map-reader@example.org", locale="ka")
        db.session.commit()
        log_in(client, user)
        user_id = user.id
    status, states = _transaction_states(app, lambda: client.get(MAP_VIEW + "&lang=en"))
    assert status == 200
    assert TransactionStatus.INTRANS in states
    with app.app_context():
        assert db.session.get(User, user_id).locale == "en"
