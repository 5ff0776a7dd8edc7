"""Petitions under load, committed for real: one signature per person whatever the
concurrency, exact counts after the counter, one threshold event and its consequences."""

import contextlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text

from core.db import db
from core.extensions import limiter
from core.models import Event, Role
from news.models import Post
from petitions import counting, services
from petitions.models import (
    Petition,
    Signature,
    SignatureInvalidation,
    Status,
    ThresholdCrossing,
)
from tests.conftest import CSRF_INPUT
from tests.factories import make_user
from tests.petition_helpers import petition_in

pytestmark = pytest.mark.live


@pytest.fixture
def small_threshold(app, monkeypatch):
    monkeypatch.setitem(app.config, "PETITION_SPONSORS", 1)
    monkeypatch.setitem(app.config, "PETITION_THRESHOLDS", "150")
    limiter.enabled = False  # this is about the database, not the rate limits
    yield
    limiter.enabled = True


def open_petition(author) -> int:
    return petition_in(Status.OPEN, author=author).id


def signing_client(app, login_id: str, petition_id: int):
    """A client logged in as `user` (as the security walk does, without argon2) and the CSRF
    token of its session."""
    client = app.test_client()
    with client.session_transaction() as session:
        session.update(_user_id=login_id, _fresh=True)
    page = client.get(f"/petitions/{petition_id}").get_data(as_text=True)
    return client, CSRF_INPUT.search(page).group(1)


def sign_over_http(client, token: str, petition_id: int) -> int:
    return client.post(f"/petitions/{petition_id}/sign", data={"csrf_token": token}).status_code


def rows(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.mark.usefixtures("small_threshold")
def test_fifty_parallel_attempts_by_one_account_make_one_signature(app):
    with app.test_request_context():
        signer = make_user().get_id()
        petition_id = open_petition(make_user())
    clients = [signing_client(app, signer, petition_id) for _ in range(50)]
    barrier = threading.Barrier(10)

    def attempt(pair):
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=5)
        return sign_over_http(pair[0], pair[1], petition_id)

    with ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(attempt, clients))
    assert set(answers) == {302}  # every attempt answered like the first
    assert rows(app, Signature, Signature.petition_id == petition_id) == 1


def count_repeatedly(app, stop: threading.Event) -> None:
    while not stop.is_set():
        with app.test_request_context():
            counting.count_new_signatures(batch=7)
            db.session.commit()
            db.session.remove()


@pytest.mark.usefixtures("small_threshold")
def test_two_hundred_parallel_signers_give_an_exact_count_and_one_threshold_event(
    app, run_jobs, mailbox
):
    with app.test_request_context():
        author = make_user(locale="en", email="author@example.org")
        make_user(Role.MODERATOR, locale="en", email="moderator@example.org")
        signers = [make_user().get_id() for _ in range(200)]
        petition_id = open_petition(author)
    clients = [signing_client(app, signer, petition_id) for signer in signers]
    stop = threading.Event()
    counters = [threading.Thread(target=count_repeatedly, args=(app, stop)) for _ in range(2)]
    for counter in counters:
        counter.start()
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda pair: sign_over_http(*pair, petition_id), clients))
    stop.set()
    for counter in counters:
        counter.join()
    assert set(answers) == {302}
    with app.test_request_context():
        counting.count_new_signatures()
        db.session.commit()
        petition = db.session.get(Petition, petition_id)
        assert (petition.shown_count, petition.status) == (200, "threshold_reached")
    assert rows(app, ThresholdCrossing, ThresholdCrossing.petition_id == petition_id) == 1
    assert rows(app, Event, Event.kind == "petition.threshold") == 1
    assert rows(app, Event, Event.kind == "petition.progress") == 3
    run_jobs()
    subjects = sorted((m["To"], m["Subject"]) for m in mailbox)
    assert ("moderator@example.org", f"A petition reached its threshold: {petition.title}") in (
        subjects
    )
    author_mails = [subject for to, subject in subjects if to == "author@example.org"]
    assert len(author_mails) == 4  # 33 %, 66 %, 100 % and the threshold, once each
    with app.app_context():
        [post] = db.session.scalars(select(Post).where(Post.kind == "automatic")).all()
        assert "150" in post.title_en
        assert "150" in post.title_ka


