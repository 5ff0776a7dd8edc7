"""The audit log of staff and admin actions."""

from core.db import db
from core.models import AuditEntry, User


def record(actor: User | None, action: str, ref: str | None = None, **details) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor.id if actor else None, action=action, ref=ref, details=details
    )
    db.session.add(entry)
    db.session.flush()
    return entry
