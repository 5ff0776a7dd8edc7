"""One transaction per unit of work: a request, a `flask` command or a job.

Views, services and commands never commit. The unit commits once when it succeeds and rolls
back when it fails, so a forgotten commit cannot silently drop a write and a failure halfway
cannot keep half an action (Indico commits after its request handler the same way).
"""

import functools
from collections.abc import Callable

from flask import Flask, g
from flask.cli import AppGroup
from sqlalchemy import Engine

from core.db import db


def keep_despite_refusal() -> None:
    """Commit this request's writes even though it answers with an error: a refused attempt
    that must still be counted or audited (nothing else may have been written by then)."""
    g.keep_despite_refusal = True


def finish(succeeded: bool) -> None:
    """Commit the unit's work when it succeeded, roll it back otherwise."""
    if succeeded:
        db.session.commit()
    else:
        db.session.rollback()


def read_only(view: Callable) -> Callable:
    """A view that only reads and needs no single snapshot across its statements: it runs
    without a transaction (autocommit), which spares the BEGIN and COMMIT round trips of a hot
    read such as a map view's answer. A request that has already begun one (its session's
    user was loaded) keeps it. Never for a view that writes: each statement would commit on
    its own."""

    @functools.wraps(view)
    def run(*args, **kwargs):
        session = db.session()
        # A request that has begun a transaction (its user was loaded, perhaps changed) keeps
        # it, and so does a session bound to an outside one (the tests' own).
        if session.in_transaction() or not isinstance(session.get_bind(), Engine):
            return view(*args, **kwargs)
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        answer = view(*args, **kwargs)
        if session.new or session.dirty or session.deleted:
            raise RuntimeError(f"{view.__name__} is read_only but changed objects")
        g.read_only = True  # nothing to commit: the teardown hands the connection back
        return answer

    return run


class TransactionalFlask(Flask):
    """Commits after a view whose answer is not an error.

    The commit runs inside dispatch, so a failing commit (a unique constraint raced by a
    parallel request) reaches the app's error handlers and becomes a clear 4xx page. An
    exception from the view skips the commit; the session's teardown rolls it back. A
    `read_only` view that ran without a transaction has nothing to commit.
    """

    def dispatch_request(self):
        response = self.make_response(super().dispatch_request())
        if not g.get("read_only"):
            finish(response.status_code < 400 or g.get("keep_despite_refusal", False))
        return response


def transactional(callback: Callable) -> Callable:
    """Run a command (or job) body as one unit of work."""

    @functools.wraps(callback)
    def run(*args, **kwargs):
        try:
            result = callback(*args, **kwargs)
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()
        return result

    return run


class CommandGroup(AppGroup):
    """A `flask` command group whose commands each commit once, when they succeed."""

    def command(self, *args, **kwargs):
        register = super().command(*args, **kwargs)
        return lambda callback: register(transactional(callback))
