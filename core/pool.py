"""Pooled database connections: a cheap check that one is still alive before it is lent.

SQLAlchemy's `pool_pre_ping` asks the server (a round trip) at every checkout, which on a map
answer was one of four round trips per request. A server that ends an idle connection (a
restart, a failover, `idle_session_timeout`) first writes its goodbye or closes the socket,
so the socket has something to read; a live idle connection has nothing. Asking the kernel
costs no round trip. TCP keepalives (core.config's SQLALCHEMY_ENGINE_OPTIONS) keep an idle
connection's path alive through firewalls and load balancers that forget quiet flows, and
make the kernel mark a connection whose peer has vanished, which the same check then sees.
"""

import logging
import select

import psycopg
from flask import Flask
from sqlalchemy import Engine, event, exc

from core.db import db

log = logging.getLogger(__name__)


def _ended(dbapi_connection) -> bool:
    if dbapi_connection.closed:
        return True
    try:
        poller = select.poll()
        poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
        return bool(poller.poll(0))
    except (OSError, ValueError, psycopg.Error):  # no socket any more
        return True


def _refuse_ended(dbapi_connection, connection_record, connection_proxy) -> None:
    if _ended(dbapi_connection):
        log.warning("a pooled database connection had been ended by the server; replacing it")
        # The pool drops this connection and checks out another (a new one if need be).
        raise exc.DisconnectionError("the server has ended this connection")


def check_on_checkout(engine: Engine) -> None:
    event.listen(engine, "checkout", _refuse_ended)


def init_pool(app: Flask) -> None:
    """After `db.init_app`: every engine of the app checks its connections when lending them."""
    with app.app_context():
        for engine in db.engines.values():
            check_on_checkout(engine)
