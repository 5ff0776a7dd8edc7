"""One transaction per request and per command: committed once on success, rolled back on error.

These tests commit for real (`live`), since a rolled-back test transaction would hide a
missing commit.
"""

import click
import pytest
from flask import abort
from sqlalchemy import func, select

from core import audit
from core.app import create_app
from core.db import db
from core.errors import Refused
from core.models import AuditEntry, Event
from core.transactions import CommandGroup

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def unit_app(app):
    """An app with routes and a command that write a row, then succeed or fail in each way."""
    unit = create_app({key: app.config[key] for key in app.config if key.isupper()})

    def write(action: str) -> None:
        audit.record(None, action)

    @unit.post("/_unit/ok")
    def ok():
        write("ok")
        return "done"

    @unit.post("/_unit/raises")
    def raises():
        write("raises")
        raise RuntimeError("a bug after the write")

    @unit.post("/_unit/refused")
    def refused():
        write("refused")
        raise Refused("no")

    @unit.post("/_unit/answers-4xx")
    def answers_4xx():
        write("answers-4xx")
        return "invalid", 422

    @unit.post("/_unit/aborts")
    def aborts():
        write("aborts")
        abort(404)

    @unit.post("/_unit/conflicts")
    def conflicts():
        write("conflicts")
        for _ in range(2):  # as two racing requests would: the unique index refuses one
            db.session.add(Event(kind="unit", ref="unit:1", once_key="unit-conflict"))
        db.session.flush()
        return "unreachable"

    group = CommandGroup("unit")

    @group.command("write")
    @click.option("--fail", is_flag=True)
    def write_command(fail: bool) -> None:
        write("command-fail" if fail else "command-ok")
        if fail:
            raise click.ClickException("failed after the write")

    unit.cli.add_command(group)
    unit.config["WTF_CSRF_ENABLED"] = False  # these routes exist only here, without forms
    return unit


def rows(app, action: str) -> int:
    with app.app_context():
        count = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
        return db.session.scalar(count)


def test_a_successful_request_keeps_its_rows_without_any_commit_in_the_view(unit_app):
    assert unit_app.test_client().post("/_unit/ok").status_code == 200
    assert rows(unit_app, "ok") == 1


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/_unit/raises", 500),
        ("/_unit/refused", 400),
        ("/_unit/answers-4xx", 422),
        ("/_unit/aborts", 404),
        ("/_unit/conflicts", 409),
    ],
)
def test_a_request_that_fails_leaves_no_row_behind(unit_app, path, status):
    unit_app.testing = False  # a bug answers 500 as in production instead of raising
    try:
        assert unit_app.test_client().post(path).status_code == status
    finally:
        unit_app.testing = True
    assert rows(unit_app, path.rsplit("/", 1)[1]) == 0


def test_a_command_commits_once_when_it_succeeds_and_nothing_when_it_fails(unit_app):
    runner = unit_app.test_cli_runner()
    assert runner.invoke(args=["unit", "write"]).exit_code == 0
    assert runner.invoke(args=["unit", "write", "--fail"]).exit_code == 1
    assert rows(unit_app, "command-ok") == 1
    assert rows(unit_app, "command-fail") == 0
