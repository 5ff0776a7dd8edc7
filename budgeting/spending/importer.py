"""Reading a spending CSV and upserting its lines, all or nothing.

A file with any refused line changes nothing: a published total that silently misses the
lines that failed would look official and be wrong, and staff correct the file and upload it
again (the census list works the same way). Every refused line is reported with its number
and reason. Lines already published and absent from the file stay as they are.
"""

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select

from budgeting.spending.models import FIRST_YEAR, LAST_YEAR, SpendingLine
from core import audit
from core.db import db, utcnow
from core.errors import Refused
from core.imports import ImportReport, csv_records
from core.inputs import CONTROL_IN_TEXT
from core.models import District

REQUIRED = ("year", "district", "category", "planned", "actual")
OPTIONAL = ("category_en", "description", "source")
COLUMNS = REQUIRED + OPTIONAL  # also the order of the CSV download
CITY_WIDE = ("", "city", "-")  # what the district column says for a city-wide line
LIMITS = {"category": 100, "category_en": 100, "description": 2000, "source": 500}
FIELD_LIMIT = 2000  # any cell longer than this is not what the file should hold
MAX_AMOUNT = Decimal("99999999999999.99")  # Numeric(16, 2)
QUOTED = 40  # how much of a wrong value a message quotes
SPACES = re.compile(r"[\s\u00a0\u202f]")
Progress = Callable[[int], None]


@dataclass
class Entry:
    """A line as read from the file, checked and ready to store."""

    line: int
    year: int
    district_id: int | None
    category: str
    planned: Decimal
    actual: Decimal | None
    texts: dict[str, str]

    @property
    def key(self) -> tuple:
        return (self.year, self.district_id, self.category)


@dataclass
class SpendingImport(ImportReport):
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class LineRefused(Exception):
    """One line's reason, already in the reader's language."""


def _district_lookup() -> dict[str, int]:
    """District by slug, OpenStreetMap relation id or either name, as `districts import`
    knows them (names compared without case)."""
    found: dict[str, int] = {}
    for district in db.session.scalars(select(District)):
        names = [district.name_ka, district.name_en, district.slug]
        if district.osm_relation_id:
            names.append(str(district.osm_relation_id))
        for name in names:
            found.setdefault(name.casefold(), district.id)
    return found


def _year(text: str) -> int:
    if not (text.isdigit() and text.isascii() and FIRST_YEAR <= int(text) <= LAST_YEAR):
        raise LineRefused(
            _(
                "the year must be a whole number from %(first)s to %(last)s",
                first=FIRST_YEAR,
                last=LAST_YEAR,
            )
        )
    return int(text)


def parse_amount(text: str, column: str) -> Decimal:
    """`1234.5`, `1 234,50` (one comma and no dot: a decimal comma): GEL with at most cents."""
    text = SPACES.sub("", text)
    if "," in text and "." not in text and text.count(",") == 1:
        text = text.replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or not re.fullmatch(r"-?\d+(\.\d{1,2})?", text):
        raise LineRefused(
            _("%(column)s “%(value)s” is not an amount in GEL", column=column, value=text[:QUOTED])
        )
    if amount < 0:
        raise LineRefused(_("%(column)s must not be negative", column=column))
    if amount > MAX_AMOUNT:
        raise LineRefused(_("%(column)s is too large", column=column))
    return amount


def _district(text: str, districts: dict[str, int]) -> int | None:
    if text.casefold() in CITY_WIDE:
        return None
    if text.casefold() not in districts:
        raise LineRefused(_("unknown district “%(district)s”", district=text[:QUOTED]))
    return districts[text.casefold()]


def _texts(cells: dict[str, str]) -> dict[str, str]:
    for name, limit in LIMITS.items():
        if len(cells[name]) > limit:
            raise LineRefused(
                _("%(column)s is longer than %(limit)s characters", column=name, limit=limit)
            )
        if CONTROL_IN_TEXT.search(cells[name]):
            raise LineRefused(_("%(column)s contains control characters", column=name))
    if not cells["category"]:
        raise LineRefused(_("the category is empty"))
    return {name: cells[name] for name in OPTIONAL}


