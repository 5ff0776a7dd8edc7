"""A ballot's results as the results page shows them: winners, support, turnout and reasons."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from flask_babel import gettext as _

from budgeting import tallies, tally
from budgeting.models import Ballot, Option, Rule
from core.i18n import money

CENT = Decimal("0.01")


@dataclass
class Row:
    option: Option
    support: Fraction
    selected: bool
    reason: str
    amount: Decimal | None = None  # points ballots: the share of the budget


@dataclass
class Results:
    ballot: Ballot
    rule: str
    rows: list[Row]
    funds_used: Decimal
    turnout: int
    eligible: int | None


def _gel(value: Fraction, ballot: Ballot) -> str:
    return money(Decimal(value.numerator) / value.denominator, ballot.currency)


def _greedy_reason(note: tally.ProjectNote, cost: Fraction, won: bool, ballot) -> str:
    params = {
        "place": note.place,
        "left": _gel(note.budget_left, ballot),
        "cost": _gel(cost, ballot),
    }
    if note.by_completion:
        return _(
            "Funded from the money equal shares left over: %(left)s were left when its turn "
            "came (place %(place)s) and it costs %(cost)s.",
            **params,
        )
    if won:
        return _(
            "Place %(place)s by support per cost; %(left)s were left when its turn came, enough "
            "for its %(cost)s.",
            **params,
        )
    return _(
        "Place %(place)s by support per cost; only %(left)s were left when its turn came, "
        "less than its %(cost)s.",
        **params,
    )


def _mes_reason(note: tally.ProjectNote, cost: Fraction, ballot) -> str:
    if note.round is not None:
        return _(
            "Bought in round %(round)s: its %(num)s supporters could pay for it, each paying at "
            "most %(pay)s.",
            round=note.round,
            num=note.supporters,
            pay=_gel(note.rho * cost, ballot),
        )
    if not note.supporters:
        return _("No voter chose it.")
    return _(
        "Its %(num)s supporters still had %(had)s in all, and each would have had to pay "
        "%(share)s of its %(cost)s: not enough was left.",
        num=note.supporters,
        had=_gel(note.supporters_had, ballot),
        share=_gel(note.equal_share, ballot),
        cost=_gel(cost, ballot),
    )


def results(ballot: Ballot) -> Results:
    counted = tallies.counted(ballot)
    if counted.shares is not None:
        return _points_results(ballot, counted)
    outcome, rows = counted.outcome, []
    for option in ballot.options:
        note = outcome.notes.get(option.code, tally.ProjectNote())
        won = option.code in outcome.selected
        cost = Fraction(option.cost or 0)
        if counted.rule == "greedy" or note.by_completion:
            reason = _greedy_reason(note, cost, won, ballot)
        else:
            reason = _mes_reason(note, cost, ballot)
        rows.append(Row(option, counted.support[option.code], won, reason))
    rows.sort(key=lambda r: (not r.selected, -r.support, r.option.code))
    return Results(
        ballot, counted.rule, rows, _cents(counted.funds_used), counted.turnout, counted.eligible
    )


def _cents(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / value.denominator).quantize(CENT)


def _points_results(ballot: Ballot, counted: tallies.Counted) -> Results:
    rows = []
    for option in ballot.options:
        share = counted.shares[option.code]
        amount = _cents(share["amount"])
        reason = _(
            "Voters gave it %(average)s of every 100 GEL on average: %(amount)s of the budget.",
            average=f"{float(share['average']):.1f}",
            amount=money(amount, ballot.currency),
        )
        rows.append(Row(option, share["average"], True, reason, amount))
    rows.sort(key=lambda r: (-r.support, r.option.code))
    used = _cents(counted.funds_used)
    return Results(ballot, Rule.POINTS.value, rows, used, counted.turnout, counted.eligible)
