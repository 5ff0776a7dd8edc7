"""Jobs run for real: a worker against the test database, after the action has committed."""

import os
import re
import signal
import smtplib
import subprocess
import sys
import time
from collections import Counter
from types import SimpleNamespace

import procrastinate
import psycopg
import pytest
from sqlalchemy import func, select, text, update

from core import events, links, mail, tasks
from core.db import db, utcnow
from core.models import AuditEntry, Event, OutboxMail, Role
from core.registry import registry
from news.models import Post
from tests.conftest import ROOT, free_port, submit
from tests.factories import log_in, make_user

pytestmark = pytest.mark.live

NEWS = {"title": {"ka": "ზღვარი", "en": "Threshold"}, "body": {"ka": "ტექსტი", "en": "Text"}}
RESIDENT = SimpleNamespace(name="Nino")
fragile = {"broken": True}
lock_runs: list[tuple[float, float]] = []


@events.consequence(kinds={"test.fragile"}, retry=procrastinate.RetryStrategy(max_attempts=1))
def fragile_consequence(event: Event) -> None:
    if fragile["broken"]:
        raise RuntimeError("the consequence broke")
    db.session.add(AuditEntry(action="test.consequence", ref=event.ref))


@tasks.job("tests.counter", lock="test-counter")
def counter_job() -> None:
    started = time.monotonic()
    time.sleep(0.2)
    lock_runs.append((started, time.monotonic()))


def count(statement) -> int:
    return db.session.scalar(statement)


def job_rows(task_name: str) -> int:
    return count(
        text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = :name").bindparams(
            name=task_name
        )
    )


@pytest.mark.usefixtures("thing_kind")
def test_an_event_news_post_is_made_by_a_job_after_commit_and_only_once(app, run_jobs):
    with app.test_request_context():
        event = events.emit("threshold_reached", "thing:7", {"news": NEWS}, once_key="t:7")
        events.emit("threshold_reached", "thing:7", {"news": NEWS}, once_key="t:7")
        db.session.commit()
        event_id = event.id
        assert count(select(func.count(Post.id))) == 0  # not inside the action
    run_jobs()
    with app.test_request_context():
        tasks.defer("news.tasks.post_from_event", event_id=event_id)  # the job runs twice
        db.session.commit()
    run_jobs()
    with app.test_request_context():
        [post] = db.session.scalars(select(Post).where(Post.kind == "automatic")).all()
        assert (post.event_id, post.status, post.title_en) == (event_id, "published", "Threshold")
        assert [t.ref for t in links.related("thing:7", None)] == [post.ref]


def test_an_action_that_rolls_back_leaves_no_consequence(app, run_jobs):
    with app.test_request_context():
        events.emit("threshold_reached", "thing:8", {"news": NEWS})
        mail.queue(
            "x@example.org", "confirm_email", "ka", user=RESIDENT, link="http://l/x", hours=2
        )
        db.session.rollback()
        assert job_rows("news.tasks.post_from_event") == job_rows("core.mail.deliver") == 0
    run_jobs()
    with app.app_context():
        assert count(select(func.count(Post.id))) == 0


@pytest.fixture
def fragile_in_app(app):
    """The app runs the fragile consequence, as a module's init_app would register it."""
    registry(app).add_consequence(fragile_consequence)
    yield
    registry(app).consequences.remove(fragile_consequence.consequence)


@pytest.mark.usefixtures("fragile_in_app")
def test_a_failing_consequence_keeps_the_action_is_listed_and_can_be_retried(app, run_jobs):
    fragile["broken"] = True
    with app.test_request_context():
        events.emit("test.fragile", "thing:9")
        db.session.commit()
    run_jobs()
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["jobs", "failed"])
    assert "tests.test_jobs.fragile_consequence\t2 tries" in listed.output  # retried once
    with app.app_context():
        assert count(select(func.count(Event.id)).where(Event.ref == "thing:9")) == 1
    job_id = listed.output.split("\t")[0]
    fragile["broken"] = False
    assert runner.invoke(args=["jobs", "retry", job_id]).exit_code == 0
    run_jobs()
    assert runner.invoke(args=["jobs", "failed"]).output == ""
    with app.app_context():
        assert count(select(func.count(AuditEntry.id)).filter_by(action="test.consequence")) == 1
    assert runner.invoke(args=["jobs", "retry", job_id]).exit_code != 0  # not failed any more


def queue_mails(app, number: int) -> None:
    with app.test_request_context():
        for n in range(number):
            mail.queue(
                f"r{n}@example.org",
                "confirm_email",
                "en",
                user=RESIDENT,
                link="http://l/x",
                hours=2,
            )
        db.session.commit()


def test_queued_mail_is_sent_by_the_job(app, run_jobs, mailbox):
    queue_mails(app, 2)
    assert mailbox == []
    run_jobs()
    assert sorted(m["To"] for m in mailbox) == ["r0@example.org", "r1@example.org"]
    with app.app_context():
        assert set(db.session.scalars(select(OutboxMail.status))) == {"sent"}


