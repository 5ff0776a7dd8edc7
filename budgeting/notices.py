"""Mail to residents who opted in: voting opened in their district, its results published.

An event per cycle (recorded once) starts one chain of batch jobs per district ballot; each
batch queues up to BATCH mails in its own transaction and the next batch after it, so a
district of 100,000 residents never holds up a request or one long transaction. A
`budget_mail_notice` row per (event, person) makes every batch safe to run twice.
"""

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from budgeting.models import Ballot, Cycle, MailNotice, MailOptIn
from core import mail
from core.db import db
from core.models import Event, User
from core.security import site_url

BATCH = 500
VOTING_OPENED = "budget.voting_opened"
RESULTS_PUBLISHED = "budget.results_published"
TEMPLATES = {VOTING_OPENED: "budget_voting_opened", RESULTS_PUBLISHED: "budget_results"}


def wants_mail(user) -> bool:
    if not getattr(user, "id", None):
        return False
    return db.session.get(MailOptIn, user.id) is not None


def set_mail(user, wanted: bool) -> None:
    """Opt in or out; doing it twice changes nothing."""
    if wanted:
        db.session.execute(insert(MailOptIn).values(user_id=user.id).on_conflict_do_nothing())
    else:
        db.session.execute(delete(MailOptIn).where(MailOptIn.user_id == user.id))


def district_ballots(event: Event) -> list[int]:
    """The ids of the cycle's district ballots the event is about."""
    return list(
        db.session.scalars(
            select(Ballot.id)
            .where(Ballot.cycle_id == event.payload["cycle_id"], Ballot.district_id.isnot(None))
            .order_by(Ballot.id)
        )
    )


def _recipients(ballot: Ballot, after_id: int, size: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(MailOptIn, MailOptIn.user_id == User.id)
            .where(
                User.verified_district_id == ballot.district_id,
                User.active,
                User.email_confirmed_at.isnot(None),
                User.id > after_id,
            )
            .order_by(User.id)
            .limit(size)
        )
    )


def _not_yet_mailed(event: Event, users: list[User]) -> set[int]:
    if not users:
        return set()
    rows = [{"event_id": event.id, "user_id": user.id} for user in users]
    statement = insert(MailNotice).values(rows).on_conflict_do_nothing()
    return set(db.session.scalars(statement.returning(MailNotice.user_id)))


def _link(event: Event, ballot: Ballot) -> str:
    if event.kind == RESULTS_PUBLISHED:
        return site_url("budgeting.ballot_results", ballot_id=ballot.id)
    return site_url("budgeting.ballot", ballot_id=ballot.id)


def mail_batch(event: Event, ballot_id: int, after_id: int, size: int = BATCH) -> int | None:
    """Queue the event's mail for the next `size` opted-in residents of the ballot's district;
    the last user id when more may follow, else None."""
    ballot = db.session.get(Ballot, ballot_id)
    if ballot is None or ballot.district_id is None:
        return None
    users = _recipients(ballot, after_id, size)
    fresh = _not_yet_mailed(event, users)
    cycle = db.session.get(Cycle, ballot.cycle_id)
    for user in users:
        if user.id in fresh:
            mail.queue(
                user.email,
                TEMPLATES[event.kind],
                user.locale,
                user=user,
                cycle=cycle,
                ballot=ballot,
                link=_link(event, ballot),
            )
    return users[-1].id if len(users) == size else None
