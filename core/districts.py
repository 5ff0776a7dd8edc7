"""Districts: point-in-district answers from PostGIS and the GeoJSON importer."""

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _
from geoalchemy2.shape import from_shape
from shapely import make_valid
from shapely.geometry import MultiPolygon, Polygon, shape
from sqlalchemy import func, select

from core.db import db, utcnow
from core.errors import Refused
from core.i18n import localized
from core.models import District

SLUG_KEYS = ("slug",)
NAME_KA_KEYS = ("name_ka", "name:ka", "name")
NAME_EN_KEYS = ("name_en", "name:en", "name")


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def district_at(lon: float, lat: float) -> District | None:
    """The district containing the point, or None outside every district."""
    point = func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)
    return db.session.scalars(
        select(District).where(func.ST_Intersects(District.geom, point)).limit(1)
    ).first()


def all_districts() -> list[District]:
    return list(db.session.scalars(select(District).order_by(District.name_ka)))


def by_slug(slug: str) -> District | None:
    return db.session.scalars(select(District).where(District.slug == slug)).first()


@dataclass(frozen=True)
class DistrictPlace:
    """A district for maps and lists: where its name goes (a point inside it, even when the
    district is concave or in pieces, which a centroid is not)."""

    slug: str
    name_ka: str
    name_en: str
    lon: float
    lat: float

    @property
    def name(self) -> str:
        return localized(self.name_ka, self.name_en)


def district_places() -> list[DistrictPlace]:
    label_point = func.ST_PointOnSurface(District.geom)
    rows = db.session.execute(
        select(
            District.slug,
            District.name_ka,
            District.name_en,
            func.ST_X(label_point),
            func.ST_Y(label_point),
        ).order_by(District.name_ka)
    )
    return [DistrictPlace(*row) for row in rows]


@dataclass(frozen=True)
class Outline:
    """A district's border as an SVG path, for pages without JavaScript or map tiles."""

    path: str
    view_box: str
    x_scale: float  # a degree of longitude is shorter than one of latitude here


def outline(district: District) -> Outline:
    path, xmin, ymin, xmax, ymax = db.session.execute(
        select(
            func.ST_AsSVG(District.geom, 0, 5),
            func.ST_XMin(District.geom),
            func.ST_YMin(District.geom),
            func.ST_XMax(District.geom),
            func.ST_YMax(District.geom),
        ).where(District.id == district.id)
    ).one()
    x_scale = round(math.cos(math.radians((ymin + ymax) / 2)), 5)
    margin = (ymax - ymin) * 0.03
    view_box = " ".join(
        f"{value:.5f}"
        for value in (
            xmin * x_scale - margin,
            -ymax - margin,
            (xmax - xmin) * x_scale + 2 * margin,
            ymax - ymin + 2 * margin,
        )
    )
    return Outline(path, view_box, x_scale)


def district_geojson(district: District) -> dict:
    """One district as a GeoJSON Feature (for its page's map)."""
    geometry = db.session.scalar(
        select(func.ST_AsGeoJSON(District.geom, 5)).where(District.id == district.id)
    )
    return {
        "type": "Feature",
        "properties": {"slug": district.slug, "name": district.name},
        "geometry": json.loads(geometry),
    }


def slugify(name: str) -> str:
    name = re.sub(r"\s+district$", "", name.strip(), flags=re.IGNORECASE)
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _first(properties: dict, keys: tuple[str, ...]) -> str | None:
    return next((str(properties[k]).strip() for k in keys if properties.get(k)), None)


def _polygonal(geometry) -> MultiPolygon | None:
    """Keep the polygon parts of a geometry, as one MultiPolygon."""
    if isinstance(geometry, Polygon):
        return MultiPolygon([geometry])
    if isinstance(geometry, MultiPolygon):
        return geometry
    parts = [g for g in getattr(geometry, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    polygons = [p for part in parts for p in getattr(part, "geoms", [part])]
    return MultiPolygon(polygons) if polygons else None


def read_feature_collection(path: Path) -> list[dict]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Refused(
            _("Cannot read %(path)s as GeoJSON: %(error)s", path=path, error=error)
        ) from error
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise Refused(_("%(path)s is not a GeoJSON FeatureCollection.", path=path))
    return data.get("features") or []


def _import_feature(number: int, feature: dict, report: ImportReport) -> None:
    properties = feature.get("properties") or {}
    name_en = _first(properties, NAME_EN_KEYS)
    name_ka = _first(properties, NAME_KA_KEYS) or name_en
    slug = _first(properties, SLUG_KEYS) or (slugify(name_en) if name_en else None)
    label = f"#{number} {name_en or '?'}"
    if not slug or not name_ka:
        report.refused.append(_("%(label)s: it has no name.", label=label))
        return
    try:
        geometry = shape(feature.get("geometry") or {})
    except (ValueError, TypeError, AttributeError, KeyError) as error:
        report.refused.append(
            _("%(label)s: unreadable geometry (%(error)s).", label=label, error=error)
        )
        return
    if not geometry.is_valid:
        geometry = make_valid(geometry)
        report.repaired.append(label)
    multipolygon = _polygonal(geometry)
    if multipolygon is None or multipolygon.is_empty:
        report.refused.append(_("%(label)s: the geometry is not a polygon.", label=label))
        return
    district = by_slug(slug)
    (report.updated if district else report.created).append(slug)
    if district is None:
        district = District(slug=slug)
        db.session.add(district)
    district.name_ka, district.name_en = name_ka, name_en or name_ka
    district.osm_relation_id = properties.get("osm_relation_id") or properties.get("osm_id")
    district.geom = from_shape(multipolygon, srid=4326)
    district.updated_at = utcnow()


def import_geojson(path: Path) -> ImportReport:
    """Create or update districts (matched by slug) from a FeatureCollection."""
    report = ImportReport()
    for number, feature in enumerate(read_feature_collection(path), start=1):
        _import_feature(number, feature, report)
    db.session.flush()
    return report


def districts_geojson() -> dict:
    rows = db.session.execute(
        select(
            District.slug, District.name_ka, District.name_en, func.ST_AsGeoJSON(District.geom, 5)
        ).order_by(District.slug)
    )
    features = [
        {
            "type": "Feature",
            "properties": {"slug": slug, "name_ka": name_ka, "name_en": name_en},
            "geometry": json.loads(geometry),
        }
        for slug, name_ka, name_en, geometry in rows
    ]
    return {"type": "FeatureCollection", "features": features}
