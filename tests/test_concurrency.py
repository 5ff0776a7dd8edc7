"""Races against the real database: events fire once, mail is delivered once."""

import threading

import pytest
from sqlalchemy import func, select

from core import events, mail
from core.db import db
from core.models import Event, OutboxMail
from news.models import Post

pytestmark = pytest.mark.live
THREADS = 8


def race(app, work) -> None:
    """Run `work` in THREADS threads at once, each with its own app context and session."""
    barrier = threading.Barrier(THREADS)
    errors = []

    def run():
        with app.test_request_context():
            barrier.wait()
            try:
                work()
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


@pytest.mark.usefixtures("thing_kind")
def test_an_event_emitted_by_racing_processes_fires_once(app, run_jobs):
    text = {"title": {"ka": "ზღვარი", "en": "Threshold"}, "body": {"ka": "ტექსტი", "en": "Text"}}
    race(
        app,
        lambda: events.emit(
            "threshold_reached", "thing:1", {"news": text}, once_key="threshold:thing:1"
        ),
    )
    run_jobs()
    with app.app_context():
        assert db.session.scalar(select(func.count(Event.id))) == 1
        assert db.session.scalar(select(func.count(Post.id)).where(Post.kind == "automatic")) == 1


def test_racing_mail_workers_deliver_each_mail_once(app, mailbox):
    with app.test_request_context():
        for number in range(40):
            db.session.add(
                OutboxMail(
                    to_addr=f"r{number}@example.org", subject="s", body_text="b", locale="ka"
                )
            )
        db.session.commit()
    race(app, mail.send_due)
    assert sorted(m["To"] for m in mailbox) == sorted(f"r{n}@example.org" for n in range(40))
    with app.app_context():
        statuses = db.session.scalars(select(OutboxMail.status)).all()
        assert set(statuses) == {"sent"}
