"""Zoomed-out maps of a big city: grid-cell counts from the materialized view
map_report_grid, which the worker recounts every minute, agree with counting live; at zoom
15-16 the grid gives totals only and a filtered map is counted live."""

import json
import math
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select, text, update

from core.db import db
from smartmap import queries
from smartmap.models import Category, Report
from tests.smartmap_helpers import make_report, place_in

VIEW = "bbox=44.6,41.6,45.0,41.9&zoom={zoom}"


def clusters(client, zoom: int, extra: str = "") -> dict:
    features = client.get(f"/api/v1/reports.geojson?{VIEW.format(zoom=zoom)}{extra}").json
    assert all(f["properties"]["cluster"] for f in features["features"])
    return sorted(
        (f["properties"]["count"], tuple(f["geometry"]["coordinates"]))
        for f in features["features"]
    )


@pytest.fixture
def reports(app, monkeypatch):
    with app.test_request_context():
        for offset in range(4):
            make_report(offset_m=offset * 20)
        make_report("saburtalo", code="waste")
        make_report("isani", code="waste", status="fixed")
        db.session.commit()
    monkeypatch.setattr(queries, "FEW_FEATURES", 0)  # clusters from one report on


@pytest.mark.parametrize("zoom", [9, 11, 12, 13, 14])
def test_the_grid_counts_what_live_counting_counts(app, client, reports, monkeypatch, zoom):
    assert total(clusters(client, zoom)) == 6  # counted live
    monkeypatch.setattr(queries, "_big_table", lambda: True)
    queries.refresh_grid()  # what the worker's smartmap.refresh_grid does every minute
    from_grid = clusters(client, zoom)
    assert total(from_grid) == 6
    assert len(from_grid) >= 2  # Saburtalo and Vake are never one cell
    assert total(clusters(client, zoom, "&category=waste")) == 2
    assert total(clusters(client, zoom, "&status=fixed")) == 1
    assert total(clusters(client, zoom, "&category=waste&status=new")) == 1


def total(cells) -> int:
    return sum(count for count, _ in cells)


@pytest.mark.parametrize("zoom", [15, 16])
def test_zooms_15_and_16_take_totals_from_the_grid_and_count_filtered_maps_live(
    client, reports, monkeypatch, zoom
):
    monkeypatch.setattr(queries, "STREET_ZOOM", 18)  # FEW_FEATURES: clusters from one report on
    monkeypatch.setattr(queries, "_big_table", lambda: True)
    assert total(clusters(client, zoom)) == 0  # the grid was never refreshed
    assert total(clusters(client, zoom, "&category=waste")) == 2  # counted live
    queries.refresh_grid()
    assert total(clusters(client, zoom)) == 6
    assert total(clusters(client, zoom, "&status=fixed")) == 1


def test_points_and_street_clusters_never_use_the_grid(client, reports, monkeypatch):
    monkeypatch.setattr(queries, "_big_table", lambda: True)
    points = client.get(f"/api/v1/reports.geojson?{VIEW.format(zoom=17)}").json["features"]
    assert len(points) == 6  # the grid was never refreshed
    monkeypatch.setattr(queries, "MAX_FEATURES", 5)  # 6 reports: clusters
    assert total(clusters(client, 17)) == 6  # counted live


# Street views read each report's feature as the database keeps it written (migration
# 7b3d9e1f4a62); it must say what composing it per request says, after every change.

STREET = "/api/v1/reports.geojson?bbox=44.6,41.6,45.0,41.9&zoom=17"


def street_features(client, base_url: str = "http://localhost/") -> list[dict]:
    answer = client.get(STREET, base_url=base_url)
    assert answer.status_code == 200
    return sorted(answer.json["features"], key=lambda f: f["properties"]["id"])


def test_a_reports_stored_feature_follows_its_status_category_and_place(app, client):
    with app.test_request_context():
        report = make_report()
        other = make_report("saburtalo", code="waste")
        db.session.commit()
        report_id, other_id = report.id, other.id
    first = street_features(client)
    assert [f["properties"]["id"] for f in first] == [report_id, other_id]
    assert first[0]["properties"] == {
        "id": report_id,
        "status": "new",
        "category": "road",
        "url": f"/map/reports/{report_id}",
    }
    with app.test_request_context():
        report = db.session.get(Report, report_id)
        report.status = "fixed"
        report.category_id = db.session.scalar(select(Category.id).where(Category.code == "waste"))
        report.location = func.ST_SetSRID(func.ST_MakePoint(44.75, 41.72), 4326)
        db.session.commit()
    moved = street_features(client)[0]
    assert moved["properties"]["status"] == "fixed"
    assert moved["properties"]["category"] == "waste"
    assert moved["geometry"] == {"type": "Point", "coordinates": [44.75, 41.72]}


def test_a_category_recoded_under_its_reports_recodes_their_features(app, client):
    with app.test_request_context():
        make_report(code="graffiti")
        db.session.commit()
        # The service refuses this (409) while reports use the code; a race could still do it.
        db.session.execute(update(Category).where(Category.code == "graffiti").values(code="paint"))
        db.session.commit()
    assert [f["properties"]["category"] for f in street_features(client)] == ["paint"]


