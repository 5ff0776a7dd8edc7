"""Budget jobs: cycles move to the phase their dates say, every minute; residents who opted
in are mailed when voting opens and when results are published; published tallies are stored."""

from budgeting import notices, services, tallies
from budgeting.models import Ballot
from core import events, tasks
from core.db import db
from core.models import Event


@tasks.periodic("* * * * *", periodic_id="budget-phases")
@tasks.job("budgeting.advance_phases", lock="budget-phases", retry=None)
def advance_phases(timestamp: int | None = None) -> None:
    services.advance_by_date()


@events.consequence(kinds={notices.VOTING_OPENED, notices.RESULTS_PUBLISHED})
def mail_residents(event: Event) -> None:
    """One chain of batches per district ballot of the cycle."""
    for ballot_id in notices.district_ballots(event):
        tasks.defer(mail_batch, event_id=event.id, ballot_id=ballot_id, after_id=0)


@tasks.job("budgeting.mail_batch")
def mail_batch(event_id: int, ballot_id: int, after_id: int) -> None:
    event = db.session.get(Event, event_id)
    if event is None:
        return
    last = notices.mail_batch(event, ballot_id, after_id)
    if last is not None:
        tasks.defer(mail_batch, event_id=event_id, ballot_id=ballot_id, after_id=last)


@events.consequence(kinds={notices.RESULTS_PUBLISHED})
def store_tallies(event: Event) -> None:
    """One job per district ballot, so a big district never holds up the others."""
    for ballot_id in notices.district_ballots(event):
        tasks.defer(store_tally, ballot_id=ballot_id)


@tasks.job("budgeting.store_tally")
def store_tally(ballot_id: int) -> None:
    ballot = db.session.get(Ballot, ballot_id)
    if ballot is not None and tallies.decided(ballot):
        tallies.store(ballot)