def _entry(line: int, cells: dict[str, str], districts: dict[str, int]) -> Entry:
    if any(len(cell) > FIELD_LIMIT for cell in cells.values()):
        raise LineRefused(_("a field is far too long"))
    texts = _texts(cells)
    actual = cells["actual"]
    return Entry(
        line=line,
        year=_year(cells["year"]),
        district_id=_district(cells["district"], districts),
        category=cells["category"],
        planned=parse_amount(cells["planned"], "planned"),
        actual=parse_amount(actual, "actual") if SPACES.sub("", actual) else None,
        texts=texts,
    )


def _header(reader) -> list[str]:
    try:
        header = [name.strip().lower() for name in next(reader, [])]
    except csv.Error:
        header = []
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise Refused(
            _(
                "The CSV's first line must name the columns %(columns)s; missing: %(missing)s.",
                columns=",".join(REQUIRED),
                missing=", ".join(missing),
            ),
            status=422,
        )
    return header


def _rows(text: str, result: SpendingImport, progress: Progress | None):
    """(line, cells by column) per record; a line that breaks the CSV itself ends the
    reading, since nothing after it can be trusted."""
    reader = csv.reader(io.StringIO(text), strict=True)
    header = _header(reader)
    for start, row in csv_records(reader, result):
        if progress:
            progress(reader.line_num - start + 1)
        if not any(cell.strip() for cell in row):
            continue
        cells = dict.fromkeys(COLUMNS, "")
        cells.update({name: cell.strip() for name, cell in zip(header, row, strict=False)})
        yield start, cells


def read_spending(
    text: str, progress: Progress | None = None
) -> tuple[list[Entry], SpendingImport]:
    """Every line checked: the entries to store and each refused line with its reason."""
    if "\x00" in text:
        raise Refused(_("The file contains NUL bytes: it is not a CSV text file."), status=422)
    districts = _district_lookup()
    result = SpendingImport()
    entries: dict[tuple, Entry] = {}
    for line, cells in _rows(text, result, progress):
        result.read += 1
        try:
            entry = _entry(line, cells, districts)
        except LineRefused as reason:
            result.problem(_("Line %(line)s: %(reason)s.", line=line, reason=reason))
            continue
        earlier = entries.get(entry.key)
        if earlier:
            result.problem(
                _(
                    "Line %(line)s: the same year, district and category as line %(first)s.",
                    line=line,
                    first=earlier.line,
                )
            )
            continue
        entries[entry.key] = entry
    return list(entries.values()), result


def _store(entries: list[Entry], result: SpendingImport) -> None:
    years = {entry.year for entry in entries}
    existing = {
        (line.year, line.district_id, line.category): line
        for line in db.session.scalars(select(SpendingLine).where(SpendingLine.year.in_(years)))
    }
    for entry in entries:
        line = existing.get(entry.key)
        values = {"planned": entry.planned, "actual": entry.actual, **entry.texts}
        if line is None:
            db.session.add(
                SpendingLine(
                    year=entry.year,
                    district_id=entry.district_id,
                    category=entry.category,
                    **values,
                )
            )
            result.created += 1
        elif all(getattr(line, name) == value for name, value in values.items()):
            result.unchanged += 1
        else:
            for name, value in values.items():
                setattr(line, name, value)
            line.updated_at = utcnow()
            result.updated += 1
    db.session.flush()


def import_spending(text: str, actor=None, progress: Progress | None = None) -> SpendingImport:
    """Add or update the file's lines (by year, district and category), unless any line is
    refused: then nothing changes and the result lists every refused line."""
    entries, result = read_spending(text, progress)
    if result.refused:
        return result
    _store(entries, result)
    audit.record(
        actor,
        "budget.spending_import",
        None,
        read=result.read,
        created=result.created,
        updated=result.updated,
    )
    return result
