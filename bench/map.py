"""The map API over a million reports: street views (zoom 16-17) and city views (zoom 11-12).

Requests go through the app in-process (Flask's test client, one thread), so the latencies
are the app's and the database's, without network or WSGI server. The million reports are
made by one INSERT … SELECT per district in SQL (random points inside the district's
polygon with ST_GeneratePoints) in their own database, `<name>_bench_map`, which is kept: a
second run finds it full and starts timing at once.

- `street_p50_ms`, `street_p95_ms`, `city_p50_ms`, `city_p95_ms`: whole requests to
  `/api/v1/reports.geojson?bbox=…&zoom=…` for random views over the city.
- `street_db_ms`: median time the street requests spent in SQL (timed around each statement).
- `street_rps`: street requests per second, one after the other.
- `index_speedup`: for 20 street views, the time in SQL with the planner barred from index
  scans (so the GiST index is not used) over the same with it; the median of the ratios.
"""

import random
import statistics
import time

import click
import psycopg
from flask_migrate import upgrade
from sqlalchemy import event, make_url, text

from bench.common import percentile
from core.app import create_app
from core.cli import DEMO_DISTRICTS
from core.db import db
from core.dbadmin import sibling_database_url
from core.districts import import_geojson
from smartmap import demo, queries

REPORTS = 1_000_000
CHUNK = 50_000
VIEWS = 150
SEED = 311
# A view of 1280 × 800 screen pixels: degrees per pixel at zoom z are 360 / 256 / 2**z.
VIEW_PIXELS = (1280, 800)
STATUSES = ["new", "acknowledged", "in_progress", "fixed", "closed", "duplicate", "referred"]


def map_app():
    """An app on the kept benchmark database, created and migrated when missing."""
    url = sibling_database_url("bench_map")
    _create_database_once(url)
    app = create_app(
        {
            "GHIA_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "bench",
        }
    )
    with app.app_context(), app.test_request_context():
        upgrade()
        import_geojson(DEMO_DISTRICTS)
        demo.ensure_categories()
        db.session.commit()
    return app


def _create_database_once(url: str) -> None:
    target = make_url(url)
    server = target.set(drivername="postgresql", database="postgres")
    with psycopg.connect(server.render_as_string(hide_password=False), autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [target.database]
        ).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{target.database}"')


GENERATE = text(
    """
    INSERT INTO map_report (category_id, description, location, district_id, status,
                            created_at, updated_at)
    SELECT (SELECT array_agg(id ORDER BY id) FROM map_category)
               [1 + floor(random() * :categories)::int],
           'benchmark report', spot.geom, :district_id,
           (CAST(:statuses AS text[]))[1 + floor(random() * :status_count)::int],
           now() - random() * interval '730 days', now()
    FROM (SELECT (ST_Dump(ST_GeneratePoints(geom, :count, :seed))).geom
          FROM district WHERE id = :district_id) AS spot
    """
)


def ensure_reports() -> int:
    """Fill map_report with REPORTS reports spread over the districts by area, unless it
    already holds exactly that many."""
    count = db.session.scalar(text("SELECT count(*) FROM map_report"))
    if count == REPORTS:
        click.echo(f"map: reusing {count:,} reports")
        _refresh_grid()
        return count
    started = time.perf_counter()
    db.session.execute(text("TRUNCATE map_report CASCADE"))
    chunks = _chunks()
    categories = db.session.scalar(text("SELECT count(*) FROM map_category"))
    with click.progressbar(chunks, label="map: generating reports") as bar:
        for number, (district_id, size) in enumerate(bar):
            db.session.execute(
                GENERATE,
                {
                    "district_id": district_id,
                    "count": size,
                    "seed": SEED + number,
                    "categories": categories,
                    "statuses": STATUSES,
                    "status_count": len(STATUSES),
                },
            )
            db.session.commit()
    db.session.execute(text("ANALYZE map_report"))
    db.session.commit()
    _refresh_grid()
    count = db.session.scalar(text("SELECT count(*) FROM map_report"))
    click.echo(f"map: {count:,} reports generated in {time.perf_counter() - started:.1f} s")
    return count


def _refresh_grid() -> None:
    """What the worker's `smartmap.refresh_grid` job does every minute."""
    started = time.perf_counter()
    queries.refresh_grid()
    db.session.commit()
    click.echo(f"map: grid of counts refreshed in {time.perf_counter() - started:.1f} s")


