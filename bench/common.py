"""Shared plumbing: a scratch database with demo data, timing, the results file."""

import json
import statistics
import time
from pathlib import Path

from flask_migrate import upgrade

from core.app import create_app
from core.cli import DEMO_DISTRICTS
from core.db import db
from core.dbadmin import recreate_database, sibling_database_url
from core.districts import import_geojson
from core.registry import registry

RESULTS = Path(__file__).resolve().parent / "results.json"


def bench_app():
    """An app on a fresh database holding the demo data."""
    url = sibling_database_url("bench")
    recreate_database(url)
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
        for loader in registry(app).demo_loaders():
            loader()
        db.session.commit()
    return app


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def timed_requests(client, path: str, seconds: float) -> dict:
    """Request `path` repeatedly for `seconds`; rate, latency percentiles and failures."""
    latencies, non_2xx = [], 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        response = client.get(path)
        latencies.append(time.perf_counter() - start)
        non_2xx += not 200 <= response.status_code < 300
    total = sum(latencies)
    return {
        "rps": round(len(latencies) / total, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "non_2xx": non_2xx,
        "requests": len(latencies),
    }


def save(name: str, figures: dict) -> None:
    """Merge one benchmark's figures into bench/results.json."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[name] = figures
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
