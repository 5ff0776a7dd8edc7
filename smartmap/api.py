"""The map's API: reports in the current view as GeoJSON (clusters when many), the Atom feed."""

from flask import Response, abort
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from core.districts import by_slug
from core.openapi import LanguageQuery, plain_text
from core.transactions import read_only
from smartmap import feed, queries
from smartmap.models import ReportStatus

MAP_MAX_AGE = 15  # seconds

bp = Blueprint("smartmap_api", __name__, description="Reports of city problems on the map.")


LON = r"-?(180(\.0+)?|(1[0-7][0-9]|[0-9]{1,2})(\.[0-9]+)?)"
LAT = r"-?(90(\.0+)?|[0-8]?[0-9](\.[0-9]+)?)"
BBOX_PATTERN = f"^{LON},{LAT},{LON},{LAT}$"


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """west,south,east,north as GeoJSON writes a box: west > east crosses the antimeridian;
    the two latitudes may come in either order."""
    parts = text.split(",")
    try:
        west, south, east, north = (float(part) for part in parts)
    except ValueError:
        raise ValidationError(_("bbox must be four numbers: west,south,east,north.")) from None
    if not all(abs(n) <= 180 for n in (west, east)) or not all(
        abs(n) <= 90 for n in (south, north)
    ):
        raise ValidationError(_("bbox must lie within longitude ±180 and latitude ±90."))
    return west, min(south, north), east, max(south, north)


class BoxField(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        return parse_bbox(super()._deserialize(value, attr, data, **kwargs))


class MapQuery(LanguageQuery):
    bbox = BoxField(
        required=True,
        validate=validate.Length(max=200),
        metadata={
            "pattern": BBOX_PATTERN,
            "description": "west,south,east,north in degrees (WGS 84)",
            "example": "44.70,41.65,44.95,41.80",
        },
    )
    zoom = fields.Integer(required=True, validate=validate.Range(0, 22))
    status = fields.String(validate=validate.OneOf([s.value for s in ReportStatus]))
    category = plain_text(40)


class PointGeometry(Schema):
    type = fields.String(required=True)
    coordinates = fields.List(fields.Float(), required=True)


class FeatureProperties(Schema):
    id = fields.Integer()
    status = fields.String()
    category = fields.String()
    url = fields.String()
    cluster = fields.Boolean()
    count = fields.Integer()


class Feature(Schema):
    type = fields.String(required=True)
    geometry = fields.Nested(PointGeometry, required=True)
    properties = fields.Nested(FeatureProperties, required=True)


class FeatureCollection(Schema):
    type = fields.String(required=True)
    features = fields.List(fields.Nested(Feature), required=True)


@bp.get("/api/v1/reports.geojson")
@bp.arguments(MapQuery(), location="query", as_kwargs=True, error_status_code=400)
@bp.response(200, FeatureCollection, content_type="application/geo+json")
@read_only  # innermost: a refused view borrows no connection
def reports_geojson(bbox, zoom, status=None, category=None, lang=None):
    """Reports inside the view: points when few, counts per grid cell when many (≤ 2,000)"""
    text = queries.features_geojson(bbox, zoom, status, category)
    response = Response(text, mimetype="application/geo+json")
    # The same for every visitor (no user, no language): a browser panning back, or a shared
    # cache in front of the site serving the city's first view to everyone, may keep it a
    # little. core.security makes it no-store when the request did touch a session.
    response.cache_control.public = True
    response.cache_control.max_age = MAP_MAX_AGE
    return response


class FeedQuery(LanguageQuery):
    district = plain_text(64, metadata={"description": "The district's slug"})


@bp.get("/map/feed.atom")
@bp.arguments(FeedQuery(), location="query", as_kwargs=True)
@bp.response(
    200, {"type": "string"}, content_type="application/atom+xml", description="An Atom 1.0 feed"
)
def atom_feed(district=None, lang=None):
    """The 30 latest reports of a district (or of the city) as an Atom feed"""
    place = by_slug(district) if district else None
    if district and place is None:
        abort(404)
    reports = queries.latest(place, 30)
    return Response(feed.atom(reports, place), mimetype="application/atom+xml")