def _chunks() -> list[tuple[int, int]]:
    """(district id, how many) in pieces of at most CHUNK, the districts' shares by area."""
    areas = db.session.execute(
        text("SELECT id, ST_Area(geom::geography) FROM district ORDER BY id")
    ).all()
    total = sum(area for _, area in areas)
    shares = [(district_id, round(REPORTS * area / total)) for district_id, area in areas]
    shares[-1] = (shares[-1][0], REPORTS - sum(n for _, n in shares[:-1]))
    chunks = []
    for district_id, share in shares:
        while share > 0:
            chunks.append((district_id, min(CHUNK, share)))
            share -= CHUNK
    return chunks


def views(zooms: tuple[int, ...], rng: random.Random) -> list[tuple[str, int]]:
    """Random (bbox, zoom) views centred on random points of the city."""
    centres = db.session.execute(
        text(
            "SELECT ST_X(spot.geom), ST_Y(spot.geom) FROM ST_Dump(ST_GeneratePoints("
            "(SELECT ST_Union(geom) FROM district), :count, :seed)) AS spot"
        ),
        {"count": VIEWS, "seed": rng.randrange(1 << 30)},
    ).all()
    boxes = []
    for lon, lat in centres:
        zoom = rng.choice(zooms)
        half_width = VIEW_PIXELS[0] / 2 * 360 / 256 / 2**zoom
        half_height = VIEW_PIXELS[1] / 2 * 360 / 256 / 2**zoom * 0.75  # cos(41.7°)
        bbox = f"{lon - half_width:.6f},{lat - half_height:.6f},"
        bbox += f"{lon + half_width:.6f},{lat + half_height:.6f}"
        boxes.append((bbox, zoom))
    return boxes


class SqlClock:
    """Adds up the time spent in SQL statements while it is on."""

    def __init__(self, engine):
        self.engine, self.spent, self._started = engine, 0.0, 0.0

    def _before(self, *args):
        self._started = time.perf_counter()

    def _after(self, *args):
        self.spent += time.perf_counter() - self._started

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


def time_views(app, boxes) -> dict:
    """Each view once through the API: latencies, SQL time, features and clusters."""
    client = app.test_client()
    latencies, sql, features, points = [], [], [], 0
    with app.app_context():
        engine = db.engine
    for bbox, zoom in boxes:
        with SqlClock(engine) as clock:
            started = time.perf_counter()
            response = client.get(f"/api/v1/reports.geojson?bbox={bbox}&zoom={zoom}")
            latencies.append(time.perf_counter() - started)
        assert response.status_code == 200, response.data[:300]
        sql.append(clock.spent)
        found = response.json["features"]
        features.append(len(found))
        points += sum(1 for f in found if not f["properties"].get("cluster"))
    return {
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "db_ms": round(statistics.median(sql) * 1000, 1),
        "rps": round(len(latencies) / sum(latencies), 1),
        "max_features": max(features),
        "points_sent": points,
    }


def sql_seconds(app, bbox: str, zoom: int, use_index: bool) -> float:
    """Time in SQL of one street answer computed by queries.features, in its own transaction;
    without the index, the planner may not use index scans at all (so no GiST)."""
    west, south, east, north = (float(n) for n in bbox.split(","))
    with app.app_context(), app.test_request_context():
        if not use_index:
            for setting in ("enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan"):
                db.session.execute(text(f"SET LOCAL {setting} = off"))
        with SqlClock(db.engine) as clock:
            queries.features((west, south, east, north), zoom)
        db.session.rollback()
    return clock.spent


def index_speedup(app, boxes) -> float:
    """Median over the views of SQL time without the index / with it, each view both ways."""
    ratios = [
        sql_seconds(app, bbox, zoom, False) / sql_seconds(app, bbox, zoom, True)
        for bbox, zoom in boxes
    ]
    return statistics.median(ratios)


def run() -> dict:
    app = map_app()
    rng = random.Random(SEED)
    with app.app_context():
        reports = ensure_reports()
        street, city = views((16, 17), rng), views((11, 12), rng)
    time_views(app, street[:10])  # warm the caches and the connection pool
    street_figures = time_views(app, street)
    city_figures = time_views(app, city)
    return {
        "reports": reports,
        "street_p50_ms": street_figures["p50_ms"],
        "street_p95_ms": street_figures["p95_ms"],
        "city_p50_ms": city_figures["p50_ms"],
        "city_p95_ms": city_figures["p95_ms"],
        "street_db_ms": street_figures["db_ms"],
        "street_rps": street_figures["rps"],
        "index_speedup": round(index_speedup(app, street[:20]), 1),
        "street_max_features": street_figures["max_features"],
        "city_max_features": city_figures["max_features"],
        "city_points_sent": city_figures["points_sent"],
        "client": "Flask test client, in-process, one thread",
    }
