"""Residents reporting at once, over HTTP: gunicorn serves the app, an asyncio client in
another process logs in ACCOUNTS confirmed accounts (made in one INSERT) and sends their
reports through the ordinary form (CSRF token, multipart, a JPEG photo carrying EXIF GPS
tags), CONCURRENCY at a time. Then a real `flask worker` runs the photo jobs.

- `reports_per_s`: accepted reports (303/302 to the new report) over the sending time.
- `p99_ms`: the 99th percentile of one report's POST.
- `lost`: accepted reports without their row, or whose photo the job never processed.
- `photos_with_gps`: processed photos and thumbnails, read back from the store with Pillow,
  that still carry any EXIF (GPS or other).
"""

import asyncio
import io
import multiprocessing
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time

import click
import psycopg
from PIL import Image
from sqlalchemy import text

from bench.common import bench_app, free_port, percentile, start_gunicorn, stop
from core import tasks
from core.app import create_app
from core.db import db
from core.storage import storage

ACCOUNTS = 40
REPORTS_PER_ACCOUNT = 10
CONCURRENCY = 32  # residents sending at once, as the issue of the smart map asks
GUNICORN_WORKERS = 4
PASSWORD = "bench-password-1"  # noqa: S105 - the benchmark's own throw-away accounts
PHOTO_VARIANTS = 12
TIMEOUT = 150.0
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def served_app():
    """The app gunicorn and the worker load (`bench.reporting:served_app()`): the benchmark's
    database and upload directory come from the environment, rate limits are off."""
    return create_app({"GHIA_ENV": "testing", "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})


def _accounts(app) -> list[str]:
    """ACCOUNTS confirmed residents in one INSERT, all with one (real argon2) password hash."""
    from accounts.services import hasher

    with app.app_context():
        db.session.execute(
            text(
                "INSERT INTO user_account (email, name, password_hash, email_confirmed_at,"
                " terms_accepted_at) SELECT 'resident' || n || '@bench.example', "
                "'Resident ' || n, :hash, now(), now() FROM generate_series(1, :count) AS n"
            ),
            {"hash": hasher.hash(PASSWORD), "count": ACCOUNTS},
        )
        db.session.commit()
    return [f"resident{n}@bench.example" for n in range(1, ACCOUNTS + 1)]


def _places(app, count: int) -> list[tuple[float, float]]:
    """(latitude, longitude) of random points inside the districts."""
    with app.app_context():
        rows = db.session.execute(
            text(
                "SELECT ST_Y(spot.geom), ST_X(spot.geom) FROM ST_Dump(ST_GeneratePoints("
                "(SELECT ST_Union(geom) FROM district), :count, 42)) AS spot"
            ),
            {"count": count},
        ).all()
    return [(lat, lon) for lat, lon in rows]


def photo_with_gps(seed: int) -> bytes:
    """A 1024 × 768 JPEG of noise-free colour bands with EXIF GPS and camera tags."""
    rng = random.Random(seed)
    image = Image.new("RGB", (1024, 768), (rng.randrange(256), rng.randrange(256), 90))
    for band in range(0, 768, 64):
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        image.paste(colour, (0, band, 1024, band + 32))
    exif = Image.Exif()
    exif[0x010F] = "BenchCam"  # Make
    exif[0x8825] = {1: "N", 2: (41.0, 42.0, 56.0), 3: "E", 4: (44.0, 47.0, 33.0)}  # GPS
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def _environment(app, upload_dir: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "UPLOAD_DIR": upload_dir,
        "GHIA_ENV": "testing",
    }


async def _log_in(session, base: str, email: str) -> str:
    """Log in through the form; the CSRF token of the new session, for the report form."""
    async with session.get(f"{base}/accounts/login") as page:
        token = CSRF.search(await page.text()).group(1)
    form = {"email": email, "password": PASSWORD, "csrf_token": token}
    async with session.post(f"{base}/accounts/login", data=form, allow_redirects=False) as answer:
        assert answer.status in (302, 303), f"log-in answered {answer.status}"
    async with session.get(f"{base}/map/report") as page:
        return CSRF.search(await page.text()).group(1)


async def _logged_in(base: str, email: str, gate):
    """A session of a resident who has logged in, and its CSRF token."""
    import aiohttp

    # unsafe: the jar keeps cookies of an IP address (127.0.0.1) too.
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with gate:  # argon2 makes a log-in cost more CPU than a report
        return session, await _log_in(session, base, email)


async def _report(session, base: str, token: str, number: int, place, photo: bytes) -> dict:
    """Send one report through the form; its latency and the new report's id (or None)."""
    import aiohttp

    form = aiohttp.FormData()
    fields = {
        "csrf_token": token,
        "category": "road",
        "description": f"bench report {number}",
        "latitude": str(place[0]),
        "longitude": str(place[1]),
        "checked": "1",  # the resident has seen the nearby reports
    }
    for name, value in fields.items():
        form.add_field(name, value)
    form.add_field("photos", photo, filename="IMG.jpg", content_type="image/jpeg")
    started = time.perf_counter()
    async with session.post(f"{base}/map/report", data=form, allow_redirects=False) as answer:
        await answer.read()
    found = re.search(r"/map/reports/(\d+)$", answer.headers.get("Location", ""))
    accepted = answer.status in (302, 303) and found
    return {
        "seconds": time.perf_counter() - started,
        "id": int(found.group(1)) if accepted else None,
    }


async def _resident(session, token, base: str, jobs: list, photos: list, gate) -> list[dict]:
    answers = []
    for number, place in jobs:
        async with gate:
            answers.append(
                await _report(session, base, token, number, place, photos[number % len(photos)])
            )
    return answers


async def _send_all(base: str, emails: list[str], places: list, photos: list) -> dict:
    """Everyone logs in first; the clock runs while the reports are sent."""
    gate = asyncio.Semaphore(CONCURRENCY)
    logged_in = await asyncio.gather(*(_logged_in(base, email, gate) for email in emails))
    numbered = list(enumerate(places))
    share = REPORTS_PER_ACCOUNT
    started = time.perf_counter()
    try:
        answers = await asyncio.gather(
            *(
                _resident(session, token, base, numbered[i * share : (i + 1) * share], photos, gate)
                for i, (session, token) in enumerate(logged_in)
            )
        )
        seconds = time.perf_counter() - started
    finally:
        for session, _ in logged_in:
            await session.close()
    flat = [answer for resident in answers for answer in resident]
    return {
        "seconds": seconds,
        "latencies": [answer["seconds"] for answer in flat],
        "accepted": [answer["id"] for answer in flat if answer["id"]],
        "refused": sum(1 for answer in flat if not answer["id"]),
    }


def _client(base: str, emails: list[str], places: list, photos: list, answers) -> None:
    """The client process: every resident logs in and sends their reports."""
    try:
        answers.put(asyncio.run(_send_all(base, emails, places, photos)))
    except Exception as error:  # the parent says what went wrong
        answers.put({"error": repr(error)})


def _run_client(base: str, emails: list[str], places: list, photos: list) -> dict:
    context = multiprocessing.get_context("spawn")
    answers = context.Queue()
    client = context.Process(target=_client, args=(base, emails, places, photos, answers))
    client.start()
    results = answers.get(timeout=TIMEOUT)
    client.join(timeout=30)
    if "error" in results:
        raise RuntimeError(f"the client failed: {results['error']}")
    return results


def _run_photo_jobs(app, env: dict) -> None:
    """A real worker until no photo job is waiting or running."""
    url = tasks.conninfo(app.config["SQLALCHEMY_DATABASE_URI"])
    command = [sys.executable, "-m", "flask", "--app", "bench.reporting:served_app()", "worker"]
    command += ["--concurrency", "2"]
    worker = subprocess.Popen(command, env=env)
    waiting = (
        "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'smartmap.process_photo'"
        " AND status IN ('todo', 'doing')"
    )
    try:
        deadline = time.monotonic() + TIMEOUT
        with psycopg.connect(url) as conn:
            while conn.execute(waiting).fetchone()[0]:
                if time.monotonic() > deadline:
                    raise TimeoutError("photo jobs did not finish")
                time.sleep(0.2)
    finally:
        stop(worker)


def _check_stored(app, upload_dir: str, accepted: list[int]) -> tuple[int, int, int]:
    """(lost, photos_with_gps, files checked) for the accepted report ids."""
    app = create_app(
        {
            "GHIA_ENV": "testing",
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "UPLOAD_DIR": upload_dir,
        }
    )
    with app.app_context():
        rows = db.session.execute(
            text(
                "SELECT r.id, p.storage_key, p.thumbnail_key FROM map_report r "
                "JOIN map_photo p ON p.report_id = r.id "
                "WHERE r.id = ANY(:ids) AND p.processed"
            ),
            {"ids": accepted},
        ).all()
        keys = [key for _, full, thumb in rows for key in (full, thumb)]
        with_exif = sum(_carries_exif(storage().read(key)) for key in keys)
    return len(set(accepted) - {report_id for report_id, _, _ in rows}), with_exif, len(keys)


def _carries_exif(content: bytes) -> bool:
    with Image.open(io.BytesIO(content)) as image:
        return bool(image.getexif()) or "exif" in image.info


def run() -> dict:
    app = bench_app()
    emails = _accounts(app)
    places = _places(app, ACCOUNTS * REPORTS_PER_ACCOUNT)
    photos = [photo_with_gps(seed) for seed in range(PHOTO_VARIANTS)]
    with tempfile.TemporaryDirectory(prefix="ghia-bench-uploads-") as upload_dir:
        env = _environment(app, upload_dir)
        port = free_port()
        workers = ["--workers", str(GUNICORN_WORKERS)]
        server = start_gunicorn("bench.reporting:served_app()", port, env, workers)
        try:
            click.echo(f"reporting: {len(places)} reports from {ACCOUNTS} residents…")
            results = _run_client(f"http://127.0.0.1:{port}", emails, places, photos)
        finally:
            stop(server)
        started = time.perf_counter()
        _run_photo_jobs(app, env)
        jobs_seconds = time.perf_counter() - started
        lost, with_gps, checked = _check_stored(app, upload_dir, results["accepted"])
    accepted = len(results["accepted"])
    click.echo(
        f"reporting: {accepted} accepted, {results['refused']} refused, {lost} lost, "
        f"{checked} stored photos checked, {with_gps} with EXIF"
    )
    return {
        "reports_per_s": round(accepted / results["seconds"], 1),
        "p99_ms": round(percentile(results["latencies"], 0.99) * 1000, 1),
        "p50_ms": round(statistics.median(results["latencies"]) * 1000, 1),
        "lost": lost,
        "photos_with_gps": with_gps,
        "refused": results["refused"],
        "photo_jobs_s": round(jobs_seconds, 1),
        "reports": len(places),
        "concurrency": CONCURRENCY,
        "server": f"gunicorn, {GUNICORN_WORKERS} sync workers; client: aiohttp in another process",
    }
