"""Two accounts confirming one personal number at the same moment, on two real connections:
one succeeds, the other gets a 409, and nothing crashes."""

import threading
import time

import pytest
from sqlalchemy import create_engine, text

from accounts import census, residency
from core.db import db
from core.districts import by_slug
from core.errors import Refused
from core.models import Role, User
from tests.conftest import submit
from tests.factories import log_in, make_user

pytestmark = pytest.mark.live
NUMBER = "01001012345"


def setup_accounts(app, count: int) -> list[int]:
    with app.test_request_context():
        result = census.import_census(
            f"personal_number,district\n{NUMBER},vake\n", make_user(Role.ADMIN)
        )
        assert not result.problems
        db.session.commit()
        return [make_user().id for _ in range(count)]


def wait_until_blocked(app, timeout=10.0) -> None:
    """Until another connection waits for a lock (the unique index entry of the first)."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    deadline = time.monotonic() + timeout
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    try:
        with engine.connect() as connection:
            while time.monotonic() < deadline:
                if connection.execute(query).scalar():
                    return
                time.sleep(0.02)
    finally:
        engine.dispose()
    raise AssertionError("the second connection never waited for the first")


def test_racing_services_give_one_success_and_one_409(app):
    first_id, second_id = setup_accounts(app, 2)
    vake_id = by_slug_id(app, "vake")
    first_flushed = threading.Event()
    outcomes: dict[str, object] = {}

    def first():
        with app.test_request_context():
            residency.verify_residency(db.session.get(User, first_id), NUMBER, vake_id)
            first_flushed.set()  # its row is written, not committed: the other must wait
            wait_until_blocked(app)
            db.session.commit()
            outcomes["first"] = "verified"

    def second():
        first_flushed.wait(10)
        with app.test_request_context():
            try:
                residency.verify_residency(db.session.get(User, second_id), NUMBER, vake_id)
            except Refused as refused:
                outcomes["second"] = refused.status
            db.session.commit()  # the audit entry of the refused attempt

    run_together(first, second)
    assert outcomes == {"first": "verified", "second": 409}
    with app.app_context():
        holders = db.session.scalars(
            db.select(User.id).where(User.personal_number_hmac.is_not(None))
        ).all()
        assert holders == [first_id]


def test_racing_requests_never_crash(app):
    ids = setup_accounts(app, 2)
    vake_id = by_slug_id(app, "vake")
    clients = [app.test_client() for _ in ids]
    with app.app_context():
        users = [db.session.get(User, user_id) for user_id in ids]
        db.session.expunge_all()  # keep their e-mail addresses after the context ends
    for client, user in zip(clients, users, strict=True):
        log_in(client, user)
    barrier = threading.Barrier(2)
    statuses = []

    def post(client):
        def run():
            barrier.wait()
            response = submit(
                client, "/accounts/residency", {"personal_number": NUMBER, "district": vake_id}
            )
            statuses.append(response.status_code)

        return run

    run_together(*(post(client) for client in clients))
    assert sorted(statuses) in ([302, 409], [302, 422])


def by_slug_id(app, slug: str) -> int:
    with app.app_context():
        return by_slug(slug).id


def run_together(*targets) -> None:
    errors = []

    def guarded(target):
        def run():
            try:
                target()
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

        return run

    threads = [threading.Thread(target=guarded(target)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
