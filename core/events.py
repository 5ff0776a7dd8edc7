"""The event bus: modules emit domain events; other modules act on them without importing them.

An event is recorded in the action's own transaction; an event with a `once_key` is recorded
at most once (a unique row), even when several processes race to emit it. Its consequences
(`@consequence`) run afterwards as jobs, one job per consequence, deferred in the same
transaction: they exist if and only if the action commits, a failing one is retried and never
undoes the action, and each must be idempotent (a retry may follow a partial run). Jobs
are code, defined once in a module's `tasks.py`; which consequences an app runs is registered
per app (`registry.add_consequence`), like everything else a module plugs in.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from core import tasks
from core.db import db
from core.models import Event
from core.registry import current_registry


@dataclass(frozen=True)
class Consequence:
    task: object  # the procrastinate task that runs the handler
    kinds: frozenset[str] | None  # None: every kind
    when: Callable[[Event], bool] | None

    def follows(self, event: Event) -> bool:
        if self.kinds is not None and event.kind not in self.kinds:
            return False
        return self.when is None or self.when(event)


def emit(kind: str, ref: str, payload: dict | None = None, once_key: str | None = None):
    """Record an event and queue its consequences; None when `once_key` was already used."""
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
    for consequence in current_registry().consequences:
        if consequence.follows(event):
            tasks.defer(consequence.task, event_id=event.id)
    return event


def consequence(
    kinds: Collection[str] | None = None,
    when: Callable[[Event], bool] | None = None,
    **job_options,
) -> Callable:
    """Run `handler(event)` as a job after an event of one of `kinds` (None: any) commits.

    `when(event)` narrows further (say, only events whose payload carries news text). The job
    is named after the handler; `job_options` go to `core.tasks.job` (retry, lock, queue).
    """

    def register(handler: Callable[[Event], object]) -> Callable:
        name = f"{handler.__module__}.{handler.__name__}"

        def run(event_id: int) -> None:
            event = db.session.get(Event, event_id)
            if event is not None:  # a deleted event has no consequences left
                handler(event)

        run.__module__, run.__name__ = handler.__module__, handler.__name__
        task = tasks.job(name, **job_options)(run)
        handler.consequence = Consequence(task, frozenset(kinds) if kinds else None, when)
        return handler

    return register


def events_for(ref: str) -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.ref == ref).order_by(Event.id)))
