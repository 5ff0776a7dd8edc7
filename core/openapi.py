"""The OpenAPI description of the public API at /api/v1/openapi.json; modules add their paths."""

from flask import current_app

_paths: dict[str, dict] = {}


def add_paths(paths: dict[str, dict]) -> None:
    _paths.update(paths)


def _get(summary: str, media_type: str, tag: str, parameters=()) -> dict:
    return {
        "get": {
            "summary": summary,
            "tags": [tag],
            "parameters": list(parameters),
            "responses": {"200": {"description": summary, "content": {media_type: {}}}},
        }
    }


def query_parameter(name: str, description: str, enum=None) -> dict:
    schema = {"type": "string", **({"enum": list(enum)} if enum else {})}
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def atom_feed(summary: str, parameters) -> dict:
    return _get(summary, "application/atom+xml", "feeds", parameters)


LANG = query_parameter("lang", "Language of the answer", ["ka", "en"])


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Ghia API",
            "version": "1",
            "description": "Open data of the city hall's participation platform.",
        },
        "servers": [{"url": current_app.config["BASE_URL"]}],
        "paths": dict(sorted(_paths.items())),
    }


add_paths(
    {
        "/api/v1/districts.geojson": _get(
            "The city's districts as GeoJSON", "application/geo+json", "districts"
        ),
        "/healthz": _get("Health: 200 when the database answers", "application/json", "operations"),
    }
)
