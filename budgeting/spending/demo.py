"""Demo spending: four years × every district × the demo priorities, plus city-wide lines,
made up but plausible; loaded through the importer, so a second run changes nothing."""

import csv
import io
import random

from budgeting.demo import PRIORITIES
from budgeting.spending import importer
from core.districts import all_districts

YEARS = (2023, 2024, 2025, 2026)
CURRENT = 2026  # its actual spending is reported only in part
CITY_WIDE = [("მეტროპოლიტენი", "Metro"), ("ნარჩენების მართვა", "Waste management")]


def _amounts(rng: random.Random, year: int, base: int) -> tuple[str, str]:
    planned = base * rng.randint(80, 160) * 1000
    done = rng.randint(55, 75) if year == CURRENT else rng.randint(82, 104)
    return f"{planned}.00", f"{planned * done // 100}.00"


def demo_csv() -> str:
    rng = random.Random(2017)  # noqa: S311 - made-up figures, the same on every machine
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(importer.COLUMNS)
    for year in YEARS:
        for district in all_districts():
            for _code, name_ka, name_en in PRIORITIES:
                planned, actual = _amounts(rng, year, 1)
                writer.writerow([year, district.slug, name_ka, planned, actual, name_en, "", ""])
        for name_ka, name_en in CITY_WIDE:
            planned, actual = _amounts(rng, year, 40)
            writer.writerow([year, "city", name_ka, planned, actual, name_en, "", "demo"])
    return out.getvalue()


def load() -> str:
    result = importer.import_spending(demo_csv())
    return f"budget spending: {result.created} lines made, {result.unchanged} kept"
