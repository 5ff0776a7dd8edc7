"""Our tallies against pabutools on real pabulib elections: the same winners, and how fast.

Every instance in ../shared/data/pabulib/instances (else, with a message, the project's own
small files in tests/fixtures/pabulib) is parsed once by each library; then each rule is
timed on the parsed election (parsing is not counted). Ours runs REPEATS times and keeps the
fastest; pabutools runs once, live on elections up to LIVE_LIMIT voters. Above that (Lodz
2022 took 426 s for greedy alone on the busy bench machine) its winners and seconds come
from ../shared/data/pabulib/computed_pabutools (pabutools 1.2.3 on the same bytes, checked
by sha256; `pabutools_recorded` says so): its seconds there were measured on another
machine, so those ratios are indicative only. MES is compared
on approval elections only (our `mes` is Method of Equal Shares with cost satisfaction, as
the results pages use it); for others its fields are null.
"""

import hashlib
import json
import time
from pathlib import Path

from pabutools.election import (
    Additive_Borda_Sat,
    Additive_Cardinal_Sat,
    Cost_Sat,
    parse_pabulib,
)
from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

from budgeting import pabulib, tally

ROOT = Path(__file__).resolve().parent.parent
# ../shared beside the checkout (a worktree one level deeper finds it one further up).
SHARED = next(
    (
        folder / "shared" / "data" / "pabulib" / "instances"
        for folder in (ROOT.parent, ROOT.parent.parent)
        if (folder / "shared" / "data" / "pabulib" / "instances").is_dir()
    ),
    ROOT.parent / "shared" / "data" / "pabulib" / "instances",
)
OWN = ROOT / "tests" / "fixtures" / "pabulib"
SAT = {"approval": Cost_Sat, "cumulative": Additive_Cardinal_Sat, "ordinal": Additive_Borda_Sat}
REPEATS = 3
SLOW_S = 60.0
LIVE_LIMIT = 20_000
RECORDED_RULE = {
    greedy_utilitarian_welfare: "greedy_utilitarian_welfare",
    method_of_equal_shares: "method_of_equal_shares",
}


def instances() -> list[Path]:
    if SHARED.is_dir():
        return sorted(SHARED.glob("*.pb"))
    print(f"{SHARED} is absent: timing the project's own small files in {OWN} instead")
    return sorted(OWN.glob("*.pb"))


def timed(work) -> tuple[object, float]:
    start = time.perf_counter()
    result = work()
    return result, time.perf_counter() - start


def ours(election, rule: str) -> tuple[set[str], float]:
    best, selected = float("inf"), set()
    for _ in range(REPEATS):
        outcome, seconds = timed(lambda: tally.run(election, rule))
        best, selected = min(best, seconds), set(outcome.selected)
    return selected, best


def recorded(path: Path, rule, sat) -> tuple[set[str], float] | None:
    file = path.parent.parent / "computed_pabutools" / f"{path.stem}.outcomes.json"
    if not file.exists():
        return None
    data = json.loads(file.read_text())
    if data["sha256"] != hashlib.sha256(path.read_bytes()).hexdigest():
        return None
    result = data["results"].get(f"{RECORDED_RULE[rule]}[{sat.__name__}]")
    return (set(result["winners"]), result["seconds"]) if result else None


def theirs(path: Path, voters: int, rule, sat) -> tuple[set[str], float, bool]:
    if voters > LIVE_LIMIT and (found := recorded(path, rule, sat)) is not None:
        return (*found, True)
    instance, profile = parse_pabulib(str(path))
    chosen, seconds = timed(lambda: rule(instance, profile, sat_class=sat))
    if seconds > SLOW_S:
        print(f"pabutools {rule.__name__} on {path.stem}: {seconds:.0f} s (timed once)")
    return {p.name for p in chosen}, seconds, False


def compare(path: Path) -> dict:
    election = pabulib.parse(path.read_text(encoding="utf-8")).to_election()
    sat = SAT[election.vote_type]
    figures = {"name": path.stem, "voters": len(election.ballots), "projects": len(election.costs)}
    our_greedy, our_greedy_s = ours(election, "greedy")
    voters = len(election.ballots)
    their_greedy, their_greedy_s, was_recorded = theirs(
        path, voters, greedy_utilitarian_welfare, sat
    )
    figures |= {
        "greedy_equal": our_greedy == their_greedy,
        "ours_greedy_s": round(our_greedy_s, 4),
        "pabutools_greedy_s": round(their_greedy_s, 4),
        "greedy_ratio": round(our_greedy_s / their_greedy_s, 3) if their_greedy_s else None,
    }
    mes = {"mes_equal": None, "ours_mes_s": None, "pabutools_mes_s": None, "mes_ratio": None}
    if election.vote_type == "approval":
        our_mes, our_mes_s = ours(election, "mes")
        their_mes, their_mes_s, _ = theirs(path, voters, method_of_equal_shares, sat)
        mes = {
            "mes_equal": our_mes == their_mes,
            "ours_mes_s": round(our_mes_s, 4),
            "pabutools_mes_s": round(their_mes_s, 4),
            "mes_ratio": round(our_mes_s / their_mes_s, 3) if their_mes_s else None,
        }
    figures |= mes | {"pabutools_recorded": was_recorded}
    print(f"{path.stem}: {figures}", flush=True)
    return figures


def run() -> dict:
    return {"instances": [compare(path) for path in instances()]}
