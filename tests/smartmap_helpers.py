"""Shared smart map test data: categories, places inside districts, reports."""

import io

from PIL import Image
from sqlalchemy import func, select

from core.db import db
from core.districts import by_slug
from core.models import District
from smartmap import demo, services


def categories():
    return demo.ensure_categories()


def place_in(slug: str) -> tuple[float, float]:
    """(latitude, longitude) of a point inside the district."""
    spot = func.ST_PointOnSurface(District.geom)
    lon, lat = db.session.execute(
        select(func.ST_X(spot), func.ST_Y(spot)).where(District.slug == slug)
    ).one()
    return lat, lon


def make_report(slug="vake", code="road", reporter=None, offset_m=0.0, **changes):
    categories()
    lat, lon = place_in(slug)
    lat += offset_m / 111_000
    data = services.ReportInput(code, "ორმო გზაზე", lat, lon)
    report = services.create_report(data, reporter)
    for name, value in changes.items():
        setattr(report, name, value)
    db.session.flush()
    assert report.district_id == by_slug(slug).id
    return report


def image_bytes(kind="JPEG", size=(64, 48), exif_gps=False) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if exif_gps:
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (41.0, 42.0, 43.0), 3: "E", 4: (44.0, 47.0, 1.0)}
        exif[0x010F] = "PhoneMaker"
        image.save(out, kind, exif=exif)
    else:
        image.save(out, kind)
    return out.getvalue()
