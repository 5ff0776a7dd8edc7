"""The audit log of staff and admin actions."""

from sqlalchemy import select

from core.db import db
from core.models import AuditEntry, User


def record(actor: User | None, action: str, ref: str | None = None, **details) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor.id if actor else None, action=action, ref=ref, details=details
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def entries(action: str | None = None, ref: str | None = None):
    """Newest first, optionally one action or one object."""
    statement = select(AuditEntry).order_by(AuditEntry.id.desc())
    if action:
        statement = statement.where(AuditEntry.action == action)
    if ref:
        statement = statement.where(AuditEntry.ref == ref)
    return statement
