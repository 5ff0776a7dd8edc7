"""The tally behind a results page, computed once per decided ballot and stored.

A ballot's votes stop changing when its cycle reaches the results phase (`cast_vote` holds the
cycle's phase until the vote commits, so none slips in after) or, for an imported election, at
import. From then on its tally is a fact: the job that follows the results-published event (or
else the first page that needs it) computes it and stores it in `budget_stored_tally`; every
later view reads that one row instead of loading and counting every vote. Before publication no
page shows a tally, and one asked for anyway is computed and not stored.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from budgeting import elections, tally
from budgeting.models import Ballot, BallotKind, Phase, Rule, StoredTally
from core.db import db
from core.models import User

# Raise when a rule's result or explanation changes: stored tallies of another version are
# computed again when next read.
VERSION = 1


@dataclass
class Counted:
    """What the results page needs: the rule's outcome (projects) or the shares (points)."""

    rule: str
    turnout: int
    eligible: int | None
    funds_used: Fraction
    outcome: tally.Outcome | None = None
    support: dict[str, Fraction] | None = None
    shares: dict[str, dict[str, Fraction]] | None = None


def rule_of(ballot: Ballot) -> str:
    if ballot.kind == BallotKind.POINTS and ballot.rule == Rule.POINTS:
        return Rule.POINTS.value
    if ballot.kind in (BallotKind.APPROVAL, BallotKind.KNAPSACK):
        return ballot.rule
    return Rule.GREEDY.value  # rankings by Borda score, imported cumulative votes by points


def decided(ballot: Ballot) -> bool:
    """Its votes can no longer change: an imported election, or a cycle in its results."""
    return ballot.closed or (ballot.cycle is not None and ballot.cycle.phase == Phase.RESULTS)


def eligible_voters(ballot: Ballot) -> int | None:
    if ballot.district_id is None or ballot.closed:
        return None
    return db.session.scalar(
        select(func.count()).where(User.verified_district_id == ballot.district_id)
    )


def compute(ballot: Ballot) -> Counted:
    election = elections.election(ballot)
    rule = rule_of(ballot)
    counted = Counted(rule, len(election.ballots), eligible_voters(ballot), Fraction(0))
    if rule == Rule.POINTS:
        counted.shares = tally.points_shares(election.budget, election.ballots, election.costs)
        counted.funds_used = election.budget if any(election.ballots) else Fraction(0)
    else:
        counted.outcome = tally.run(election, rule)
        counted.support = tally.scores(election)
        counted.funds_used = counted.outcome.funds_used
    return counted


def counted(ballot: Ballot) -> Counted:
    """The ballot's tally: stored once decided (computed and stored the first time)."""
    if not decided(ballot):
        return compute(ballot)
    row = db.session.get(StoredTally, ballot.id)
    if row is None or row.version != VERSION or row.rule != rule_of(ballot):
        return store(ballot)
    return _decoded(row)


def store(ballot: Ballot) -> Counted:
    """Compute and store the tally (again, if stored before); safe to run twice at once."""
    result = compute(ballot)
    values = {
        "rule": result.rule,
        "version": VERSION,
        "turnout": result.turnout,
        "eligible": result.eligible,
        "outcome": _encoded(result),
    }
    statement = insert(StoredTally).values(ballot_id=ballot.id, **values)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[StoredTally.ballot_id], set_={**values, "computed_at": func.now()}
        )
    )
    return result


def _text(value: Fraction | None) -> str | None:
    return None if value is None else str(value)


def _encoded(result: Counted) -> dict:
    data: dict = {"funds_used": _text(result.funds_used)}
    if result.shares is not None:
        data["shares"] = {
            code: {key: _text(value) for key, value in share.items()}
            for code, share in result.shares.items()
        }
        return data
    data["selected"] = result.outcome.selected
    data["support"] = {code: _text(value) for code, value in result.support.items()}
    data["notes"] = {
        code: {key: _text(v) if isinstance(v, Fraction) else v for key, v in asdict(note).items()}
        for code, note in result.outcome.notes.items()
    }
    return data


def _note(data: dict) -> tally.ProjectNote:
    return tally.ProjectNote(
        **{key: Fraction(v) if isinstance(v, str) else v for key, v in data.items()}
    )


def _decoded(row: StoredTally) -> Counted:
    data = row.outcome
    result = Counted(row.rule, row.turnout, row.eligible, Fraction(data["funds_used"]))
    if "shares" in data:
        result.shares = {
            code: {key: Fraction(value) for key, value in share.items()}
            for code, share in data["shares"].items()
        }
        return result
    notes = {code: _note(note) for code, note in data["notes"].items()}
    result.outcome = tally.Outcome(row.rule, data["selected"], result.funds_used, notes)
    result.support = {code: Fraction(value) for code, value in data["support"].items()}
    return result
