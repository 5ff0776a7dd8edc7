"""Reads of the spending publication that the pages, the CSV download and the API share."""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from budgeting.spending.models import FIRST_YEAR, LAST_YEAR, SpendingLine
from core.db import db
from core.districts import by_slug
from core.errors import Refused
from core.i18n import localized
from core.models import District

CITY = "city"  # the district filter's value for city-wide lines


@dataclass(frozen=True)
class Filters:
    year: int | None = None
    district: str | None = None  # a slug, or CITY
    category: str | None = None


@dataclass
class Total:
    label: str
    planned: Decimal
    actual: Decimal  # the reported part; lines without actual count 0

    @property
    def share(self) -> float | None:
        """Actual spending as a percentage of the plan."""
        return float(self.actual / self.planned * 100) if self.planned else None


def checked_filters(year: int | None, district: str | None, category: str | None) -> Filters:
    """The filters as given, refusing a year outside the range or an unknown district."""
    if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
        raise Refused(
            _("Please choose a year from %(first)s to %(last)s.", first=FIRST_YEAR, last=LAST_YEAR),
            status=422,
            field="year",
        )
    if district and district != CITY and by_slug(district) is None:
        raise Refused(
            _("There is no district “%(district)s”.", district=district[:40]),
            status=404,
            field="district",
        )
    return Filters(year, district or None, category or None)


def _filtered(statement, filters: Filters, skip: str = ""):
    if filters.year is not None and skip != "year":
        statement = statement.where(SpendingLine.year == filters.year)
    if filters.district == CITY:
        statement = statement.where(SpendingLine.district_id.is_(None))
    elif filters.district:
        statement = statement.where(District.slug == filters.district)
    if filters.category:
        statement = statement.where(SpendingLine.category == filters.category)
    return statement


def lines(filters: Filters, limit: int | None = None, offset: int = 0) -> list[SpendingLine]:
    statement = (
        select(SpendingLine)
        .outerjoin(District, SpendingLine.district_id == District.id)
        .options(contains_eager(SpendingLine.district))
        .order_by(
            SpendingLine.year.desc(),
            District.name_ka.asc().nulls_first(),
            SpendingLine.category,
        )
    )
    statement = _filtered(statement, filters).offset(offset).limit(limit)
    return list(db.session.scalars(statement))


def count(filters: Filters) -> int:
    statement = select(func.count(SpendingLine.id)).outerjoin(
        District, SpendingLine.district_id == District.id
    )
    return db.session.scalar(_filtered(statement, filters))


def _sums():
    return (
        func.coalesce(func.sum(SpendingLine.planned), 0),
        func.coalesce(func.sum(SpendingLine.actual), 0),
    )


def total(filters: Filters) -> Total:
    statement = select(*_sums()).outerjoin(District, SpendingLine.district_id == District.id)
    planned, actual = db.session.execute(_filtered(statement, filters)).one()
    return Total(_("Total"), planned, actual)


def by_district(filters: Filters) -> list[Total]:
    statement = (
        select(District.name_ka, District.name_en, *_sums())
        .select_from(SpendingLine)
        .outerjoin(District, SpendingLine.district_id == District.id)
        .group_by(District.id, District.name_ka, District.name_en)
        .order_by(District.name_ka.asc().nulls_first())
    )
    return [
        Total(localized(ka, en) if ka else _("City-wide"), planned, actual)
        for ka, en, planned, actual in db.session.execute(_filtered(statement, filters))
    ]


def by_category(filters: Filters) -> list[Total]:
    statement = (
        select(SpendingLine.category, func.max(SpendingLine.category_en), *_sums())
        .outerjoin(District, SpendingLine.district_id == District.id)
        .group_by(SpendingLine.category)
        .order_by(SpendingLine.category)
    )
    return [
        Total(localized(category, en), planned, actual)
        for category, en, planned, actual in db.session.execute(_filtered(statement, filters))
    ]


def by_year(filters: Filters) -> list[Total]:
    """Every year, whatever year is chosen: the trend of the chosen district and category."""
    statement = (
        select(SpendingLine.year, *_sums())
        .outerjoin(District, SpendingLine.district_id == District.id)
        .group_by(SpendingLine.year)
        .order_by(SpendingLine.year)
    )
    return [
        Total(str(year), planned, actual)
        for year, planned, actual in db.session.execute(_filtered(statement, filters, "year"))
    ]


def years() -> list[int]:
    statement = select(SpendingLine.year).distinct().order_by(SpendingLine.year.desc())
    return list(db.session.scalars(statement))


def categories() -> list[tuple[str, str]]:
    """(category as stored, its name in the page's language)."""
    statement = (
        select(SpendingLine.category, func.max(SpendingLine.category_en))
        .group_by(SpendingLine.category)
        .order_by(SpendingLine.category)
    )
    return [(category, localized(category, en)) for category, en in db.session.execute(statement)]


def district_summary(district_id: int) -> Total | None:
    """The district's latest year with spending lines, for its page."""
    latest = db.session.scalar(
        select(func.max(SpendingLine.year)).where(SpendingLine.district_id == district_id)
    )
    if latest is None:
        return None
    planned, actual = db.session.execute(
        select(*_sums()).where(SpendingLine.district_id == district_id, SpendingLine.year == latest)
    ).one()
    return Total(str(latest), planned, actual)