def test_an_app_mounted_below_the_site_root_composes_its_report_urls(app, client):
    with app.test_request_context():
        report_id = make_report().id
        db.session.commit()
    (feature,) = street_features(client, "http://localhost/ghia/")
    assert feature["properties"]["url"] == f"/ghia/map/reports/{report_id}"
    assert feature["properties"]["category"] == "road"


def test_stored_features_say_what_composing_them_says(app):
    """The same text for the same reports (rounded coordinates, a code with - and _, every
    status), and a map at the site's root reads the stored features."""
    with app.test_request_context():
        db.session.add(Category(code="street-light_2", name_ka="ნათურა", name_en="Lamp"))
        for status in ("new", "in_progress", "duplicate"):
            report = make_report()
            report.status = status
        report.category_id = db.session.scalar(
            select(Category.id).where(Category.code == "street-light_2")
        )
        report.location = func.ST_SetSRID(func.ST_MakePoint(44.12345678, 41.87654321), 4326)
        db.session.flush()
        bbox = (44.0, 41.6, 45.0, 41.9)
        stored, params = queries._points_query(bbox, None, None, 2000)
        assert stored is queries._stored_points_statement(False, False, False)
        url_start, url_end = json.dumps(f"/map/reports/{queries.ANY_ID}").split(str(queries.ANY_ID))
        composed = queries._points_statement(False, False, False)
        params_composed = {**params, "url_start": url_start, "url_end": url_end}
        answers = [
            db.session.execute(stored, params).one(),
            db.session.execute(composed, params_composed).one(),
        ]
    (count, text_), (composed_count, composed_text) = answers
    assert count == composed_count == 3
    assert features_of(text_) == features_of(composed_text)
    assert '"coordinates":[44.123457,41.876543]' in text_


def features_of(joined: str) -> list[str]:
    """Each feature's text, in id order (the two statements may read rows in another order)."""
    features = json.loads(f"[{joined}]")
    ordered = sorted(features, key=lambda f: f["properties"]["id"])
    return [json.dumps(f, separators=(",", ":")) for f in ordered]


def test_a_view_whose_inner_cells_hold_over_the_limit_reads_no_report(
    app, client, reports, monkeypatch
):
    with app.app_context():
        engine = db.engine
    monkeypatch.setattr(queries, "_big_table", lambda: True)
    queries.refresh_grid()
    with statements_seen(engine) as seen:
        assert total(clusters(client, 12)) == 6  # over the limit (0) in the grid alone
    assert not [sql for sql in seen if "FROM map_report " in sql or "FROM map_report\n" in sql]


def test_a_view_that_only_grazes_a_crowded_cell_still_gets_its_points(app, client, monkeypatch):
    """The cells at a view's edges hold reports outside it: they do not make it clusters."""
    with app.test_request_context():
        for offset in range(8):
            make_report(offset_m=offset * 20)
        db.session.commit()
        lat, lon = place_in("vake")
    size = queries.cell_size(14)
    cell_west = math.floor(lon / size) * size
    assert lon - cell_west > 1e-6  # the reports lie inside their cell, east of its edge
    east = cell_west + (lon - cell_west) / 2  # in the reports' cell, west of them
    view = f"bbox={east - 0.02},{lat - 0.005},{east},{lat + 0.005}&zoom=14"
    monkeypatch.setattr(queries, "FEW_FEATURES", 3)
    live = client.get(f"/api/v1/reports.geojson?{view}").json
    monkeypatch.setattr(queries, "_big_table", lambda: True)
    queries.refresh_grid()
    assert client.get(f"/api/v1/reports.geojson?{view}").json == live
    assert not any(f["properties"].get("cluster") for f in live["features"])


@contextmanager
def statements_seen(engine):
    seen = []

    def record(connection, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_reorder_writes_neighbours_next_to_each_other(app):
    """`flask smartmap reorder`: reports made in turn in two districts end up on disk by place,
    and the map answers the same."""
    city = (44.6, 41.6, 45.0, 41.9)
    with app.test_request_context():
        made = [make_report(slug, offset_m=n * 20).id for n in range(3) for slug in VAKE_ISANI]
        db.session.commit()
        before = queries.features(city, 17)["features"]
    result = app.test_cli_runner().invoke(args=["smartmap", "reorder"])
    assert result.exit_code == 0, result.output
    assert "spatial order" in result.output
    with app.test_request_context():
        on_disk = db.session.scalars(select(Report.id).order_by(text("ctid"))).all()
        after = queries.features(city, 17)["features"]
    in_vake = [report_id in made[0::2] for report_id in on_disk]
    assert sorted(on_disk) == sorted(made)
    assert in_vake in ([True] * 3 + [False] * 3, [False] * 3 + [True] * 3)
    assert sorted(after, key=by_id) == sorted(before, key=by_id)


VAKE_ISANI = ("vake", "isani")


def by_id(feature: dict) -> int:
    return feature["properties"]["id"]
