"""The map API over a million reports, over HTTP: street views and city views (SPEC §9 `map`).

Data: REPORTS reports made by one INSERT … SELECT per district in SQL (random points inside
the district's polygon with ST_GeneratePoints, shares by area: about 2,000 per km²), then
clustered on the GiST index (as migration e4b7a2c9d310 does) in their own database,
`<name>_bench_map`, which is kept: a second run finds it full and starts timing at once.

Views: random centres in the city, a 1280 × 800 pixel screen. Street views at zoom 17 are
about 1.14 × 0.71 km (0.8 km², ~1,600 reports, sent one by one: ~270 KB); neighbourhood
views at zoom 15-16 (3-13 km², clusters from the grid's level 16) and city views at zoom 11-12
(clusters from its levels 12 and 14), both from the materialized view map_report_grid.
SECONDS of load per kind over VIEWS distinct views, asked in turn.

Server: gunicorn serving `bench.map:server_app()` (the bench database, rate limits off) with
WORKERS gthread workers of THREADS threads each (one per core; keep-alive, which sync workers
do not do: a new connection per request cost them half a millisecond of CPU more per answer)
on a free port. Client: wrk over CLIENTS keep-alive connections (bench.common.load_gets), a
closed loop: each sends its next request when its last answer has been read in full. wrk is
written in C and spends about 0.15 ms of CPU per answer, where the asyncio client it replaced
spent 1.1 ms. It runs on the same two cores as the server and the database, so `*_rps` is
what the machine does with all three.

Figures:
- `street_p50_ms`, `street_p95_ms`, `city_p50_ms`, `city_p95_ms`, `street_rps`, `city_rps`:
  latencies as the clients saw them and answers per second, from that load.
- `street_db_ms`: median time in SQL of the same street views, asked in-process one at a time
  (timed around each statement).
- `street_app_cpu_ms`, `street_db_cpu_ms`, `street_client_cpu_ms`: CPU time of gunicorn's
  workers, of PostgreSQL's backends and of wrk during the street load over the requests
  answered (robust on a busy machine).
- `index_speedup`: for 20 street views, the execution time PostgreSQL reports (EXPLAIN
  ANALYZE, TIMING OFF) of the statement that finds the view's reports (the API's own: their
  stored features, at most 2,001) with the planner barred from index scans (no GiST) over
  the same with it, each view both ways; the median ratio. `client_index_speedup`: the same
  timed from Python around the statement, which adds the ~0.7 ms of carrying ~1,600 rows
  into Python objects to both sides; `answer_index_speedup`: the whole answer timed so
  (finding plus joining the features into one text, which the index does not speed up).
No cache is involved: the server keeps none, and the clients send no validators.
"""

import random
import statistics
import time

import click
import psycopg
from flask_migrate import upgrade
from sqlalchemy import event, make_url, text

from bench.common import cpu_while, free_port, load_gets, postmaster_pid, start_gunicorn, stop
from core.app import create_app
from core.cli import DEMO_DISTRICTS
from core.db import db
from core.dbadmin import sibling_database_url
from core.districts import import_geojson
from smartmap import demo, queries, services

REPORTS = 1_000_000
CHUNK = 50_000
VIEWS = 300
SECONDS = 10
WORKERS, THREADS = 2, 4
CLIENTS = 8
CONFIG = {"GHIA_ENV": "testing", "RATELIMIT_ENABLED": False, "SECRET_KEY": "bench"}
SEED = 311
# A view of 1280 × 800 screen pixels: degrees per pixel at zoom z are 360 / 256 / 2**z.
VIEW_PIXELS = (1280, 800)
STATUSES = ["new", "acknowledged", "in_progress", "fixed", "closed", "duplicate", "referred"]


