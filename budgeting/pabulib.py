"""The pabulib `.pb` format (https://pabulib.org/format): read, check and write.

A file has three sections, META, PROJECTS and VOTES, each a `;`-separated table with a header
row (CSV quoting allowed). A malformed file is refused with the line number and what is wrong.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from budgeting.tally import Election

SECTIONS = ("meta", "projects", "votes")
VOTE_TYPES = ("approval", "choose-1", "cumulative", "scoring", "ordinal")


class PbError(ValueError):
    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass
class PbFile:
    meta: dict[str, str] = field(default_factory=dict)
    project_columns: list[str] = field(default_factory=list)
    projects: list[dict[str, str]] = field(default_factory=list)
    vote_columns: list[str] = field(default_factory=list)
    votes: list[dict[str, str]] = field(default_factory=list)

    @property
    def vote_type(self) -> str:
        return self.meta["vote_type"]

    def to_election(self) -> Election:
        kind = {"choose-1": "approval", "scoring": "cumulative"}.get(self.vote_type, self.vote_type)
        costs = {p["project_id"]: number(p["cost"]) for p in self.projects}
        return Election(number(self.meta["budget"]), costs, list(ballots(self)), kind)


def number(text: str) -> Fraction:
    """A decimal number exactly ("400000.0", "12,5" as pabutools reads it)."""
    return Fraction(Decimal(text.strip().replace(",", ".")))


def points(text: str) -> int | Fraction:
    """Points of a cumulative vote exactly; whole points as `int`, which a tally adds up many
    times faster than a `Fraction` (Katowice 2024: 34,000 ballots)."""
    value = number(text)
    return value.numerator if value.denominator == 1 else value


def ballots(pb: PbFile) -> Iterable:
    for vote in pb.votes:
        ids = split_list(vote.get("vote", ""))
        if pb.vote_type in ("cumulative", "scoring"):
            given = [points(p) for p in split_list(vote.get("points", ""))]
            yield dict(zip(ids, given, strict=True))
        else:
            yield tuple(dict.fromkeys(ids))


def split_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _row(line: str) -> list[str]:
    return next(csv.reader([line], delimiter=";"))


def parse(text: str, progress=None) -> PbFile:
    """Reads a .pb file; raises PbError naming the line of the first problem."""
    pb = PbFile()
    section, columns, known_ids = None, None, None
    seen: set[str] = set()
    for number_, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = _row(line)
        except csv.Error as error:
            raise PbError(number_, f"cannot be read as ;-separated values ({error})") from None
        head = row[0].strip().lower()
        if len(row) == 1 and head in SECTIONS:
            if head in seen:
                raise PbError(number_, f"section {head.upper()} appears twice")
            if "meta" not in seen and head != "meta":
                raise PbError(number_, "the file must start with the META section")
            section, columns = head, None
            seen.add(head)
            continue
        if section is None:
            raise PbError(number_, "the file must start with the META section")
        if columns is None:
            columns = [c.strip() for c in row]
            _check_columns(section, columns, number_)
            if section == "projects":
                pb.project_columns = columns
            elif section == "votes":
                pb.vote_columns = columns
            continue
        if len(row) != len(columns):
            raise PbError(number_, f"{len(row)} fields where the header has {len(columns)}")
        values = dict(zip(columns, (v.strip() for v in row), strict=True))
        if section == "meta":
            pb.meta[values["key"]] = values["value"]
        elif section == "projects":
            pb.projects.append(values)
            _check_project(pb, values, number_)
        else:
            if known_ids is None:
                known_ids = {p["project_id"] for p in pb.projects}
            _check_vote(pb, values, number_, known_ids)
            pb.votes.append(values)
        if progress is not None:
            progress(len(line) + 1)
    for name in SECTIONS:
        if name not in seen:
            raise PbError(number_ if text else 0, f"the {name.upper()} section is missing")
    return pb


REQUIRED_COLUMNS = {
    "meta": ("key", "value"),
    "projects": ("project_id", "cost"),
    "votes": ("voter_id", "vote"),
}


def _check_columns(section: str, columns: list[str], line: int) -> None:
    missing = [c for c in REQUIRED_COLUMNS[section] if c not in columns]
    if missing:
        raise PbError(line, f"the {section.upper()} header lacks {', '.join(missing)}")
    if len(set(columns)) != len(columns):
        raise PbError(line, f"the {section.upper()} header names a column twice")


def _check_number(text: str, what: str, line: int) -> Fraction:
    try:
        value = number(text)
    except (InvalidOperation, ValueError):
        raise PbError(line, f"{what} {text!r} is not a number") from None
    if value < 0:
        raise PbError(line, f"{what} {text!r} is negative")
    return value


def _check_project(pb: PbFile, project: dict[str, str], line: int) -> None:
    if not pb.project_columns or "budget" not in pb.meta:
        raise PbError(line, "META must give the budget before the projects")
    _check_number(pb.meta["budget"], "the budget", line)
    if pb.meta.get("vote_type") not in VOTE_TYPES:
        raise PbError(line, f"META vote_type must be one of {', '.join(VOTE_TYPES)}")
    if not project["project_id"]:
        raise PbError(line, "a project without project_id")
    if any(p["project_id"] == project["project_id"] for p in pb.projects[:-1]):
        raise PbError(line, f"project {project['project_id']} appears twice")
    _check_number(project["cost"], "the cost", line)


def _check_vote(pb: PbFile, vote: dict[str, str], line: int, known: set[str]) -> None:
    if not pb.projects:
        raise PbError(line, "votes before any project")
    ids = split_list(vote["vote"])
    unknown = [pid for pid in ids if pid not in known]
    if unknown:
        raise PbError(line, f"the vote names unknown project {unknown[0]}")
    if pb.vote_type in ("cumulative", "scoring") and ids:
        points = split_list(vote.get("points", ""))
        if len(points) != len(ids):
            raise PbError(line, f"{len(ids)} projects but {len(points)} points")
        for p in points:
            _check_number(p, "the points", line)


def write(pb: PbFile) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    writer.writerows(pb.meta.items())
    for name, columns, rows in (
        ("PROJECTS", pb.project_columns, pb.projects),
        ("VOTES", pb.vote_columns, pb.votes),
    ):
        writer.writerow([name])
        writer.writerow(columns)
        writer.writerows([row.get(c, "") for c in columns] for row in rows)
    return out.getvalue()
