"""Open311 GeoReport v2: every endpoint and error, in JSON and XML, checked against the
specification's JSON Schemas (../shared/data/open311/schema) where they exist."""

import json
import socket
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from threading import Thread
from urllib.parse import parse_qs, urlparse
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from core.db import db, utcnow
from smartmap import open311
from smartmap.models import CategoryAttribute, Report
from tests.conftest import free_port, need_shared
from tests.smartmap_helpers import categories, make_report, place_in

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


# Service attributes (service definitions with questions), address_string, jurisdiction_id.

JURISDICTION = "tbilisi.gov.ge"


@pytest.fixture
def asked(app, world):
    """`lighting` asks three questions, two of them required; `road` asks none."""
    with app.test_request_context():
        lighting = categories()["lighting"]
        lighting.attributes = [
            CategoryAttribute(
                code="pole",
                datatype="string",
                required=True,
                description_ka="ბოძის ნომერი",
                description_en="Pole number",
                order=1,
            ),
            CategoryAttribute(
                code="lamps",
                datatype="number",
                description_ka="რამდენი ლამპიონი",
                description_en="How many lamps",
                order=2,
            ),
            CategoryAttribute(
                code="kind",
                datatype="singlevaluelist",
                required=True,
                description_ka="რა ხდება",
                description_en="What is wrong",
                order=3,
                choices=[
                    {"key": "dark", "name_ka": "არ ანათებს", "name_en": "Dark"},
                    {"key": "blinking", "name_ka": "ციმციმებს", "name_en": "Blinking"},
                ],
            ),
            CategoryAttribute(
                code="when",
                datatype="multivaluelist",
                description_ka="როდის",
                description_en="When",
                order=4,
                choices=[
                    {"key": "night", "name_ka": "ღამით", "name_en": "At night"},
                    {"key": "day", "name_ka": "დღისით", "name_en": "By day"},
                ],
            ),
        ]
        db.session.commit()
    return world


def test_a_service_with_attributes_has_metadata_and_a_definition(client, asked):
    services = client.get(f"{BASE}/services.json?lang=en").json
    schema_check("services.json", services)
    metadata = {s["service_code"]: s["metadata"] for s in services}
    assert metadata["lighting"] is True
    assert metadata["road"] is False
    definition = client.get(f"{BASE}/services/lighting.json?lang=en").json
    schema_check("service-definition.json", definition)
    assert [a["code"] for a in definition["attributes"]] == ["pole", "lamps", "kind", "when"]
    kind = definition["attributes"][2]
    assert kind["required"] is True
    assert kind["description"] == "What is wrong"
    assert kind["values"] == [
        {"key": "dark", "name": "Dark"},
        {"key": "blinking", "name": "Blinking"},
    ]
    assert "values" not in definition["attributes"][0]
    root = xml(client.get(f"{BASE}/services/lighting.xml?lang=ka"))
    attribute = root.findall("attributes/attribute")[2]
    assert attribute.find("datatype").text == "singlevaluelist"
    assert [v.find("name").text for v in attribute.findall("values/value")] == [
        "არ ანათებს",
        "ციმციმებს",
    ]


def lighting_post(client, key, fmt="json", **attributes):
    lat, lon = place_in("vake")
    form = {"api_key": key, "service_code": "lighting", "lat": lat, "long": lon}
    return client.post(
        f"{BASE}/requests.{fmt}", data={**form, "description": "dark street", **attributes}
    )


def test_answers_to_the_attributes_are_kept_on_the_report(client, asked):
    form = {
        "attribute[pole]": " T-1402 ",
        "attribute[lamps]": "3",
        "attribute[kind]": "dark",
        "attribute[when][]": ["night", "day"],
    }
    response = lighting_post(client, asked["key"], **form)
    assert response.status_code == 201
    report = db.session.get(Report, int(response.json[0]["service_request_id"]))
    assert report.attributes == {
        "pole": "T-1402",
        "lamps": 3,
        "kind": "dark",
        "when": ["day", "night"],
    }


