"""The census list admins upload: all or nothing, so a broken file never replaces a good list."""

import csv
import io
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select

from accounts.models import CensusEntry
from accounts.residency import PERSONAL_NUMBER, personal_number_hmac
from core import audit
from core.db import db
from core.errors import Refused
from core.imports import ImportReport, csv_problem, csv_records
from core.models import District, User

CENSUS_BATCH = 10_000
FIELD_LENGTH = 64  # longer than any slug or number: the file is not what it should be
QUOTED_EXCERPT = 40


@dataclass
class CensusImport(ImportReport):
    imported: int = 0


def _records(text: str, result: CensusImport):
    """(line, number, slug) per record; `line` is where the record starts in the file.
    A line that breaks the CSV itself ends the reading, since nothing after it is reliable."""
    reader = csv.reader(io.StringIO(text), strict=True)
    try:
        header = [name.strip() for name in next(reader, [])]
    except csv.Error as error:
        result.problem(csv_problem(1, error))
        return
    if not {"personal_number", "district"} <= set(header):
        raise Refused(_("The CSV needs the columns personal_number and district."), status=422)
    number_at, district_at = header.index("personal_number"), header.index("district")
    for start, row in csv_records(reader, result):
        if not any(cell.strip() for cell in row):
            continue
        cells = row + [""] * (len(header) - len(row))
        yield start, cells[number_at].strip(), cells[district_at].strip(), row


def _check(line: int, number: str, slug: str, row: list[str], districts: dict) -> str | None:
    if any(len(cell) > FIELD_LENGTH for cell in row):
        return _("Line %(line)s: a field is far too long.", line=line)
    if not PERSONAL_NUMBER.match(number):
        return _("Line %(line)s: the personal number must have 11 digits.", line=line)
    if slug not in districts:
        return _(
            "Line %(line)s: unknown district “%(slug)s”.", line=line, slug=slug[:QUOTED_EXCERPT]
        )
    return None


def read_census(text: str) -> tuple[dict[str, int], CensusImport]:
    """The entries (HMAC → district id) and every problem, with line numbers."""
    districts = {d.slug: d.id for d in db.session.scalars(select(District))}
    entries: dict[str, tuple[int, int]] = {}  # HMAC → (district id, line)
    result = CensusImport()
    for line, number, slug, row in _records(text, result):
        problem = _check(line, number, slug, row, districts)
        if problem:
            result.problem(problem)
            continue
        digest = personal_number_hmac(number)
        earlier = entries.get(digest)
        if earlier and earlier[0] != districts[slug]:
            result.problem(
                _(
                    "Line %(line)s: this personal number is already listed on line %(first)s "
                    "with another district.",
                    line=line,
                    first=earlier[1],
                )
            )
        elif not earlier:
            entries[digest] = (districts[slug], line)
    return {digest: district for digest, (district, _line) in entries.items()}, result


def import_census(text: str, actor: User) -> CensusImport:
    """Replace the census list, unless the file has any problem: then nothing changes."""
    entries, result = read_census(text)
    if result.refused:
        return result
    db.session.execute(delete(CensusEntry))
    rows = [{"personal_number_hmac": h, "district_id": d} for h, d in entries.items()]
    for start in range(0, len(rows), CENSUS_BATCH):  # a city's list has about a million lines
        db.session.execute(insert(CensusEntry), rows[start : start + CENSUS_BATCH])
    result.imported = len(rows)
    audit.record(actor, "census.import", None, imported=result.imported)
    return result


def census_size() -> int:
    return db.session.scalar(select(func.count()).select_from(CensusEntry))
