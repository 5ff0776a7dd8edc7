"""Open311 GeoReport v2: every endpoint and error, in JSON and XML, checked against the
specification's JSON Schemas (../shared/data/open311/schema) where they exist."""

import json
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from core.db import db, utcnow
from smartmap import open311
from smartmap.models import Report
from tests.conftest import need_shared
from tests.smartmap_helpers import make_report, place_in

BASE = "/open311/v2"


@pytest.fixture
def world(app):
    with app.test_request_context():
        road = make_report("vake")
        make_report("vake", offset_m=1000)
        fixed = make_report("saburtalo", code="waste", status="fixed")
        old = make_report("isani", created_at=utcnow() - timedelta(days=200))
        key = open311.issue_api_key("test client")
        db.session.commit()
        return {"road": road.id, "fixed": fixed.id, "old": old.id, "key": key}


def xml(response):
    assert response.mimetype == "text/xml"
    return ElementTree.fromstring(response.data)  # noqa: S314 - our own answer, in a test


def schema_check(name: str, document) -> None:
    """Validate with the official JSON Schema (Draft 4), its relative $refs resolved."""
    jsonschema = pytest.importorskip("jsonschema")
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    folder = need_shared("data/open311/schema")
    resources = [
        (path.name, Resource.from_contents(json.loads(path.read_text()), DRAFT4))
        for path in folder.glob("*.json")
    ]
    schema = json.loads((folder / name).read_text())
    registry = Registry().with_resources(resources)
    jsonschema.Draft4Validator(schema, registry=registry).validate(document)


def test_discovery(client, world):
    document = client.get(f"{BASE}/discovery.json").json
    assert document["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert document["endpoints"][0]["url"] == "http://localhost/open311/v2"
    assert set(document["endpoints"][0]["formats"]) == {"application/json", "text/xml"}
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert root.find("endpoints/endpoint/type").text == "production"


def test_services_in_json_and_xml(client, world):
    services = client.get(f"{BASE}/services.json").json
    schema_check("services.json", services)
    road = next(s for s in services if s["service_code"] == "road")
    assert road["metadata"] is False
    assert road["type"] == "realtime"
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    codes = [s.find("service_code").text for s in root.findall("service")]
    assert "road" in codes
    assert root.find("service/metadata").text == "false"


def test_service_definition_and_an_unknown_code(client, world):
    definition = client.get(f"{BASE}/services/road.json").json
    schema_check("service-definition.json", definition)
    assert definition == {"service_code": "road", "attributes": []}
    assert xml(client.get(f"{BASE}/services/road.xml")).find("service_code").text == "road"
    response = client.get(f"{BASE}/services/potholes.json")
    assert response.status_code == 404
    assert response.json[0]["code"] == 404
    missing = xml(client.get(f"{BASE}/services/potholes.xml"))
    assert missing.tag == "errors"
    assert missing.find("error/code").text == "404"


def ids(response) -> set[int]:
    return {int(item["service_request_id"]) for item in response.json}


def test_requests_default_to_the_last_90_days(client, world):
    response = client.get(f"{BASE}/requests.json")
    schema_check("requests.json", response.json)
    assert ids(response) == {world["road"], world["road"] + 1, world["fixed"]}
    first = next(r for r in response.json if int(r["service_request_id"]) == world["road"])
    assert first["status"] == "open"
    assert first["requested_datetime"].endswith("+04:00")
    lat, lon = place_in("vake")
    assert (round(first["lat"], 5), round(first["long"], 5)) == (round(lat, 5), round(lon, 5))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=closed", {"fixed"}),
        ("status=open", {"road", "second"}),
        ("service_code=waste", {"fixed"}),
        ("service_code=road,waste&status=open,closed", {"road", "second", "fixed"}),
        ("start_date=2000-01-01T00:00:00Z", {"road", "second", "fixed", "old"}),
        ("end_date=2000-01-01T00:00:00%2B04:00", set()),
        ("radius=500&LAT&LONG", {"road"}),
    ],
)
def test_requests_filters(client, world, query, expected):
    names = {"road": world["road"], "second": world["road"] + 1, "fixed": world["fixed"]}
    names["old"] = world["old"]
    lat, lon = place_in("vake")
    query = query.replace("LAT", f"lat={lat}").replace("LONG", f"long={lon}")
    assert ids(client.get(f"{BASE}/requests.json?{query}")) == {names[n] for n in expected}