def remove_spam_over_http(client, token: str, petition_id: int) -> int:
    form = {"domain": "spam.example", "reason": "Bots", "confirm": "1", "csrf_token": token}
    return client.post(f"/petitions/{petition_id}/signatures/remove", data=form).status_code


@pytest.mark.usefixtures("small_threshold")
def test_removing_signatures_while_people_sign_and_the_counter_runs_leaves_the_exact_count(
    app, monkeypatch
):
    monkeypatch.setitem(app.config, "PETITION_THRESHOLDS", "40")
    with app.test_request_context():
        bots = [make_user(email=f"bot{n}@spam.example").get_id() for n in range(60)]
        people = [make_user().get_id() for _ in range(60)]
        staff = make_user(Role.MODERATOR).get_id()
        petition_id = open_petition(make_user())
    first = [signing_client(app, user, petition_id) for user in bots[:30] + people[:30]]
    later = [signing_client(app, user, petition_id) for user in bots[30:] + people[30:]]
    moderator = signing_client(app, staff, petition_id)
    stop = threading.Event()
    counters = [threading.Thread(target=count_repeatedly, args=(app, stop)) for _ in range(2)]
    for counter in counters:
        counter.start()
    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(lambda pair: sign_over_http(*pair, petition_id), first)) == {302}
        with app.test_request_context():
            counting.count_new_signatures()  # 60 counted: the threshold of 40 is crossed
            db.session.commit()
        signing = pool.map(lambda pair: sign_over_http(*pair, petition_id), later)
        removal = remove_spam_over_http(*moderator, petition_id)
        answers = set(signing)
    stop.set()
    for counter in counters:
        counter.join()
    assert (removal, answers) == (302, {302})
    with app.test_request_context():
        counting.count_new_signatures()
        db.session.commit()
        petition = db.session.get(Petition, petition_id)
        [removed] = db.session.scalars(
            select(SignatureInvalidation.removed).where(
                SignatureInvalidation.petition_id == petition_id
            )
        ).all()
        assert 30 <= removed <= 60  # the bots who signed before it, and any who came during
        assert petition.shown_count == 120 - removed
        assert counting.reconcile() == 0  # the nightly recount finds nothing to correct
        assert petition.status == "threshold_reached"  # the crossing stays
    mine = Signature.petition_id == petition_id
    valid = rows(app, Signature, mine, Signature.invalidation_id.is_(None))
    assert valid == 120 - removed
    assert rows(app, ThresholdCrossing, ThresholdCrossing.petition_id == petition_id) == 1


def test_the_nightly_recount_counts_a_change_committed_while_it_waits(app):
    """A removal that commits while the recount waits for the petition's row is in the
    recount (it once wrote back the count it had taken before the removal: 8, not 5)."""
    with app.test_request_context():
        petition_id = open_petition(make_user())
        petition = db.session.get(Petition, petition_id)
        for _ in range(8):
            services.sign(make_user(), petition)
        counting.count_new_signatures()
        petition.shown_count -= 1  # drift, which the nightly recount is there to correct
        db.session.commit()
    with app.app_context():
        removal = db.engine.connect()
    removal.execute(
        text("DELETE FROM petition_signature_tally WHERE petition_id = :p"), {"p": petition_id}
    )
    removal.execute(
        text(
            "DELETE FROM petition_signature WHERE id IN (SELECT id FROM petition_signature"
            " WHERE petition_id = :p ORDER BY id LIMIT 3)"
        ),
        {"p": petition_id},
    )
    removal.execute(
        text("UPDATE petition SET shown_count = shown_count - 3 WHERE id = :p"), {"p": petition_id}
    )

    def recount() -> None:
        with app.app_context():
            counting.reconcile()
            db.session.commit()

    nightly = threading.Thread(target=recount)
    nightly.start()
    waiting_for_lock(app)
    removal.commit()
    removal.close()
    nightly.join()
    with app.app_context():
        assert db.session.get(Petition, petition_id).shown_count == 5


def waiting_for_lock(app, seconds: float = 10.0) -> None:
    """Returns once some session of the test database waits for a row lock."""
    deadline = time.monotonic() + seconds
    with app.app_context():
        while time.monotonic() < deadline:
            waiting = db.session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                )
            )
            db.session.rollback()
            if waiting:
                return
            time.sleep(0.05)
    raise AssertionError("the recount never waited for the removal's lock")
