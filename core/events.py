"""The event bus: modules emit domain events; other modules subscribe without importing them.

An event with a `once_key` is recorded at most once (a unique row), so its consequences fire
once even when several processes race to emit it. Subscribers are registered per app
(`registry.add_subscriber`), like everything else a module plugs in.
"""

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from core.db import db
from core.models import Event
from core.registry import current_registry


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
    for receiver in current_registry().subscribers:
        receiver(kind, event=event)
    return event


def events_for(ref: str) -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.ref == ref).order_by(Event.id)))