def test_requests_by_id_ignore_other_filters(client, world):
    query = f"service_request_id={world['road']},{world['fixed']}&status=open"
    assert ids(client.get(f"{BASE}/requests.json?{query}")) == {world["road"], world["fixed"]}


def test_a_single_request_in_json_and_xml(client, world):
    response = client.get(f"{BASE}/requests/{world['fixed']}.json")
    schema_check("requests.json", response.json)
    assert response.json[0]["status"] == "closed"
    assert response.json[0]["service_code"] == "waste"
    root = xml(client.get(f"{BASE}/requests/{world['fixed']}.xml"))
    assert root.tag == "service_requests"
    assert root.find("request/service_request_id").text == str(world["fixed"])
    assert root.find("request/status").text == "closed"
    assert client.get(f"{BASE}/requests/2147483647.json").json[0]["code"] == 404


@pytest.mark.parametrize(
    "query",
    [
        "status=pending",
        "start_date=yesterday",
        "start_date=2026-01-01T00:00:00",  # no offset
        "service_request_id=1;DROP",
        "lat=91&long=44.8",
        "lat=41.7&long=44.8&radius=999999",
        "lat=41.7&long=44.8&radius=abc",
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_queries_get_the_specifications_error_list(client, world, query, fmt):
    response = client.get(f"{BASE}/requests.{fmt}?{query}")
    assert response.status_code == 400
    if fmt == "json":
        [error] = response.json
        assert error["code"] == 400
        assert error["description"]
    else:
        assert xml(response).find("error/code").text == "400"


def post(client, fmt="json", **form):
    return client.post(f"{BASE}/requests.{fmt}", data=form)


def test_posting_a_request_with_a_key(client, world):
    lat, lon = place_in("saburtalo")
    response = post(
        client,
        api_key=world["key"],
        service_code="road",
        lat=lat,
        long=lon,
        description="Pothole by the school",
        media_url="https://example.org/photo.jpg",
    )
    assert response.status_code == 201
    [answer] = response.json
    report = db.session.get(Report, int(answer["service_request_id"]))
    assert report.district.slug == "saburtalo"
    assert report.media_url == "https://example.org/photo.jpg"
    assert report.reporter_id is None
    reread = client.get(f"{BASE}/requests/{report.id}.json").json[0]
    assert reread["description"] == "Pothole by the school"
    root = xml(
        post(
            client,
            "xml",
            api_key=world["key"],
            service_code="road",
            lat=lat,
            long=lon,
            description="x",
        )
    )
    assert root.find("request/service_request_id").text.isdigit()


@pytest.mark.parametrize(
    ("form", "status"),
    [
        ({"api_key": ""}, 403),
        ({"api_key": "guessed"}, 403),
        ({"service_code": "unknown"}, 404),
        ({"lat": ""}, 400),
        ({"lat": "0", "long": "0"}, 422),  # outside the city
        ({"lat": "95"}, 422),
        ({"description": ""}, 422),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_posts_get_the_specifications_error_list(client, world, form, status, fmt):
    lat, lon = place_in("vake")
    data = {
        "api_key": world["key"],
        "service_code": "road",
        "lat": lat,
        "long": lon,
        "description": "x",
        **form,
    }
    response = post(client, fmt, **data)
    assert response.status_code == status
    if fmt == "json":
        assert response.json[0]["code"] == status
    else:
        assert xml(response).find("error/code").text == str(status)
    assert db.session.scalar(select(Report).where(Report.description == "x")) is None


def test_the_cli_issues_a_key_that_works(app, client, world):
    result = app.test_cli_runner().invoke(args=["smartmap", "api-key", "create", "Fix app"])
    key = result.output.strip().splitlines()[-1]
    lat, lon = place_in("vake")
    response = post(client, api_key=key, service_code="road", lat=lat, long=lon, description="x")
    assert response.status_code == 201


def test_the_cli_adds_the_default_categories_once(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["smartmap", "categories"]).output.strip() == (
        "smartmap: 10 categories added"
    )
    assert runner.invoke(args=["smartmap", "categories"]).output.strip() == (
        "smartmap: 0 categories added"
    )


def test_unknown_formats_and_photo_sizes_are_not_found(client, world):
    response = client.get(f"{BASE}/services.csv")
    assert response.status_code == 404
    assert response.json[0]["code"] == 404
    assert client.get("/map/photos/1/huge.jpg").status_code == 404
