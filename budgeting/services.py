"""Budget rules: who votes when, what a valid ballot is, phases and freezing (SPEC §5)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from budgeting import announcements
from budgeting import answers as survey_answers
from budgeting.elections import new_voter_code
from budgeting.models import (
    Ballot,
    BallotKind,
    Cycle,
    Option,
    Phase,
    Proposal,
    ProposalStatus,
    Vote,
)
from core import audit, events, links
from core.db import db, utcnow
from core.errors import Refused
from core.i18n import N_

POINTS_TOTAL = 100
PHASE_ORDER = (Phase.DRAFT, Phase.PROPOSALS, Phase.REVIEW, Phase.VOTING, Phase.RESULTS)
PHASE_LOCK = 0x62756467  # the advisory lock class of budget cycles' phases ("budg")

# The rules the database holds too (migration 9b7e2d4c1a60), by the name its triggers give.
DATABASE_RULES = {
    "budget_vote_within_budget": (
        N_("The projects you chose cost more than the district's budget."),
        422,
    ),
    "budget_vote_within_limits": (N_("Please choose as many options as this ballot allows."), 422),
    "budget_vote_known_options": (N_("Please choose among the options of this ballot."), 422),
    "budget_vote_points_total": (N_("Your split must add up to exactly 100 GEL."), 422),
    "budget_vote_ballot_frozen": (N_("Voting on this ballot is not open."), 409),
    "budget_vote_answers_fit": (N_("Please answer the survey questions as asked."), 422),
    "budget_ballot_frozen": (
        N_("This ballot is frozen: voting has opened, so it can no longer change."),
        409,
    ),
}


@contextmanager
def database_rules() -> Iterator[None]:
    """Runs writes in a savepoint; a budget rule the database refused becomes a Refused
    (the transaction stays usable, so a page can still show the person's choices)."""
    try:
        with db.session.begin_nested():
            yield
    except IntegrityError as error:
        rule = getattr(getattr(error.orig, "diag", None), "constraint_name", None)
        if rule not in DATABASE_RULES:
            raise
        message, status = DATABASE_RULES[rule]
        raise Refused(_(message), status) from None


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


def hold_phase(cycle: Cycle, exclusive: bool = False) -> None:
    """A vote holds its cycle's phase until it commits (a shared lock) and moving the phase
    waits for such votes (exclusive): a vote is refused or counted in the tally stored when
    results are published, never lost in between. The lock lives in memory, so holding it
    writes nothing per vote."""
    lock = func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared
    db.session.execute(select(lock(PHASE_LOCK, cycle.id)))


def move_phase(cycle: Cycle, phase: Phase) -> None:
    """Phases only move forward; opening the vote freezes every ballot of the cycle."""
    hold_phase(cycle, exclusive=True)
    # The phase as it is now: another move may have committed since the cycle was loaded.
    db.session.refresh(cycle, ["phase"])
    if PHASE_ORDER.index(phase) < PHASE_ORDER.index(Phase(cycle.phase)):
        raise Refused(_("A budget cycle cannot go back to an earlier phase."), 409)
    cycle.phase = phase.value
    if PHASE_ORDER.index(phase) >= PHASE_ORDER.index(Phase.VOTING):
        for ballot in cycle.ballots:
            ballot.frozen = True
    db.session.flush()
    if phase == Phase.VOTING:
        _announce_voting(cycle)
    if phase == Phase.RESULTS:
        _announce_results(cycle)


def _announce_voting(cycle: Cycle) -> None:
    """Once per cycle: an automatic news post, and mail to residents who opted in
    (budgeting/notices.py)."""
    events.emit(
        "budget.voting_opened",
        cycle.ref,
        {"news": announcements.voting_opened(cycle), "cycle_id": cycle.id},
        once_key=f"budget.voting_opened:{cycle.id}",
    )


def _announce_results(cycle: Cycle) -> None:
    """Once per cycle: an automatic news post, the stored tallies, and mail."""
    events.emit(
        "budget.results_published",
        cycle.ref,
        {"news": announcements.results_published(cycle), "cycle_id": cycle.id},
        once_key=f"budget.results_published:{cycle.id}",
    )


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


def why_cannot_vote(user, ballot: Ballot) -> str | None:
    """What a signed-in person would be told on submitting this open ballot, said before they
    fill it in; None when they may vote (or are not signed in: the page asks them to log in)."""
    if not getattr(user, "is_authenticated", False) or not voting_open(ballot):
        return None
    try:
        _check_voter(user, ballot)
    except Refused as refusal:
        return refusal.message
    return None


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


def cast_vote(
    user,
    ballot: Ballot,
    choices: list[str] | dict[str, int],
    answers: survey_answers.Entered | None = None,
) -> Vote:
    """Stores the person's ballot with their answers to its survey questions, or replaces
    the ones they cast before (one per person)."""
    if ballot.cycle is not None:
        hold_phase(ballot.cycle)
        db.session.refresh(ballot.cycle)  # its phase as it is now that it is held
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
    checked = survey_answers.check(ballot, answers or {})
    statement = insert(Vote).values(
        ballot_id=ballot.id,
        voter_id=user.id,
        voter_code=new_voter_code(),
        choices=choices,
        answers=checked,
    )
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=[Vote.ballot_id, Vote.voter_id],
        set_={"choices": excluded.choices, "answers": excluded.answers, "updated_at": func.now()},
    ).returning(Vote.id)
    with database_rules():
        vote_id = db.session.execute(statement).scalar_one()
    return db.session.get(Vote, vote_id, populate_existing=True)


