"""Exact tallies of a participatory budget: greedy, Method of Equal Shares, Borda, points.

Everything is computed in exact rational arithmetic (`Fraction` and integers), so a result never
depends on rounding. The rules reproduce pabutools 1.2 (`greedy_utilitarian_welfare`,
`method_of_equal_shares`) with its default lexicographic tie-breaking: among tied projects the one
whose id sorts first *as a string* wins ("10" before "9"). tests/test_tally.py compares both on
real pabulib elections.

Rules (the names are also the CLI's `--rule` values):

- `greedy`: projects in order of satisfaction per cost, each funded if it still fits the budget.
  For approval ballots pabutools' `Cost_Sat` gives every approving voter a satisfaction equal
  to the cost, so the order is simply by number of approvals. Cumulative ballots order by total
  points per cost (`Additive_Cardinal_Sat`), ranked ballots by Borda score per cost
  (`Additive_Borda_Sat`: a ballot of length L gives L-1, L-2, ..., 0).
- `mes`: plain Method of Equal Shares with cost satisfaction, no completion (approval ballots).
  Every voter starts with an equal share of the budget; a project is bought when its supporters
  can pay for it; each round funds the project whose supporters pay the least per unit of
  satisfaction (rho), each supporter paying min(what they have left, rho x cost).
- `mes-greedy`: `mes`, then the budget left over goes to the remaining projects in `greedy`
  order (a completion many cities use; stated on the results page).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import chain
from operator import mul
from typing import Literal

import numpy as np
from gmpy2 import mpq

VoteType = Literal["approval", "cumulative", "ordinal"]
RULES = ("greedy", "mes", "mes-greedy")
ZERO = mpq(0)
# Floats that differ by more than this relative margin compare as the exact numbers do: each
# float is within 2**-52 of its exact budget (relative), and a float sum of n positive terms
# errs by at most about n * 2**-53 of the total (1e-9 holds for up to 10**6 terms).
SAFE = 1e-9
# Up to this many groups of supporters, exact arithmetic alone beats numpy's call overhead.
FEW = 24


def _mpq(value: Fraction):
    return mpq(value.numerator, value.denominator)


def _first_payer(cost: float, counts: np.ndarray, approx: np.ndarray) -> int:
    """A float guess of the first group (poorest first) whose budget covers the equal share."""
    paid_by_poorer = np.concatenate(([0.0], np.cumsum(approx * counts)[:-1]))
    left = counts.sum() - np.concatenate(([0], np.cumsum(counts)[:-1]))
    pays = (cost - paid_by_poorer) / left <= approx
    return int(np.argmax(pays)) if pays.any() else len(counts) - 1


def _fraction(value) -> Fraction:
    return Fraction(int(value.numerator), int(value.denominator))


@dataclass(frozen=True)
class Election:
    """What a tally needs: budget, project costs and anonymous ballots.

    `ballots` holds, per voter, a tuple of project ids (approval: any order; ordinal: best
    first) or, for cumulative ballots, a dict of project id -> points. An empty ballot counts
    as a voter (it receives its share of the budget in MES).
    """

    budget: Fraction
    costs: dict[str, Fraction]
    ballots: list
    vote_type: VoteType = "approval"


@dataclass
class ProjectNote:
    """Why a project won or lost, in numbers the results page turns into words."""

    score: Fraction = Fraction(0)
    place: int | None = None  # greedy: its place in the order
    budget_left: Fraction | None = None  # greedy: budget left when its turn came
    round: int | None = None  # mes: the round it was bought in
    rho: Fraction | None = None  # mes: price per unit of satisfaction paid
    supporters: int = 0
    supporters_had: Fraction | None = None  # mes: what its supporters still had at the end
    equal_share: Fraction | None = None  # mes: what each supporter would have had to pay
    by_completion: bool = False


@dataclass
class Outcome:
    rule: str
    selected: list[str]
    funds_used: Fraction
    notes: dict[str, ProjectNote] = field(default_factory=dict)


def lexico(project_id: str) -> str:
    """pabutools' default tie-break: the project's id compared as a string."""
    return project_id


def scores(election: Election) -> dict[str, Fraction]:
    """Approvals, total points or Borda points per project."""
    total: Counter = Counter()
    if election.vote_type == "cumulative":
        for ballot in election.ballots:
            for pid, points in ballot.items():
                total[pid] += points
    elif election.vote_type == "ordinal":
        for ballot in election.ballots:
            length = len(ballot)
            for position, pid in enumerate(ballot):
                total[pid] += length - position - 1
    else:
        total = Counter(chain.from_iterable(election.ballots))  # one C loop over all approvals
    return {pid: Fraction(total.get(pid, 0)) for pid in election.costs}


def _density(election: Election, pid: str, score: Fraction) -> tuple:
    """Sort key for greedy: satisfaction per cost, highest first, as pabutools orders it."""
    cost = election.costs[pid]
    # Cost_Sat: each approver is satisfied by the cost; points and Borda scores add up as they are.
    total_sat = score * cost if election.vote_type == "approval" else score
    if election.vote_type == "ordinal" and cost == 0:
        return (0, Fraction(0))  # pabutools' general greedy: any free project first
    if total_sat > 0:
        return (0, Fraction(0)) if cost == 0 else (1, -total_sat / cost)
    return (1, Fraction(0))


def greedy_order(election: Election, score: dict[str, Fraction]) -> list[str]:
    return sorted(election.costs, key=lambda pid: (*_density(election, pid, score[pid]), pid))


def greedy(election: Election) -> Outcome:
    score = scores(election)
    outcome = Outcome("greedy", [], Fraction(0))
    _fill_greedily(election, greedy_order(election, score), score, election.budget, outcome)
    return outcome


def _fill_greedily(election, order, score, left, outcome, completion=False) -> None:
    for place, pid in enumerate(order, start=1):
        note = outcome.notes.setdefault(pid, ProjectNote(score=score[pid]))
        if pid in outcome.selected:
            continue
        note.place, note.budget_left = place, left
        cost = election.costs[pid]
        if cost <= left:
            left -= cost
            outcome.selected.append(pid)
            outcome.funds_used += cost
            note.by_completion = completion


def method_of_equal_shares(election: Election, completion: str | None = None) -> Outcome:
    """Plain MES with cost satisfaction; `completion="greedy"` spends what is left greedily."""
    if election.vote_type != "approval":
        raise ValueError("MES is computed for approval ballots")
    outcome = _EqualShares(election).run()
    if completion == "greedy":
        outcome.rule = "mes-greedy"
        score = scores(election)
        left = election.budget - outcome.funds_used
        _fill_greedily(election, greedy_order(election, score), score, left, outcome, True)
    return outcome


class _EqualShares:
    """MES over classes of voters: voters with equal budgets share a class.

    A project's price per unit (rho) only depends on how many of its supporters hold each
    budget, so we count supporters per class with numpy and do the exact arithmetic per class,
    in GMP rationals (`mpq`, exact like `Fraction` and about ten times faster). Classes are
    put in order of a float copy of their budget first, so the exact sort that follows finds
    them (nearly) sorted and costs about one comparison per class.
    """

    def __init__(self, election: Election):
        self.election = election
        self.costs = {pid: _mpq(cost) for pid, cost in election.costs.items()}
        voters = len(election.ballots)
        self.voter_class = np.zeros(voters, dtype=np.int64)
        self.class_budget: list = [_mpq(election.budget) / voters] if voters else []
        self.class_of_budget = {b: i for i, b in enumerate(self.class_budget)}
        self.class_approx = np.array([float(b) for b in self.class_budget])
        supporters: dict[str, list[int]] = {pid: [] for pid in election.costs}
        for index, ballot in enumerate(election.ballots):
            for pid in set(ballot):
                supporters[pid].append(index)
        # Cost_Sat gives nothing for a free project, so pabutools never considers one.
        self.supporters = {
            pid: np.array(ids, dtype=np.int64)
            for pid, ids in supporters.items()
            if ids and election.costs[pid] > 0
        }

    def _groups(self, pid: str) -> tuple[list, np.ndarray, np.ndarray | None]:
        """The budgets its supporters hold, poorest first, how many hold each, and floats of
        the budgets for guesses that exact arithmetic then checks (None for FEW groups or
        fewer, where exact arithmetic alone is quicker)."""
        counts = np.bincount(self.voter_class[self.supporters[pid]])
        present = counts.nonzero()[0]
        if len(present) <= FEW:
            classes = sorted(present.tolist(), key=self.class_budget.__getitem__)
            return [self.class_budget[c] for c in classes], counts[classes], None
        present = present[np.argsort(self.class_approx[present], kind="stable")]
        approx = self.class_approx[present]
        if not np.all(approx[1:] - approx[:-1] > SAFE * approx[1:]):
            # Floats too close to tell apart: sort those exactly (the rest stays in order).
            present = np.array(sorted(present.tolist(), key=self.class_budget.__getitem__))
            approx = self.class_approx[present]
        budgets = [self.class_budget[c] for c in present.tolist()]
        return budgets, counts[present], approx

    @staticmethod
    def _can_pay(cost, budgets: list, counts: np.ndarray, approx: np.ndarray | None) -> bool:
        """Whether the supporters hold the cost together: decided on floats unless the two
        are within SAFE of each other (float sums of positive numbers err far less)."""
        if approx is not None:
            total, wanted = float(approx @ counts), float(cost)
            if abs(total - wanted) > SAFE * wanted:
                return total > wanted
        return sum(map(mul, budgets, counts.tolist()), ZERO) >= cost

    def _rho(self, pid: str):
        """Price per unit of satisfaction, or None if its supporters cannot pay for it.

        The poorest groups pay all they have and the others an equal share: the first group
        (poorest first) that can pay `(cost - paid by poorer) / supporters left` fixes rho. Floats
        guess that group; exact arithmetic checks it is the first (the test is false before it
        and true from it on), and walks the groups one by one if the guess was wrong.
        """
        cost = self.costs[pid]
        budgets, counts, approx = self._groups(pid)
        if not self._can_pay(cost, budgets, counts, approx):
            return None
        if approx is None:
            return self._rho_walk(cost, budgets, counts.tolist())
        guess = _first_payer(float(cost), counts, approx)
        rho = self._rho_at(cost, budgets, counts.tolist(), guess)
        return rho if rho is not None else self._rho_walk(cost, budgets, counts.tolist())

    @staticmethod
    def _rho_at(cost, budgets: list, counts: list[int], first: int):
        """rho if group `first` is the first that pays the equal share, else None."""
        paid = sum(map(mul, budgets[:first], counts[:first]), ZERO)
        remaining = sum(counts[first:])
        share = (cost - paid) / remaining
        if share > budgets[first]:
            return None
        if first:
            before = first - 1
            share_before = (cost - paid + budgets[before] * counts[before]) / (
                remaining + counts[before]
            )
            if share_before <= budgets[before]:
                return None
        return share / cost

    @staticmethod
    def _rho_walk(cost, budgets: list, counts: list[int]):
        paid, remaining = ZERO, sum(counts)
        for budget, count in zip(budgets, counts, strict=True):
            share = (cost - paid) / remaining
            if share <= budget:
                return share / cost
            paid += budget * count
            remaining -= count
        raise AssertionError("the supporters can pay, so some group pays the equal share")

    def _pay(self, pid: str, rho) -> None:
        cap = rho * self.costs[pid]
        sup = self.supporters[pid]
        remap = np.arange(len(self.class_budget), dtype=np.int64)
        fresh = []
        for cls in np.unique(self.voter_class[sup]).tolist():
            budget = self.class_budget[cls]
            left = budget - cap if budget > cap else ZERO
            if left not in self.class_of_budget:
                self.class_of_budget[left] = len(self.class_budget)
                self.class_budget.append(left)
                fresh.append(float(left))
            remap[cls] = self.class_of_budget[left]
        self.voter_class[sup] = remap[self.voter_class[sup]]
        self.class_approx = np.concatenate([self.class_approx, fresh])

    def run(self) -> Outcome:
        outcome = Outcome("mes", [], Fraction(0))
        for pid, sup in self.supporters.items():
            outcome.notes[pid] = ProjectNote(score=Fraction(len(sup)), supporters=len(sup))
        # Lower bounds of rho: budgets only shrink, so a project's rho only grows.
        bound = {pid: mpq(1, len(sup)) for pid, sup in self.supporters.items()}
        round_number = 0
        while bound:
            best, tied = None, []
            for pid in sorted(bound, key=bound.get):
                if best is not None and bound[pid] > best:
                    break
                rho = self._rho(pid)
                if rho is None:
                    del bound[pid]
                    continue
                bound[pid] = rho
                if best is None or rho < best:
                    best, tied = rho, [pid]
                elif rho == best:
                    tied.append(pid)
            if not tied:
                break
            chosen = min(tied, key=lexico)
            round_number += 1
            note = outcome.notes[chosen]
            note.round, note.rho = round_number, _fraction(best)
            self._pay(chosen, best)
            del bound[chosen]
            outcome.selected.append(chosen)
            outcome.funds_used += self.election.costs[chosen]
        for pid, note in outcome.notes.items():
            if pid not in outcome.selected:
                budgets, counts, _ = self._groups(pid)
                had = sum(map(mul, budgets, counts.tolist()), ZERO)
                note.supporters_had = _fraction(had)
                note.equal_share = self.election.costs[pid] / note.supporters
        return outcome


def run(election: Election, rule: str) -> Outcome:
    if rule == "greedy":
        return greedy(election)
    if rule == "mes":
        return method_of_equal_shares(election)
    if rule == "mes-greedy":
        return method_of_equal_shares(election, completion="greedy")
    raise ValueError(f"unknown rule {rule!r}; one of {', '.join(RULES)}")


def points_shares(budget: Fraction, ballots: list[dict[str, int]], options) -> dict:
    """Points ballots: the average split of 100 points, as each option's share of the budget.

    A blank ballot counts in the turnout but not in the average (it split nothing).
    """
    filled = [b for b in ballots if b]
    totals = {option: Fraction(sum(b.get(option, 0) for b in filled)) for option in options}
    voters = len(filled)
    return {
        option: {
            "points": total,
            "average": total / voters if voters else Fraction(0),
            "amount": budget * total / (100 * voters) if voters else Fraction(0),
        }
        for option, total in totals.items()
    }
