"""Pooled database connections: a cheap check that one is still alive before it is lent.

SQLAlchemy's `pool_pre_ping` asks the server (a round trip) at every checkout, which on a map
answer was one of four round trips per request. A server that ends an idle connection (a
restart, a failover, `idle_session_timeout`) first writes its goodbye or closes the socket,
so the socket has something to read; a live idle connection has nothing. Asking the kernel
costs no round trip. A host that vanishes without a word is found by the first query, as with
pre-ping, which would wait the same TCP time-out.
"""

import select

from sqlalchemy import Engine, event, exc


def _ended(dbapi_connection) -> bool:
    if dbapi_connection.closed:
        return True
    idle = select.poll()
    idle.register(dbapi_connection.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(idle.poll(0))


def _refuse_ended(dbapi_connection, connection_record, connection_proxy) -> None:
    if _ended(dbapi_connection):
        # The pool drops this connection and checks out another (a new one if need be).
        raise exc.DisconnectionError("the server has ended this connection")


def check_on_checkout(engine: Engine) -> None:
    event.listen(engine, "checkout", _refuse_ended)