def my_vote(user, ballot: Ballot) -> Vote | None:
    if not getattr(user, "id", None):
        return None
    return db.session.scalar(
        select(Vote).where(Vote.ballot_id == ballot.id, Vote.voter_id == user.id)
    )


def check_editable(ballot: Ballot) -> None:
    """Refuses any change to a ballot once voting has opened (SPEC §5)."""
    if ballot.frozen or ballot.closed:
        raise Refused(
            _("This ballot is frozen: voting has opened, so it can no longer change."), 409
        )


def create_cycle(admin, **fields) -> Cycle:
    if not fields["proposals_at"] <= fields["review_at"] <= fields["voting_at"]:
        raise Refused(_("The phases must begin in order: proposals, review, voting."), 422)
    if not fields["voting_at"] < fields["results_at"]:
        raise Refused(_("Voting must close after it opens."), 422)
    cycle = Cycle(**fields)
    db.session.add(cycle)
    db.session.flush()
    audit.record(admin, "budget.cycle_created", cycle.ref)
    return cycle


def add_ballot(admin, cycle: Cycle, **fields) -> Ballot:
    if PHASE_ORDER.index(Phase(cycle.phase)) >= PHASE_ORDER.index(Phase.VOTING):
        raise Refused(_("Ballots can only be added before voting opens."), 409)
    taken = db.session.scalar(
        select(Ballot.id).where(
            Ballot.cycle_id == cycle.id, Ballot.district_id == fields["district_id"]
        )
    )
    if taken:
        raise Refused(_("This district already has a ballot in this cycle."), 409, "district")
    most, least = fields.get("max_choices"), fields.get("min_choices") or 0
    if most is not None and most < max(least, 1):
        raise Refused(_("The most choices cannot be fewer than the least."), 422, "max_choices")
    ballot = Ballot(cycle=cycle, **{**fields, "min_choices": least})
    db.session.add(ballot)
    db.session.flush()
    audit.record(admin, "budget.ballot_created", ballot.ref)
    return ballot


def add_option(admin, ballot: Ballot, proposal: Proposal | None = None, **fields) -> Option:
    check_editable(ballot)
    if ballot.kind != BallotKind.POINTS and fields.get("cost") is None:
        raise Refused(_("A project on this ballot needs a cost."), 422, "cost")
    with database_rules():
        option = Option(
            ballot=ballot, code="-", proposal_id=proposal.id if proposal else None, **fields
        )
        db.session.add(option)
        db.session.flush()
        option.code = str(option.id)  # unique in the ballot; its published tie-break position
        ballot.tie_break = sorted({*ballot.tie_break, option.code})
        db.session.flush()
    audit.record(admin, "budget.option_added", option.ref)
    return option


def propose(
    user, cycle: Cycle, title: str, description: str, origin_ref: str | None = None
) -> Proposal:
    if cycle.phase != Phase.PROPOSALS:
        raise Refused(_("Proposals are not open in this budget cycle."), 409)
    if user.verified_district_id is None:
        raise Refused(_("Only residents with a verified district can propose projects."), 403)
    proposal = Proposal(
        cycle_id=cycle.id,
        district_id=user.verified_district_id,
        author_id=user.id,
        title=title,
        description=description,
        origin_ref=origin_ref,
    )
    db.session.add(proposal)
    db.session.flush()
    if origin_ref:  # checked by the caller with links.origin; linked both ways
        links.link_started(proposal.ref, origin_ref, user)
    return proposal


def review(admin, proposal: Proposal, cost: Decimal | None, note: str) -> Option | None:
    """Accept with a cost (it becomes an option of its district's ballot) or reject with a
    reason."""
    if proposal.status != ProposalStatus.SUBMITTED:
        raise Refused(_("This proposal has already been reviewed."), 409)
    proposal.reviewed_at = utcnow()
    proposal.review_note = note
    if cost is None:
        if not note.strip():
            raise Refused(_("Please give a cost to accept or a reason to reject."), 422, "note")
        proposal.status = ProposalStatus.REJECTED.value
        audit.record(admin, "budget.proposal_rejected", f"budget_proposal:{proposal.id}")
        return None
    ballot = db.session.scalar(
        select(Ballot).where(
            Ballot.cycle_id == proposal.cycle_id, Ballot.district_id == proposal.district_id
        )
    )
    if ballot is None:
        raise Refused(_("Please create this district's ballot first."), 409)
    proposal.status = ProposalStatus.ACCEPTED.value
    proposal.cost = cost
    option = add_option(
        admin, ballot, proposal, name_ka=proposal.title, description=proposal.description,
        cost=cost,
    )  # fmt: skip
    audit.record(admin, "budget.proposal_accepted", f"budget_proposal:{proposal.id}")
    if proposal.origin_ref and links.resolve_many([proposal.origin_ref], links.PLATFORM):
        links.link_started(option.ref, proposal.origin_ref, admin)  # the map report, say
    return option