def map_app():
    """An app on the kept benchmark database, created and migrated when missing."""
    url = sibling_database_url("bench_map")
    _create_database_once(url)
    app = create_app({**CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context(), app.test_request_context():
        upgrade()
        import_geojson(DEMO_DISTRICTS)
        demo.ensure_categories()
        db.session.commit()
    return app


def server_app():
    """What gunicorn serves: the app on DATABASE_URL (the bench database)."""
    return create_app(CONFIG)


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
        _reorder()
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
    _reorder()
    _refresh_grid()
    count = db.session.scalar(text("SELECT count(*) FROM map_report"))
    click.echo(f"map: {count:,} reports generated in {time.perf_counter() - started:.1f} s")
    return count


def _reorder() -> None:
    """What `flask smartmap reorder` does (also on a kept database: one from before it
    existed, or since grown, would be timed in another order)."""
    started = time.perf_counter()
    services.reorder_reports()
    db.session.commit()
    click.echo(f"map: reports put in spatial order in {time.perf_counter() - started:.1f} s")


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


def db_milliseconds(app, boxes) -> float:
    """Median time in SQL of each view's answer, asked in-process one at a time."""
    return statistics.median(sql_seconds(app, bbox, zoom, True) for bbox, zoom in boxes) * 1000


def sql_seconds(app, bbox: str, zoom: int, use_index: bool, answer: bool = True) -> float:
    """Time in SQL of one view's answer (queries.features_geojson), or of the statement that
    finds its reports only, in its own transaction; without the index, the planner may not
    use index scans at all (so no GiST). Both ways the transaction has begun before the clock
    starts: its BEGIN is no part of the statement."""
    box = [float(n) for n in bbox.split(",")]
    with app.app_context(), app.test_request_context():
        _allow_index_scans(use_index)
        with SqlClock(db.engine) as clock:
            if answer:
                queries.features_geojson(tuple(box), zoom)
            else:
                db.session.execute(IN_VIEW, {"box": box}).all()
        db.session.rollback()
    return clock.spent


def executed_seconds(app, bbox: str, use_index: bool) -> float:
    """PostgreSQL's own execution time of the statement that finds a view's reports (EXPLAIN
    ANALYZE without per-node timing): no round trip, and no rows carried into Python."""
    box = [float(n) for n in bbox.split(",")]
    with app.app_context():
        _allow_index_scans(use_index)
        explain = text("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + IN_VIEW.text)
        plan = db.session.execute(explain, {"box": box}).scalar_one()
        db.session.rollback()
    return plan[0]["Execution Time"] / 1000


def _allow_index_scans(allowed: bool) -> None:
    for setting in ("enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan"):
        db.session.execute(text(f"SET LOCAL {setting} = {'on' if allowed else 'off'}"))


IN_VIEW = text(
    """
    SELECT feature FROM map_report
    WHERE location && ST_MakeEnvelope(
        (CAST(:box AS float8[]))[1], (CAST(:box AS float8[]))[2],
        (CAST(:box AS float8[]))[3], (CAST(:box AS float8[]))[4], 4326)
    LIMIT 2001
    """
)


def index_speedup(timed, boxes) -> float:
    """Median over the views of the time without the index / with it, each view both ways;
    `timed(bbox, zoom, use_index)` gives one time."""
    ratios = [timed(bbox, zoom, False) / timed(bbox, zoom, True) for bbox, zoom in boxes]
    return statistics.median(ratios)


def paths(boxes) -> list[str]:
    return [f"/api/v1/reports.geojson?bbox={bbox}&zoom={zoom}" for bbox, zoom in boxes]


def http_load(app, base_url: str, server_pid: int, boxes) -> dict:
    """The views' answers under CLIENTS concurrent clients, and the CPU the server's workers
    and the database's backends spent on them."""
    postmaster = postmaster_pid(app)
    figures, (app_cpu, db_cpu) = cpu_while(
        (server_pid, postmaster), lambda: load_gets(base_url, paths(boxes), CLIENTS, SECONDS)
    )
    answered = figures["requests"]
    figures["app_cpu_ms"] = round(app_cpu / answered * 1000, 2)
    if postmaster:
        figures["db_cpu_ms"] = round(db_cpu / answered * 1000, 2)
    return figures


def _setting(app, name: str) -> str:
    with app.app_context():
        value = db.session.execute(text(f"SHOW {name}")).scalar_one()
        db.session.rollback()
    return value


def serve(app):
    port = free_port()
    env = {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "GHIA_ENV": "testing"}
    options = ["--workers", str(WORKERS), "--worker-class", "gthread", "--threads", str(THREADS)]
    return start_gunicorn("bench.map:server_app()", port, env, options), f"http://127.0.0.1:{port}"


def run() -> dict:
    app = map_app()
    rng = random.Random(SEED)
    with app.app_context():
        reports = ensure_reports()
        street, middle, city = views((17,), rng), views((15, 16), rng), views((11, 12), rng)
    server, base_url = serve(app)
    try:
        load_gets(base_url, paths(street), CLIENTS, 2)  # warm the workers and the caches
        loads = {
            name: http_load(app, base_url, server.pid, boxes)
            for name, boxes in (("street", street), ("neighbourhood", middle), ("city", city))
        }
    finally:
        stop(server)
    return _figures(reports, loads, app, street)


def _figures(reports: int, loads: dict, app, street) -> dict:
    street_load, city_load = loads["street"], loads["city"]

    def executed(bbox, zoom, use_index):
        return executed_seconds(app, bbox, use_index)

    def finding(bbox, zoom, use_index):
        return sql_seconds(app, bbox, zoom, use_index, answer=False)

    def answering(bbox, zoom, use_index):
        return sql_seconds(app, bbox, zoom, use_index, answer=True)

    return {
        "reports": reports,
        "street_p50_ms": street_load["p50_ms"],
        "street_p95_ms": street_load["p95_ms"],
        "city_p50_ms": city_load["p50_ms"],
        "city_p95_ms": city_load["p95_ms"],
        "street_db_ms": round(db_milliseconds(app, street[:50]), 2),
        "street_rps": street_load["rps"],
        "city_rps": city_load["rps"],
        "index_speedup": round(index_speedup(executed, street[:20]), 1),
        "client_index_speedup": round(index_speedup(finding, street[:20]), 1),
        "answer_index_speedup": round(index_speedup(answering, street[:20]), 1),
        "street_app_cpu_ms": street_load["app_cpu_ms"],
        "street_db_cpu_ms": street_load.get("db_cpu_ms"),
        "street_client_cpu_ms": street_load["client_cpu_ms"],
        "loads": loads,
        "db_shared_buffers": _setting(app, "shared_buffers"),
        "server": f"gunicorn, {WORKERS} gthread workers of {THREADS} threads",
        "client": f"wrk over {CLIENTS} keep-alive connections, closed loop, {SECONDS} s per kind",
    }