def test_a_dead_smtp_server_delays_mail_without_losing_it(app, run_jobs, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nothing listens there
    queue_mails(app, 2)
    run_jobs()
    assert mailbox == []
    assert app.test_cli_runner().invoke(args=["jobs", "failed"]).output == ""
    with app.app_context():
        rows = db.session.execute(select(OutboxMail.status, OutboxMail.next_attempt_at)).all()
        assert {status for status, _ in rows} == {"pending"}
        assert max(due for _, due in rows) > utcnow()  # backed off
        db.session.execute(update(OutboxMail).values(next_attempt_at=utcnow()))
        db.session.commit()
    monkeypatch.undo()
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert "2 sent" in result.output
    assert len(mailbox) == 2


def transactions_touching_the_outbox(app) -> list[str]:
    """Other sessions whose open transaction holds a lock on the outbox: a claimed mail's row
    lock or a read of it. (Unrelated sessions, e.g. a browser test's page polling a petition
    count, may be mid-transaction at any moment and say nothing about the mail worker.)"""
    with psycopg.connect(tasks.conninfo(app.config["SQLALCHEMY_DATABASE_URI"])) as probe:
        rows = probe.execute(
            "SELECT DISTINCT activity.state FROM pg_stat_activity activity"
            " JOIN pg_locks held ON held.pid = activity.pid"
            " WHERE held.relation = 'outbox_mail'::regclass AND activity.pid <> pg_backend_pid()"
        ).fetchall()
    return [state for (state,) in rows]


def test_smtp_is_never_spoken_inside_a_transaction(app, run_jobs, mailbox, monkeypatch):
    seen = []
    send = smtplib.SMTP.send_message

    def watched(smtp, message, *args, **kwargs):
        if db.session().in_transaction():  # the sending worker's own session
            seen.append("worker in transaction")
        seen.extend(transactions_touching_the_outbox(app))
        return send(smtp, message, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "send_message", watched)
    queue_mails(app, 3)
    run_jobs()
    assert len(mailbox) == 3
    assert seen == []


def test_a_crash_between_send_and_mark_sent_resends_one_mail(app, mailbox, monkeypatch):
    queue_mails(app, 3)

    def crash(mail_id):
        raise SystemExit("the worker died")

    monkeypatch.setattr(mail, "_mark_sent", crash)
    with app.app_context(), pytest.raises(SystemExit):
        mail.send_due()
    monkeypatch.undo()
    assert len(mailbox) == 1
    with app.app_context():
        assert mail.send_due() == (2, 0)  # the one in flight waits for its lease to end
        db.session.execute(update(OutboxMail).values(next_attempt_at=utcnow()))
        db.session.commit()
        assert mail.send_due() == (1, 0)
    assert Counter(m["To"] for m in mailbox) == {
        "r0@example.org": 2,
        "r1@example.org": 1,
        "r2@example.org": 1,
    }


def test_jobs_sharing_a_lock_run_one_at_a_time(app, run_jobs):
    lock_runs.clear()
    with app.test_request_context():
        for _ in range(3):
            tasks.defer(counter_job)
        db.session.commit()
    run_jobs(concurrency=3)
    runs = sorted(lock_runs)
    assert len(runs) == 3
    assert all(earlier[1] <= later[0] for earlier, later in zip(runs, runs[1:], strict=False))


ROLES = (Role.ADMIN, Role.RESIDENT)


@pytest.mark.usefixtures("fragile_in_app")
def test_admins_see_failed_jobs_and_run_them_again(app, client, run_jobs):
    fragile["broken"] = True
    with app.test_request_context():
        events.emit("test.fragile", "thing:10")
        db.session.commit()
        admin, resident = (SimpleNamespace(email=make_user(role).email) for role in ROLES)
    run_jobs()
    resident_client = app.test_client()
    log_in(resident_client, resident)
    log_in(client, admin)
    assert resident_client.get("/admin/jobs").status_code == 403
    page = client.get("/admin/jobs?lang=en").get_data(as_text=True)
    assert "tests.test_jobs.fragile_consequence" in page
    [job_id] = re.findall(r"/admin/jobs/(\d+)/retry", page)
    fragile["broken"] = False
    response = submit(client, f"/admin/jobs/{job_id}/retry", {}, form_url="/admin/jobs")
    assert response.status_code == 302
    run_jobs()
    assert "No job has failed." in client.get("/admin/jobs?lang=en").get_data(as_text=True)
    with app.app_context():
        assert count(select(func.count(AuditEntry.id)).filter_by(action="job.retry")) == 1


def wait_until(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)


def running_workers(app) -> int:
    with psycopg.connect(tasks.conninfo(app.config["SQLALCHEMY_DATABASE_URI"])) as conn:
        return conn.execute("SELECT count(*) FROM procrastinate_workers").fetchone()[0]


def test_flask_worker_processes_deliver_mail(app, mailbox, smtp_server):
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "GHIA_ENV": "testing",
        "MAIL_PORT": str(smtp_server[0].port),
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--concurrency", "2"]
    workers = [subprocess.Popen(command, env=env, cwd=ROOT) for _ in range(2)]
    try:
        wait_until(lambda: running_workers(app) == 2)
        queue_mails(app, 4)
        wait_until(lambda: len(mailbox) == 4)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        assert [worker.wait(timeout=30) for worker in workers] == [0, 0]
    assert sorted(m["To"] for m in mailbox) == [f"r{n}@example.org" for n in range(4)]
