"""Petition jobs: the counter, the nightly recount, the clock, and the mails of events."""

from core import events, tasks
from core.db import db
from core.models import Event
from petitions import counting, mails, services
from petitions.models import Petition

SIGNER_BATCH = 500  # response mails queued per job run


@tasks.periodic("*/5 * * * * *")
@tasks.job("petitions.count", lock="petition-counter", retry=0)
def count(timestamp: int | None = None) -> int:
    """Add new signatures to the shown counts (one at a time under the lock)."""
    return counting.count_new_signatures()


@tasks.periodic("30 3 * * *")
@tasks.job("petitions.reconcile", lock="petition-counter")
def reconcile(timestamp: int | None = None) -> int:
    return counting.reconcile()


@tasks.periodic("*/5 * * * *")
@tasks.job("petitions.tick", lock="petition-tick", retry=0)
def tick(timestamp: int | None = None) -> dict:
    return services.tick()


@tasks.job("petitions.notify_signers")
def notify_signers(petition_id: int, after_id: int) -> None:
    """Mail the response to a batch of signers, then queue the next batch."""
    petition = db.session.get(Petition, petition_id)
    if petition is None:
        return
    last = mails.mail_signers_batch(petition, after_id, SIGNER_BATCH)
    if last is not None:
        tasks.defer(notify_signers, petition_id=petition_id, after_id=last)


@events.consequence(kinds={"petition.threshold"})
def mail_threshold(event: Event) -> None:
    petition = db.session.get(Petition, event.payload["petition_id"])
    if petition is not None:
        mails.mail_threshold(petition, event.payload["threshold"])


@events.consequence(kinds={"petition.progress"})
def mail_progress(event: Event) -> None:
    petition = db.session.get(Petition, event.payload["petition_id"])
    if petition is not None:
        mails.mail_progress(petition, event.payload["percent"])
