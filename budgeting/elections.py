"""District ballots as elections: import and export of .pb files, and tallies of stored votes."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import Point
from sqlalchemy import func, insert, select

from budgeting import tally
from budgeting.models import Ballot, BallotKind, Option, Rule, Vote
from budgeting.pabulib import PbFile, number, points, split_list
from core.db import db

KIND_OF_VOTE_TYPE = {
    "approval": BallotKind.APPROVAL,
    "choose-1": BallotKind.APPROVAL,
    "cumulative": BallotKind.POINTS,
    "scoring": BallotKind.POINTS,
    "ordinal": BallotKind.RANKING,
}
VOTE_TYPE_OF_KIND = {
    BallotKind.APPROVAL: "approval",
    BallotKind.KNAPSACK: "approval",
    BallotKind.POINTS: "cumulative",
    BallotKind.RANKING: "ordinal",
}
OWN_PROJECT_COLUMNS = {"project_id", "cost", "name", "category", "description", "latitude",
                       "longitude"}  # fmt: skip
OWN_VOTE_COLUMNS = {"voter_id", "vote", "points"}
CHUNK = 5000


def _json_points(value: Fraction) -> int | str:
    if value.denominator == 1:
        return value.numerator
    return str(Decimal(value.numerator) / value.denominator)


def _choices(pb: PbFile, vote: dict[str, str]) -> list | dict:
    ids = list(dict.fromkeys(split_list(vote.get("vote", ""))))
    if pb.vote_type in ("cumulative", "scoring"):
        given = [number(p) for p in split_list(vote.get("points", ""))]
        return {pid: _json_points(p) for pid, p in zip(ids, given, strict=False)}
    return ids


def _limits(meta: dict[str, str]) -> tuple[int | None, int]:
    if meta["vote_type"] == "choose-1":
        return 1, 1
    most = int(meta["max_length"]) if meta.get("max_length", "").isdigit() else None
    least = int(meta["min_length"]) if meta.get("min_length", "").isdigit() else 0
    if most is not None and most < max(least, 1):
        most = None
    return most, least


def _option(pb_project: dict[str, str]) -> Option:
    location = None
    lat, lon = pb_project.get("latitude"), pb_project.get("longitude")
    if lat and lon and lat.lower() != "none" and lon.lower() != "none":
        location = from_shape(Point(float(lon), float(lat)), srid=4326)
    return Option(
        code=pb_project["project_id"],
        name_ka=(pb_project.get("name") or pb_project["project_id"])[:300],
        description=pb_project.get("description", ""),
        category=pb_project.get("category", "")[:200],
        cost=Decimal(pb_project["cost"].strip().replace(",", ".")),
        location=location,
        extra={k: v for k, v in pb_project.items() if k not in OWN_PROJECT_COLUMNS},
    )


def import_pb(pb: PbFile, progress: Callable[[int], None] | None = None) -> Ballot:
    """Stores a parsed .pb file as a closed district ballot with all its votes."""
    meta = pb.meta
    parts = (meta.get("unit"), meta.get("subunit"), meta.get("instance"))
    title = " – ".join(part for part in parts if part)
    most, least = _limits(meta)
    rule = Rule.MES if meta.get("rule", "").startswith("equalshares") else Rule.GREEDY
    ballot = Ballot(
        title_ka=(title or meta.get("description", "pabulib"))[:300],
        kind=KIND_OF_VOTE_TYPE[pb.vote_type].value,
        rule=(rule if pb.vote_type in ("approval", "choose-1") else Rule.GREEDY).value,
        budget=Decimal(meta["budget"].replace(",", ".")),
        currency=(meta.get("currency") or "GEL")[:3],
        max_choices=most,
        min_choices=least,
        frozen=True,
        closed=True,
        meta=dict(meta),
        options=[_option(p) for p in pb.projects],
    )
    ballot.tie_break = sorted(o.code for o in ballot.options)
    db.session.add(ballot)
    db.session.flush()
    rows = []
    for vote in pb.votes:
        rows.append(
            {
                "ballot_id": ballot.id,
                "voter_code": vote["voter_id"],
                "choices": _choices(pb, vote),
                "extra": {k: v for k, v in vote.items() if k not in OWN_VOTE_COLUMNS},
            }
        )
        if len(rows) == CHUNK:
            _insert_votes(rows, progress)
            rows = []
    _insert_votes(rows, progress)
    return ballot


def _insert_votes(rows: list[dict], progress) -> None:
    if rows:
        db.session.execute(insert(Vote), rows)
        if progress:
            progress(len(rows))


def _plain(value: Decimal | None) -> str:
    if value is None:
        return ""
    return format(value.normalize(), "f")


def export_pb(ballot: Ballot) -> PbFile:
    """The ballot's projects and anonymised votes (no account, only the vote's own code)."""
    vote_type = ballot.meta.get("vote_type") or VOTE_TYPE_OF_KIND[BallotKind(ballot.kind)]
    meta = dict(ballot.meta) or {
        "description": ballot.title_en or ballot.title_ka,
        "country": "Georgia",
        "unit": ballot.district.name_en if ballot.district else "",
        "instance": ballot.cycle.title_en or ballot.cycle.title_ka if ballot.cycle else "",
        "rule": ballot.rule,
        "currency": ballot.currency,
    }
    votes = db.session.execute(
        select(Vote.voter_code, Vote.choices, Vote.extra)
        .where(Vote.ballot_id == ballot.id)
        .order_by(Vote.id)
    ).all()
    meta.update(
        num_projects=str(len(ballot.options)),
        num_votes=str(len(votes)),
        budget=_plain(ballot.budget),
        vote_type=vote_type,
    )
    if ballot.max_choices and vote_type != "choose-1":
        meta["max_length"] = str(ballot.max_choices)
    if ballot.kind == BallotKind.KNAPSACK:
        meta["max_sum_cost"] = _plain(ballot.budget)
    if ballot.kind == BallotKind.POINTS and not ballot.closed:
        meta["max_sum_points"] = "100"
    pb = PbFile(meta=meta)
    _export_projects(pb, ballot)
    _export_votes(pb, votes, vote_type in ("cumulative", "scoring"))
    return pb


def _export_projects(pb: PbFile, ballot: Ballot) -> None:
    extra_columns = list(dict.fromkeys(k for o in ballot.options for k in o.extra))
    located = any(o.location is not None for o in ballot.options)
    pb.project_columns = ["project_id", "cost", "name", "category", "description"]
    pb.project_columns += extra_columns + (["latitude", "longitude"] if located else [])
    for option in ballot.options:
        row = {
            "project_id": option.code,
            "cost": _plain(option.cost) or "0",
            "name": option.name_en or option.name_ka,
            "category": option.category,
            "description": option.description,
            **option.extra,
        }
        if option.location is not None:
            point = to_shape(option.location)
            row.update(latitude=repr(point.y), longitude=repr(point.x))
        pb.projects.append(row)


def _export_votes(pb: PbFile, votes, with_points: bool) -> None:
    extra_columns = list(dict.fromkeys(k for v in votes for k in v.extra))
    pb.vote_columns = ["voter_id", "vote"] + (["points"] if with_points else []) + extra_columns
    for code, choices, extra in votes:
        row = {"voter_id": code, **extra}
        if with_points:
            row["vote"] = ",".join(choices)
            row["points"] = ",".join(str(p) for p in choices.values())
        else:
            row["vote"] = ",".join(choices)
        pb.votes.append(row)


def new_voter_code() -> str:
    """The anonymous id a vote carries in exported files."""
    return secrets.token_hex(8)


def election(ballot: Ballot) -> tally.Election:
    """The ballot's votes as the tally reads them, in exact numbers."""
    vote_type = VOTE_TYPE_OF_KIND[BallotKind(ballot.kind)]
    costs = {o.code: Fraction(o.cost or 0) for o in ballot.options}
    ballots = []
    for choices in db.session.scalars(select(Vote.choices).where(Vote.ballot_id == ballot.id)):
        if vote_type == "cumulative":
            ballots.append({code: points(str(p)) for code, p in choices.items()})
        else:
            ballots.append(tuple(choices))
    return tally.Election(Fraction(ballot.budget), costs, ballots, vote_type)


def turnout(ballot: Ballot) -> int:
    return db.session.scalar(select(func.count()).where(Vote.ballot_id == ballot.id)) or 0
