"""Core's API operations: the health check and the city's districts as GeoJSON."""

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from core.db import db
from core.districts import districts_geojson
from core.openapi import geojson

bp = Blueprint("city", __name__, description="The city's districts and the platform's health.")


class HealthSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["ok", "database unreachable"]))


class DistrictProperties(Schema):
    slug = fields.String(required=True)
    name_ka = fields.String(required=True)
    name_en = fields.String(required=True)


class DistrictFeature(Schema):
    type = fields.String(required=True, validate=validate.OneOf(["Feature"]))
    properties = fields.Nested(DistrictProperties, required=True)
    geometry = fields.Dict(required=True, metadata={"description": "A GeoJSON MultiPolygon."})


class DistrictCollection(Schema):
    type = fields.String(required=True, validate=validate.OneOf(["FeatureCollection"]))
    features = fields.List(fields.Nested(DistrictFeature), required=True)


@bp.get("/healthz")
@bp.response(200, HealthSchema, description="The database answers.")
@bp.alt_response(503, schema=HealthSchema, description="The database does not answer.")
def healthz():
    """Health of the platform"""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "database unreachable"}, 503
    return {"status": "ok"}


@bp.get("/api/v1/districts.geojson")
@bp.response(200, DistrictCollection, content_type="application/geo+json")
def districts():
    """The city's districts as GeoJSON"""
    return geojson(districts_geojson())
