"""Demo data: Tbilisi's default categories and a few hundred reports in every district and
status, with histories, from a seeded generator (the same data every time)."""

import random
from datetime import timedelta

from sqlalchemy import func, select

from core.db import db, utcnow
from core.models import District
from smartmap.models import Category, Report, ReportStatus, ReportUpdate

# code, Georgian name, English name, department, target days
CATEGORIES = [
    ("road", "გზის დაზიანება", "Road damage", "Roads and Transport", 14),
    ("lighting", "ქუჩის განათება", "Street lighting", "Urban Services", 7),
    ("waste", "ნარჩენები", "Waste", "Cleaning Service", 3),
    ("water", "წყლის გაჟონვა", "Water leak", "Water Utility", 2),
    ("parking", "უკანონო პარკირება", "Illegal parking", "Municipal Inspection", 1),
    ("sidewalk", "დაზიანებული ტროტუარი", "Damaged sidewalk", "Roads and Transport", 21),
    ("trees", "ხეები და მწვანე ზონები", "Trees and green areas", "Environment", 14),
    ("graffiti", "გრაფიტი", "Graffiti", "Urban Services", 14),
    ("animals", "მიუსაფარი ცხოველები", "Stray animals", "Animal Control", 7),
    ("other", "სხვა", "Other", "City Hall", 14),
]
REPORTS_PER_DISTRICT = 30
DESCRIPTIONS = {
    "road": "ორმო სავალ ნაწილზე",
    "lighting": "ლამპიონი არ ანათებს",
    "waste": "ნაგავი არ გაუტანიათ",
    "water": "წყალი ჟონავს ქუჩაში",
    "parking": "მანქანა ტროტუარზე დგას",
    "sidewalk": "ტროტუარის ფილები აყრილია",
    "trees": "ხე საშიშად გადაიხარა",
    "graffiti": "წარწერა სკოლის კედელზე",
    "animals": "მიუსაფარი ძაღლები ეზოში",
    "other": "სხვა პრობლემა",
}
STATUSES = list(ReportStatus)


def ensure_categories() -> dict[str, Category]:
    existing = {c.code: c for c in db.session.scalars(select(Category))}
    for code, name_ka, name_en, department, days in CATEGORIES:
        if code not in existing:
            existing[code] = Category(
                code=code,
                name_ka=name_ka,
                name_en=name_en,
                department=department,
                target_days=days,
            )
            db.session.add(existing[code])
    db.session.flush()
    return existing


def _random_point_in(district: District, rng: random.Random) -> tuple[float, float]:
    x0, y0, x1, y1 = db.session.execute(
        select(
            func.ST_XMin(District.geom),
            func.ST_YMin(District.geom),
            func.ST_XMax(District.geom),
            func.ST_YMax(District.geom),
        ).where(District.id == district.id)
    ).one()
    for _ in range(200):
        lon, lat = rng.uniform(x0, x1), rng.uniform(y0, y1)
        inside = db.session.scalar(
            select(
                func.ST_Covers(District.geom, func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326))
            ).where(District.id == district.id)
        )
        if inside:
            return lon, lat
    return db.session.execute(
        select(
            func.ST_X(func.ST_PointOnSurface(District.geom)),
            func.ST_Y(func.ST_PointOnSurface(District.geom)),
        ).where(District.id == district.id)
    ).one()


def _history(report: Report, status: ReportStatus, created, rng: random.Random) -> None:
    path = [] if status == ReportStatus.NEW else [ReportStatus.ACKNOWLEDGED]
    if status not in (ReportStatus.NEW, ReportStatus.ACKNOWLEDGED):
        path.append(status)
    old, moment = ReportStatus.NEW, created
    for step in path:
        moment = moment + timedelta(hours=rng.randint(2, 120))
        report.updates.append(
            ReportUpdate(
                old_status=old.value,
                status=step.value,
                created_at=moment,
                public_message="სტატუსი შეიცვალა / Status changed",
            )
        )
        old = step
    report.updated_at = moment
    if status == ReportStatus.FIXED:
        report.fixed_at = moment


def load() -> str:
    """Add the categories, and the demo reports when there are none yet."""
    categories = ensure_categories()
    if db.session.scalar(select(func.count()).select_from(Report)):
        return "smartmap: categories ready, reports already there"
    rng = random.Random(311)  # noqa: S311 - demo data, not security
    codes = sorted(categories)
    districts = list(db.session.scalars(select(District).order_by(District.slug)))
    for district in districts:
        for number in range(REPORTS_PER_DISTRICT):
            code = rng.choice(codes)
            status = STATUSES[number % len(STATUSES)]
            lon, lat = _random_point_in(district, rng)
            created = utcnow() - timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 23))
            report = Report(
                category=categories[code],
                description=DESCRIPTIONS[code],
                district=district,
                location=f"SRID=4326;POINT({lon} {lat})",
                status=status.value,
                created_at=created,
                anonymous=rng.random() < 0.3,
            )
            _history(report, status, created, rng)
            db.session.add(report)
    db.session.flush()
    return (
        f"smartmap: {len(districts) * REPORTS_PER_DISTRICT} reports in {len(districts)} districts"
    )
