"""The event bus: modules emit domain events; other modules subscribe without importing them.

An event with a `once_key` is recorded at most once (a unique row), so its consequences fire
once even when several processes race to emit it.
"""

from blinker import Namespace
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from core.db import db
from core.models import Event

_signals = Namespace()
event_recorded = _signals.signal("event-recorded")


def emit(kind: str, ref: str, payload: dict | None = None, once_key: str | None = None):
    """Record an event and notify subscribers; returns None when `once_key` was already used."""
    statement = (
        insert(Event)
        .values(kind=kind, ref=ref, payload=payload or {}, once_key=once_key)
        .on_conflict_do_nothing(index_elements=["once_key"])
        .returning(Event.id)
    )
    event_id = db.session.execute(statement).scalar_one_or_none()
    if event_id is None:
        return None
    event = db.session.get(Event, event_id)
    event_recorded.send(kind, event=event)
    return event


def subscribe(receiver) -> None:
    """`receiver(kind, event=Event)` runs in the emitter's transaction."""
    event_recorded.connect(receiver, weak=False)


def events_for(ref: str) -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.ref == ref).order_by(Event.id)))
