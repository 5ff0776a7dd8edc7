"""The budget's section of a district's page: its current ballot, latest results, spending."""

from sqlalchemy import select

from budgeting.models import Ballot, Cycle, Phase
from budgeting.results import results
from budgeting.spending import queries as spending
from core.db import db

RUNNING = (Phase.PROPOSALS, Phase.REVIEW, Phase.VOTING)
TOP_ROWS = 3


def current_ballot(district_id: int) -> Ballot | None:
    return db.session.scalars(
        select(Ballot)
        .join(Cycle)
        .where(Ballot.district_id == district_id, Cycle.phase.in_(RUNNING))
        .order_by(Cycle.voting_at.desc())
        .limit(1)
    ).first()


def latest_decided(district_id: int) -> Ballot | None:
    """The district's newest ballot whose results are public (its cycle's results phase)."""
    return db.session.scalars(
        select(Ballot)
        .join(Cycle)
        .where(Ballot.district_id == district_id, Cycle.phase == Phase.RESULTS)
        .order_by(Cycle.results_at.desc())
        .limit(1)
    ).first()


def context(district) -> dict:
    decided = latest_decided(district.id)
    outcome = results(decided) if decided else None
    return {
        "slug": district.slug,
        "ballot": current_ballot(district.id),
        "results": outcome,
        "top": outcome.rows[:TOP_ROWS] if outcome else [],
        "spending": spending.district_summary(district.id),
    }
