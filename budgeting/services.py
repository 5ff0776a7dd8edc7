"""Budget rules: who votes when, what a valid ballot is, phases and freezing (SPEC §5)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from budgeting.elections import new_voter_code
from budgeting.models import Ballot, BallotKind, Cycle, Phase, Vote
from core.db import db, utcnow
from core.errors import Refused

POINTS_TOTAL = 100
PHASE_ORDER = (Phase.DRAFT, Phase.PROPOSALS, Phase.REVIEW, Phase.VOTING, Phase.RESULTS)


def phase_due(cycle: Cycle, now: datetime) -> Phase:
    """The phase the cycle's dates say it should be in."""
    for phase, start in (
        (Phase.RESULTS, cycle.results_at),
        (Phase.VOTING, cycle.voting_at),
        (Phase.REVIEW, cycle.review_at),
        (Phase.PROPOSALS, cycle.proposals_at),
    ):
        if now >= start:
            return phase
    return Phase.DRAFT


def move_phase(cycle: Cycle, phase: Phase) -> None:
    """Phases only move forward; opening the vote freezes every ballot of the cycle."""
    if PHASE_ORDER.index(phase) < PHASE_ORDER.index(Phase(cycle.phase)):
        raise Refused(_("A budget cycle cannot go back to an earlier phase."), 409)
    cycle.phase = phase.value
    if PHASE_ORDER.index(phase) >= PHASE_ORDER.index(Phase.VOTING):
        for ballot in cycle.ballots:
            ballot.frozen = True
    db.session.flush()


def advance_by_date(now: datetime | None = None) -> int:
    """Moves every cycle whose date has come; returns how many moved (the periodic job)."""
    now = now or utcnow()
    moved = 0
    for cycle in db.session.scalars(select(Cycle).where(Cycle.phase != Phase.RESULTS)):
        due = phase_due(cycle, now)
        if PHASE_ORDER.index(due) > PHASE_ORDER.index(Phase(cycle.phase)):
            move_phase(cycle, due)
            moved += 1
    return moved


def voting_open(ballot: Ballot, now: datetime | None = None) -> bool:
    cycle = ballot.cycle
    now = now or utcnow()
    return (
        cycle is not None
        and not ballot.closed
        and cycle.phase == Phase.VOTING
        and cycle.voting_at <= now < cycle.results_at
    )


def _check_voter(user, ballot: Ballot) -> None:
    if not voting_open(ballot):
        raise Refused(_("Voting on this ballot is not open."), 409)
    if user.verified_district_id is None:
        raise Refused(
            _("Only residents with a verified district can vote. Please verify your residency."),
            403,
        )
    if user.verified_district_id != ballot.district_id:
        raise Refused(_("Only verified residents of this district can vote on its ballot."), 403)


def _check_choices(ballot: Ballot, choices: list[str]) -> None:
    codes = {option.code for option in ballot.options}
    if len(set(choices)) != len(choices) or not set(choices) <= codes:
        raise Refused(_("Please choose among the options of this ballot."), 422)
    if not choices:
        return  # a blank ballot is allowed
    if len(choices) < ballot.min_choices:
        raise Refused(
            _("Please choose at least %(num)s options.", num=ballot.min_choices), 422, "option"
        )
    if ballot.max_choices and len(choices) > ballot.max_choices:
        raise Refused(
            _("Please choose at most %(num)s options.", num=ballot.max_choices), 422, "option"
        )
    if ballot.kind == BallotKind.KNAPSACK:
        cost = sum((o.cost or Decimal(0)) for o in ballot.options if o.code in choices)
        if cost > ballot.budget:
            raise Refused(
                _("The projects you chose cost more than the district's budget."), 422, "option"
            )


def _check_points(ballot: Ballot, points: dict[str, int]) -> None:
    codes = {option.code for option in ballot.options}
    if not set(points) <= codes or any(p < 0 for p in points.values()):
        raise Refused(_("Please give each priority a whole number of GEL, 0 or more."), 422)
    total = sum(points.values())
    if total and total != POINTS_TOTAL:
        raise Refused(
            _("Your split adds up to %(total)s GEL; it must add up to exactly 100.", total=total),
            422,
            "points",
        )


def cast_vote(user, ballot: Ballot, choices: list[str] | dict[str, int]) -> Vote:
    """Stores the person's ballot, or replaces the one they cast before (one per person)."""
    _check_voter(user, ballot)
    if ballot.kind == BallotKind.POINTS:
        if not isinstance(choices, dict):
            raise Refused(_("Please split the 100 GEL among the priorities."), 422)
        choices = {code: p for code, p in choices.items() if p}
        _check_points(ballot, choices)
    else:
        if not isinstance(choices, list):
            raise Refused(_("Please choose among the options of this ballot."), 422)
        _check_choices(ballot, choices)
    statement = insert(Vote).values(
        ballot_id=ballot.id, voter_id=user.id, voter_code=new_voter_code(), choices=choices
    )
    statement = statement.on_conflict_do_update(
        index_elements=[Vote.ballot_id, Vote.voter_id],
        set_={"choices": statement.excluded.choices, "updated_at": func.now()},
    ).returning(Vote.id)
    vote_id = db.session.execute(statement).scalar_one()
    return db.session.get(Vote, vote_id, populate_existing=True)


def my_vote(user, ballot: Ballot) -> Vote | None:
    if not getattr(user, "id", None):
        return None
    return db.session.scalar(
        select(Vote).where(Vote.ballot_id == ballot.id, Vote.voter_id == user.id)
    )
