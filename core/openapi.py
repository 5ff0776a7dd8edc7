"""The JSON API's plumbing: flask-smorest builds /api/v1/openapi.json from the same marshmallow
schemas that validate each request, so the document cannot drift from the code.

Modules declare their operations on a `flask_smorest.Blueprint` and hand it to
`registry.add_api()`; `init_api` registers them all once the modules are loaded.
"""

from flask import Flask, Response, jsonify
from flask_smorest import Api
from marshmallow import Schema, fields, validate

from core.inputs import INT4_MAX, MAX_PAGE

# A route's id in the id column's range (core.inputs): larger ids are simply 404, and the
# document says so, so generated requests stay within it.
ID_RANGE = f"int(min=1, max={INT4_MAX})"


def page_field() -> fields.Integer:
    """`?page=`, as `core.inputs.page_number` bounds it for the pages."""
    return fields.Integer(load_default=1, validate=validate.Range(1, MAX_PAGE))


# Text from the query string: printable, bounded, so it can reach PostgreSQL untouched.
PRINTABLE = validate.Regexp(r"^[^\x00-\x1f\x7f-\x9f]*$")  # as core.inputs.CONTROL


def plain_text(max_length: int, **kwargs) -> fields.String:
    return fields.String(
        validate=[validate.Length(max=max_length), PRINTABLE],
        **kwargs,
    )


class LanguageQuery(Schema):
    """Every operation answers in Georgian or English (`?lang=`), like the pages."""

    lang = fields.String(
        validate=validate.OneOf(["ka", "en"]),
        metadata={"description": "Language of the answer and of its error messages."},
    )


class ErrorDetail(Schema):
    code = fields.Integer(required=True, metadata={"description": "The HTTP status."})
    message = fields.String(
        required=True, metadata={"description": "What went wrong, in the user's language."}
    )
    invalid = fields.Dict(
        data_key="fields",  # `fields` is taken on a Schema
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "For 422: each invalid parameter and why (validator's words)."},
    )


class ErrorSchema(Schema):
    """Every error of the API, validation errors (422) included."""

    error = fields.Nested(ErrorDetail, required=True)


class LayerProperties(Schema):
    """What every map layer's point says (registry.add_map_layer); layers may add more."""

    ref = fields.String(required=True, metadata={"description": "Reference for links"})
    title = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "In the asked language"})
    url = fields.String(required=True)


class _LayerPoint(Schema):
    type = fields.String(required=True, validate=validate.Equal("Point"))
    coordinates = fields.List(
        fields.Float(), required=True, metadata={"description": "longitude, latitude (WGS 84)"}
    )


def layer_collection(name: str, properties: type[Schema]) -> type[Schema]:
    """The GeoJSON FeatureCollection schema of a map layer whose points carry `properties`."""
    feature = Schema.from_dict(
        {
            "type": fields.String(required=True, validate=validate.Equal("Feature")),
            "geometry": fields.Nested(_LayerPoint, required=True),
            "properties": fields.Nested(properties, required=True),
        },
        name=f"{name}Feature",
    )
    return Schema.from_dict(
        {
            "type": fields.String(required=True, validate=validate.Equal("FeatureCollection")),
            "features": fields.List(fields.Nested(feature), required=True),
        },
        name=f"{name}Collection",
    )


def page_schema(name: str, items: type[Schema]) -> type[Schema]:
    """The answer of a paged list (`?page=`): one page of `items`, and how many in all."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(items), required=True),
            "page": fields.Integer(required=True),
            "pages": fields.Integer(required=True),
            "total": fields.Integer(required=True),
        },
        name=f"{name}PageSchema",
    )


def page_answer(result, page: int) -> dict:
    """What a `page_schema` describes, from a Flask-SQLAlchemy pagination."""
    return {"items": result.items, "page": page, "pages": result.pages, "total": result.total}


def point_feature(point: tuple[float, float], properties: dict) -> dict:
    """One GeoJSON point of a map layer."""
    geometry = {"type": "Point", "coordinates": [point[0], point[1]]}
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def geojson(collection: dict) -> Response:
    """A GeoJSON answer with GeoJSON's own media type (RFC 7946), as clients such as QGIS ask."""
    response = jsonify(collection)
    response.mimetype = "application/geo+json"
    return response


class GhiaApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        """core/errors.py answers every error, API or page, in the user's language."""


def init_api(app: Flask, blueprints) -> Api:
    app.config.update(OPENAPI_URL_PREFIX="/api/v1", OPENAPI_JSON_PATH="openapi.json")
    api = GhiaApi(
        app,
        spec_kwargs={
            "title": "Ghia API",
            "version": "1",
            "openapi_version": "3.1.0",
            "info": {"description": "Open data of the city hall's participation platform."},
            "servers": [{"url": app.config["BASE_URL"]}],
        },
    )
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    return api
