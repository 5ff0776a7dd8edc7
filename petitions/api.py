"""Open data: public petitions, their counts and counts by district, as JSON and CSV.
No personal data: no author, no signer, no name."""

import csv
import io

from flask import Response, abort
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from core.db import db
from core.inputs import csv_row
from core.openapi import (
    ID_RANGE,
    LanguageQuery,
    LayerProperties,
    geojson,
    layer_collection,
    page_answer,
    page_field,
    page_schema,
    plain_text,
)
from core.security import site_url
from petitions import queries, settings
from petitions.models import PUBLIC_STATUSES, Petition, Topic

bp = Blueprint("petitions_api", __name__, description="Petitions to the Mayor and their counts.")

PUBLIC = sorted(PUBLIC_STATUSES)


class PetitionQuery(LanguageQuery):
    status = fields.String(validate=validate.OneOf(PUBLIC))
    topic = fields.String(validate=validate.OneOf([t.value for t in Topic]))
    district_id = fields.Integer(data_key="district", validate=validate.Range(1, 2147483647))
    sort = fields.String(load_default="signatures", validate=validate.OneOf(queries.SORTS))
    query = plain_text(200, data_key="q", metadata={"description": "Words to search for."})


class PageQuery(PetitionQuery):
    page = page_field()


class PetitionSchema(Schema):
    id = fields.Integer(required=True)
    ref = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(PUBLIC))
    topic = fields.String(required=True)
    language = fields.String(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    district_id = fields.Integer(required=True, allow_none=True)
    signatures = fields.Integer(required=True, attribute="shown_count")
    opened_at = fields.AwareDateTime(required=True, allow_none=True)
    deadline = fields.AwareDateTime(required=True, allow_none=True)
    response_due_at = fields.AwareDateTime(required=True, allow_none=True)
    response_overdue = fields.Function(lambda p: p.response_overdue_at is not None, required=True)
    responded_at = fields.AwareDateTime(required=True, allow_none=True)
    url = fields.Function(lambda p: site_url("petitions.detail", petition_id=p.id), required=True)


class DistrictCount(Schema):
    district_id = fields.Integer(required=True, allow_none=True)
    signatures = fields.Integer(required=True)


class PetitionDetailSchema(PetitionSchema):
    details = fields.String(required=True)
    thresholds = fields.List(fields.Integer(), required=True)
    response = fields.String(required=True, allow_none=True, attribute="response_text")
    rejection_reason = fields.String(required=True, allow_none=True)
    rejection_explanation = fields.String(required=True, allow_none=True)
    by_district = fields.List(fields.Nested(DistrictCount), required=True)


PetitionPageSchema = page_schema("Petition", PetitionSchema)


@bp.get("/api/v1/petitions")
@bp.arguments(PageQuery(), location="query", as_kwargs=True)
@bp.response(200, PetitionPageSchema)
def petitions(page: int, lang: str | None = None, **filters):
    """Public petitions (moderated), 20 a page"""
    result = queries.page_of_public(page, **filters)
    return page_answer(result, page)


@bp.get(f"/api/v1/petitions/<{ID_RANGE}:petition_id>")
@bp.arguments(LanguageQuery(), location="query", as_kwargs=True)
@bp.response(200, PetitionDetailSchema)
def petition(petition_id: int, lang: str | None = None):
    """One public petition with its thresholds and counts by district"""
    petition = db.session.get(Petition, petition_id)
    if petition is None or not petition.is_public:
        abort(404)
    petition.thresholds = settings.thresholds()
    petition.by_district = [
        {"district_id": district_id, "signatures": n}
        for district_id, n in queries.counts_by_district(petition)
    ]
    return petition


CSV_COLUMNS = (
    "id",
    "status",
    "topic",
    "title",
    "district_id",
    "signatures",
    "opened_at",
    "deadline",
    "responded_at",
)


@bp.get("/api/v1/petitions.csv")
@bp.arguments(PetitionQuery(), location="query", as_kwargs=True)
@bp.response(200, {"type": "string"}, content_type="text/csv", description="CSV, UTF-8")
def petitions_csv(lang: str | None = None, **filters):
    """Every public petition with its count, as CSV"""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for p in db.session.scalars(queries.public(**filters)):
        writer.writerow(
            csv_row(
                [
                    p.id,
                    p.status,
                    p.topic,
                    p.title,
                    p.district_id or "",
                    p.shown_count,
                    p.opened_at.isoformat() if p.opened_at else "",
                    p.deadline.isoformat() if p.deadline else "",
                    p.responded_at.isoformat() if p.responded_at else "",
                ]
            )
        )
    return Response(out.getvalue(), mimetype="text/csv")


class PetitionLayerProperties(LayerProperties):
    signatures = fields.Integer(required=True)


@bp.get("/api/v1/petitions/layer.geojson")
@bp.arguments(LanguageQuery(), location="query", as_kwargs=True)
@bp.response(
    200,
    layer_collection("PetitionLayer", PetitionLayerProperties),
    content_type="application/geo+json",
)
def petitions_layer(lang: str | None = None):
    """Signable petitions started from a place on the map (a report), at that place"""
    return geojson(queries.map_layer())