@pytest.mark.parametrize(
    ("attributes", "names"),
    [
        ({"attribute[kind]": "dark"}, "attribute[pole]"),  # required, missing
        ({"attribute[pole]": "1", "attribute[kind]": " "}, "attribute[kind]"),  # blank
        ({"attribute[pole]": "1", "attribute[kind]": "broken"}, "attribute[kind]"),
        ({"attribute[pole]": "1", "attribute[kind]": ["dark", "blinking"]}, "attribute[kind]"),
        ({"attribute[pole]": "1", "attribute[kind]": "dark", "attribute[lamps]": "many"}, "lamps"),
        ({"attribute[pole]": "1", "attribute[kind]": "dark", "attribute[lamps]": "inf"}, "lamps"),
        ({"attribute[pole]": "1", "attribute[kind]": "dark", "attribute[when][]": "noon"}, "when"),
        ({"attribute[pole]": "x" * 501, "attribute[kind]": "dark"}, "attribute[pole]"),
        ({"attribute[pole]": "1", "attribute[kind]": "dark", "attribute[colour]": "red"}, "colour"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_wrong_answers_get_the_specifications_400(client, asked, attributes, names, fmt):
    response = lighting_post(client, asked["key"], fmt, **attributes)
    assert response.status_code == 400
    if fmt == "json":
        schema_check_error(response.json)
        assert names in response.json[0]["description"]
    else:
        assert xml(response).find("error/code").text == "400"
        assert names in xml(response).find("error/description").text
    assert db.session.scalar(select(Report).where(Report.description == "dark street")) is None


def schema_check_error(document) -> None:
    """The specification's error list: [{"code": int, "description": str}]."""
    [error] = document
    assert set(error) == {"code", "description"}
    assert isinstance(error["code"], int)
    assert error["description"]


@pytest.fixture
def geocoder(app, monkeypatch):
    """A Nominatim-compatible geocoder on a real local HTTP server: it knows one address."""
    lat, lon = place_in("saburtalo")
    asked = []

    class Geocoder(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            query = parse_qs(urlparse(self.path).query)
            asked.append((urlparse(self.path).path, query, self.headers.get("User-Agent")))
            found = [{"lat": str(lat), "lon": str(lon)}] if query["q"] == ["Pekini 10"] else []
            body = json.dumps(found).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Geocoder)
    Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setitem(app.config, "GEOCODER_URL", f"http://127.0.0.1:{server.server_port}")
    yield asked
    server.shutdown()
    server.server_close()


def address_post(client, key, fmt="json", **form):
    data = {"api_key": key, "service_code": "road", "description": "by address", **form}
    return client.post(f"{BASE}/requests.{fmt}?lang=en", data=data)


def test_an_address_is_geocoded_when_a_geocoder_is_configured(client, world, geocoder):
    response = address_post(client, world["key"], address_string="Pekini 10")
    assert response.status_code == 201
    report = db.session.get(Report, int(response.json[0]["service_request_id"]))
    assert report.district.slug == "saburtalo"
    [(path, query, agent)] = geocoder
    assert path == "/search"
    assert query["format"] == ["json"]
    assert agent.startswith("Ghia (")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_address_the_geocoder_does_not_know_is_a_400(client, world, geocoder, fmt):
    response = address_post(client, world["key"], fmt, address_string="Nowhere street 1")
    assert response.status_code == 400
    if fmt == "json":
        schema_check_error(response.json)
        assert "lat" in response.json[0]["description"]
    assert db.session.scalar(select(Report).where(Report.description == "by address")) is None


def test_a_geocoder_that_does_not_answer_is_a_400(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "GEOCODER_URL", f"http://127.0.0.1:{free_port()}")
    response = address_post(client, world["key"], address_string="Pekini 10")
    assert response.status_code == 400
    schema_check_error(response.json)


@pytest.mark.parametrize("answer", [b"not HTTP at all\r\n\r\n", b"HTTP/1.1 200 OK\r\n"])
def test_a_geocoder_answering_garbage_is_a_400(app, client, world, monkeypatch, answer):
    server = socket.create_server(("127.0.0.1", 0))

    def answer_once():
        connection, _ = server.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(answer)

    Thread(target=answer_once, daemon=True).start()
    monkeypatch.setitem(app.config, "GEOCODER_URL", f"http://127.0.0.1:{server.getsockname()[1]}")
    response = address_post(client, world["key"], address_string="Pekini 10")
    server.close()
    assert response.status_code == 400
    schema_check_error(response.json)


@pytest.mark.parametrize(
    ("form", "words"),
    [
        ({"address_string": "Pekini 10"}, "cannot look up address_string"),
        ({}, "lat and long"),
        ({"lat": "41.7"}, "lat and long"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_without_a_geocoder_lat_and_long_are_required(client, world, form, words, fmt):
    response = address_post(client, world["key"], fmt, **form)
    assert response.status_code == 400
    if fmt == "json":
        schema_check_error(response.json)
        assert words in response.json[0]["description"]
    else:
        assert words in xml(response).find("error/description").text


@pytest.fixture
def jurisdiction(app, monkeypatch):
    monkeypatch.setitem(app.config, "OPEN311_JURISDICTION", JURISDICTION)


def test_the_discovery_names_the_jurisdiction(client, world, jurisdiction):
    assert client.get(f"{BASE}/discovery.json").json["jurisdiction_id"] == JURISDICTION
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.find("jurisdiction_id").text == JURISDICTION


@pytest.mark.parametrize(
    "path",
    ["services.{fmt}", "services/road.{fmt}", "requests.{fmt}", "requests/{id}.{fmt}"],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_another_jurisdiction_is_not_found(client, world, jurisdiction, path, fmt):
    url = f"{BASE}/" + path.format(fmt=fmt, id=world["road"])
    assert client.get(f"{url}?jurisdiction_id={JURISDICTION}").status_code == 200
    assert client.get(url).status_code == 200  # a single-jurisdiction server may be asked without
    response = client.get(f"{url}?jurisdiction_id=sfgov.org")
    assert response.status_code == 404
    if fmt == "json":
        schema_check_error(response.json)
        assert JURISDICTION in response.json[0]["description"]
    else:
        assert xml(response).find("error/code").text == "404"


def test_a_post_for_another_jurisdiction_is_not_found(client, world, jurisdiction):
    lat, lon = place_in("vake")
    form = {"api_key": world["key"], "service_code": "road", "lat": lat, "long": lon}
    response = client.post(
        f"{BASE}/requests.json", data={**form, "description": "x", "jurisdiction_id": "nyc.gov"}
    )
    assert response.status_code == 404
    schema_check_error(response.json)
    assert db.session.scalar(select(Report).where(Report.description == "x")) is None
    response = client.post(
        f"{BASE}/requests.json", data={**form, "description": "y", "jurisdiction_id": JURISDICTION}
    )
    assert response.status_code == 201
