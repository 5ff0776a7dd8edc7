"""Signing under load (SPEC §4 "Counting under load", §9 `signing`), over real HTTP.

Server: gunicorn serving the bench app (`bench.signing:server_app()`: the bench database, rate
limits off) with WORKERS workers of class WORKER_CLASS (THREADS threads each), on a free port.
Load: CLIENTS = 64 concurrent keep-alive clients (`bench.keepalive`) on one asyncio loop, in a
process of their own (the server's processes are not slowed by the client's interpreter lock).

SIGNERS distinct confirmed accounts are inserted in one statement; each is logged in the way
the log-in page does it (`core.security.start_session`, then the app's own session cookie
serializer) and carries the CSRF token of its session, so every request passes the same
checks as a resident's. One request in five repeats an earlier signer (often while the first
is still in flight). Each load signs a petition of its own, whose threshold lies inside the
load; the counter (`petitions.counting.count_new_signatures`, what the `petitions.count` job
runs) runs every COUNT_EVERY seconds (bench.signing_db) during our loads and once after all.

Two ways of loading, and they answer different questions:

- Saturation (closed loop): each client sends its next request as soon as the last one is
  answered. This gives the most the server does: `signatures_per_s`. Its latencies are NOT
  the latency figures: in a closed loop the mean latency is CLIENTS / throughput (Little's
  law), so 64 clients at 500/s wait 128 ms on average whatever the server does. They are
  recorded as `saturation_p50_ms`/`saturation_p99_ms`.
- Fixed rate (open loop, as wrk2 does): the same CLIENTS send request i at start + i / RATE
  (OFFERED_PER_S = 500 signatures/s), and each latency runs from that scheduled moment, not
  from when a client got round to sending it, so a server that falls behind is charged with
  the queue it causes (no coordinated omission). `p50_ms`/`p99_ms` come from this run, with
  `offered_per_s` and the rate actually answered, `achieved_per_s` (below the offered rate
  when the server cannot keep up; then its latencies grow without bound).

The naive design gets the saturation load too: a signing route registered on the bench app
only (never in the product) that runs the product's own signing statement with
`shown_count = shown_count + 1` on the petition row added to it (`bench.signing_db.NAIVE_SIGN`),
which SPEC §4 forbids, so the row stays locked until the request commits and every new
signature waits for the one before. The two routes differ only in how they count. Each
design's saturation load runs twice, in the order ours, naive, (fixed rate), naive, ours, so
that a machine whose speed drifts during the run favours neither; `signatures_per_s`,
`naive_signatures_per_s` and their `ratio_vs_naive` are each design's answers over the time
of its two loads. Then pgbench gives each design's statement to the database alone, where the
hot row bites (`bench.signing_db`: the `db_*` keys).

Figures: `signatures_per_s` counts signing requests answered (a repeat is a request like any
other); `lost` is signers answered "signed" with no row, `doubled` rows beyond one per signer
(both summed over our three loads), `count_exact` the shown count equal to the distinct
signers after the counter (in all three), `threshold_events` the `petition.threshold` events
of the first saturation load's petition (must be 1; `again_threshold_events` the second's,
`paced_threshold_events` the fixed-rate load's). The `naive_*` keys are the same checks of the
naive loads. `requests`, `answers`, `client_cpu_ms` and the saturation latencies cover both
saturation loads of a design (twice the plan's requests; `paced_requests` is the fixed-rate
load's); `app_cpu_ms` and `db_cpu_ms` are the CPU gunicorn's workers and PostgreSQL's backends
(when local) spent per request in them, the counter's work included in ours.
"""

import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, abort, redirect, session, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import func, select, text

from bench.common import (
    bench_app,
    cpu_while,
    free_port,
    percentile,
    postmaster_pid,
    start_gunicorn,
    stop,
)
from bench.keepalive import Client, post_request
from bench.signing_db import (
    DB_CLIENTS,
    DB_LOADS,
    DB_SECONDS,
    NAIVE_SIGN,
    bulk_signers,
    count_signatures,
    database_loads,
    mark_counted,
    with_counter,
)
from core.app import create_app
from core.db import db, execute_core
from core.models import Event, Role, RoleGrant, User
from core.permissions import require_confirmed
from core.security import start_session
from petitions import services
from petitions.forms import SignForm
from petitions.models import Petition, Signature

# The server's shape: one gthread worker per core, 4 threads each, spent the least CPU per
# request of the shapes tried (4x8, 2x8, 2x4 gthread; 4 and 6 sync, which also reconnect per
# request). SIGNING_SERVER=class:workers:threads
# (e.g. "sync:5:1") tries another on a given machine.
WORKER_CLASS, WORKERS, THREADS = "gthread", 2, 4
if os.environ.get("SIGNING_SERVER"):
    _shape = os.environ["SIGNING_SERVER"].split(":")
    WORKER_CLASS, WORKERS, THREADS = _shape[0], int(_shape[1]), int(_shape[2])
CLIENTS = 64
OFFERED_PER_S = 500.0
SIGNERS = 3000
WARM_UP_SIGNERS = 128
THRESHOLD = SIGNERS // 5
# A busy machine may be slow: each load stops sending after this long (answers still come),
# so the whole run (five loads) stays within about four minutes.
LOAD_SECONDS = 45.0
USER_AGENT = "ghia-bench-signing"

naive_routes = Blueprint("bench_naive", __name__)


@naive_routes.post("/bench/naive/<int:petition_id>/sign")
@require_confirmed
def naive_sign(petition_id: int):
    """The product's signing view with the hot-row counter inside its transaction."""
    form = SignForm(meta={"csrf": False})
    if not form.validate_on_submit():  # as the product view
        abort(400)
    values = {
        "new_petition_id": petition_id,
        "new_user_id": current_user.id,
        "new_district_id": current_user.verified_district_id or current_user.district_id,
        "new_show_name": bool(form.show_name.data),
        "new_notify": bool(form.notify.data),
    }
    if execute_core(NAIVE_SIGN, values).first() is None:
        abort(409)  # the product view tells why; the bench signs only open petitions
    return redirect(url_for("petitions.detail", petition_id=petition_id, signed=1))


def server_app():
    """What gunicorn serves: the app on DATABASE_URL (the bench database) with the bench's
    SECRET_KEY (from the environment, so its session cookies are valid), rate limits off,
    plus the naive route."""
    app = create_app({"GHIA_ENV": "testing", "RATELIMIT_ENABLED": False})
    app.register_blueprint(naive_routes)
    return app


# Setting up: the petitions and the signers.


def _open_petition(title: str) -> int:
    """An open petition taken through the real transitions (no supporters needed here)."""
    author, moderator = bulk_signers("author-" + title, 2)
    db.session.add(RoleGrant(user_id=moderator, role=Role.MODERATOR.value))
    db.session.flush()
    author_user, moderator_user = db.session.get(User, author), db.session.get(User, moderator)
    data = services.PetitionInput(title=f"Bench petition {title}", summary="Signing under load.")
    petition = services.create_petition(author_user, data)
    services.ask_for_sponsors(author_user, petition)
    services.approve(moderator_user, petition)
    db.session.commit()
    return petition.id


def _logins(app, user_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Each user's session cookie and CSRF token, made as a log-in from the load generator
    (its address and User-Agent) would make them."""
    serializer = app.session_interface.get_signing_serializer(app)
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    users = db.session.scalars(select(User).where(User.id.in_(user_ids))).all()
    logins = {}
    environ = {"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": USER_AGENT}
    for user in users:
        # A context of its own per user: Flask-WTF keeps the token of a context in `g`.
        with app.app_context(), app.test_request_context(environ_base=environ):
            start_session(user)
            token = generate_csrf()
            logins[user.id] = (f"{cookie_name}={serializer.dumps(dict(session))}", token)
    return logins


def _plan(user_ids: list[int], seed: int) -> list[int]:
    """The signers in request order: after every fourth new signer, an earlier one again."""
    rng = random.Random(seed)
    order = list(user_ids)
    rng.shuffle(order)
    requests = []
    for i, user_id in enumerate(order):
        requests.append(user_id)
        if i % 4 == 3:
            requests.append(rng.choice(order[: i + 1]))
    return requests


# The load generator (its own process).


def drive(
    base_url: str,
    posts: list[tuple[str, str, str]],
    clients: int,
    seconds: float,
    rate: float | None = None,
) -> dict:
    """POST each (path, cookie, token) in turn with `clients` concurrent clients, sending none
    after `seconds`; latencies, the answer to each post (0: not sent) and the wall time from
    the first request to the last answer. With a `rate`, post i is due at start + i / rate
    and its latency counts from then (open loop); without, as fast as answers come."""
    started = time.process_time()
    figures = asyncio.run(_drive(base_url, posts, clients, seconds, rate))
    return {**figures, "client_cpu_s": time.process_time() - started}


async def _drive(base_url: str, posts: list, clients: int, seconds: float, rate) -> dict:
    host = urlsplit(base_url).netloc
    requests = [
        post_request(
            host,
            path,
            {"Cookie": cookie, "User-Agent": USER_AGENT},
            urlencode({"csrf_token": token}).encode(),
        )
        for path, cookie, token in posts
    ]
    pending = enumerate(requests)  # shared by the clients: one loop, one thread
    latencies: list[float] = []
    statuses: list[int] = [0] * len(posts)

    async def client() -> None:
        http = Client(base_url)
        for index, request in pending:
            if time.perf_counter() > stop_sending:
                break
            start = time.perf_counter()
            if rate:
                start = started + index / rate  # due then, whether or not a client was free
                await asyncio.sleep(start - time.perf_counter())
            statuses[index] = await http.ask(request)
            latencies.append(time.perf_counter() - start)
        http.close()

    started = time.perf_counter()
    stop_sending = started + seconds
    await asyncio.gather(*(client() for _ in range(clients)))
    seconds = time.perf_counter() - started
    return {"latencies": latencies, "statuses": statuses, "seconds": seconds}


# The server.


def _serve(app) -> tuple[subprocess.Popen, str]:
    """gunicorn on a free port with the bench app's database and secret key (its cookies)."""
    port = free_port()
    env = {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "GHIA_ENV": "testing",
    }
    shape = ["--workers", str(WORKERS), "--worker-class", WORKER_CLASS, "--threads", str(THREADS)]
    server = start_gunicorn("bench.signing:server_app()", port, env, shape)
    return server, f"http://127.0.0.1:{port}"


# Checks after a run.


def _stored(petition_id: int) -> dict:
    """After the counter: the signers of a petition, its rows beyond one per signer, and
    whether its shown count equals its signers."""
    rows, distinct = db.session.execute(
        select(func.count(), func.count(Signature.user_id.distinct())).where(
            Signature.petition_id == petition_id
        )
    ).one()
    petition = db.session.get(Petition, petition_id)
    db.session.refresh(petition)
    return {
        "distinct": distinct,
        "doubled": rows - distinct,
        "count_exact": petition.shown_count == distinct,
    }


def _checks(petition_id: int, signers: set[int]) -> dict:
    """What a resident or an auditor would notice: missing or extra signatures, a wrong count,
    the threshold fired other than once."""
    stored = _stored(petition_id)
    present = db.session.scalar(
        select(func.count(Signature.user_id.distinct())).where(
            Signature.petition_id == petition_id, Signature.user_id.in_(signers)
        )
    )
    ref = db.session.get(Petition, petition_id).ref
    events = db.session.scalar(
        select(func.count()).where(Event.kind == "petition.threshold", Event.ref == ref)
    )
    return {
        "lost": len(signers) - present,
        "doubled": stored["doubled"],
        "count_exact": stored["count_exact"] and stored["distinct"] == len(signers),
        "threshold_events": events,
    }


def _figures(load: dict) -> dict:
    latencies = load["latencies"]
    return {
        "signatures_per_s": round(len(latencies) / load["seconds"], 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "requests": len(latencies),
        "client_cpu_ms": round(load["client_cpu_s"] / max(len(latencies), 1) * 1000, 3),
        "app_cpu_ms": round(load.get("app_cpu_s", 0) / max(len(latencies), 1) * 1000, 3),
        "db_cpu_ms": round(load.get("db_cpu_s", 0) / max(len(latencies), 1) * 1000, 3),
        "answers": dict(Counter(status for status in load["statuses"] if status)),
    }


def _load(pool, base_url: str, path: str, plan: list[int], logins: dict, rate=None, pids=()):
    """One load; with `pids` (gunicorn's master, PostgreSQL's postmaster or None), also the
    CPU their children (the workers, the backends) spent meanwhile."""
    posts = [(path, *logins[user_id]) for user_id in plan]
    load, spent = cpu_while(
        pids, lambda: pool.submit(drive, base_url, posts, CLIENTS, LOAD_SECONDS, rate).result()
    )
    answers = Counter(status for status in load["statuses"] if status)
    if set(answers) - {302}:  # every signer is confirmed and every petition open
        raise RuntimeError(f"{path}: answers other than signed: {dict(answers)}")
    return {**load, **dict(zip(("app_cpu_s", "db_cpu_s"), spent, strict=False))}


def _signed(plan: list[int], load: dict) -> set[int]:
    """Signers the server answered as signed: the redirect back to the petition."""
    answers = zip(plan, load["statuses"], strict=True)
    return {user_id for user_id, status in answers if status == 302}


def _say(message: str) -> None:
    print(f"signing: {message}", file=sys.stderr, flush=True)


# Saturation loads run ours, naive, naive again, ours again (ABBA), each on a petition of its
# own, so that a machine speeding up or slowing down during the run favours neither design;
# the fixed-rate load runs between the two pairs. The database loads (bench.signing_db) sign
# petitions of their own too.
PETITIONS = ("ours", "naive", "paced", "naive_again", "ours_again", "warm", *DB_LOADS)


def _prepare(app) -> dict:
    """An open petition per run (and a warm-up one) and the signers' logins."""
    with app.app_context():
        count_signatures(app)  # the demo's own signatures, under the demo's thresholds
        app.config.update(PETITION_SPONSORS=0, PETITION_THRESHOLDS=str(THRESHOLD))
        petitions = {name: _open_petition(name) for name in PETITIONS}
        signers = bulk_signers("signer", SIGNERS)
        logins = _logins(app, signers)
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return {**petitions, "signers": signers, "logins": logins}


def _measure(app, base_url: str, pids: tuple, setup: dict, plan: list[int]) -> dict[str, dict]:
    """Warm every worker up on both routes, then the saturation loads of both designs in the
    order ours, naive, naive, ours with our fixed-rate load in the middle (ours with the
    counter running, as its periodic job would)."""
    logins = setup["logins"]

    def ours(name: str, rate=None) -> dict:
        path = f"/petitions/{setup[name]}/sign"
        return with_counter(app, lambda: _load(pool, base_url, path, plan, logins, rate, pids))

    def naive_load(name: str, signers=plan, measured=pids) -> dict:
        path = f"/bench/naive/{setup[name]}/sign"
        answered = _load(pool, base_url, path, signers, logins, pids=measured)
        mark_counted(app, setup[name])
        return answered

    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        # Each route warms up with signers of its own, so both run their inserts.
        warm, warm_too = _halves(setup["signers"][: 2 * WARM_UP_SIGNERS])
        naive_load("warm", warm, measured=())
        _load(pool, base_url, f"/petitions/{setup['warm']}/sign", warm_too, logins)
        _say(f"{len(plan)} signing requests, {CLIENTS} clients, as fast as answered, ours")
        loads = {"ours": ours("ours")}
        _say("the same on the naive route")
        loads["naive"] = naive_load("naive")
        _say(f"ours, the same requests offered at {OFFERED_PER_S:.0f}/s")
        loads["paced"] = ours("paced", OFFERED_PER_S)
        _say("the naive route and ours again, as fast as answered")
        loads["naive_again"] = naive_load("naive_again")
        loads["ours_again"] = ours("ours_again")
    return loads


def _halves(items: list) -> tuple[list, list]:
    middle = len(items) // 2
    return items[:middle], items[middle:]


def run() -> dict:
    _say("a fresh bench database with the demo data")
    app = bench_app()
    _say(f"{SIGNERS} signers and their sessions")
    setup = _prepare(app)
    plan = _plan(setup["signers"], seed=1)
    server, base_url = _serve(app)
    try:
        loads = _measure(app, base_url, (server.pid, postmaster_pid(app)), setup, plan)
    finally:
        stop(server)
    _say(f"both statements from pgbench alone, {DB_CLIENTS} connections, ours, naive, naive, ours")
    db_loads = database_loads(app, setup)
    with app.app_context():
        count_signatures(app)
        checks = {name: _checks(setup[name], _signed(plan, loads[name])) for name in loads}
        checks.update({name: _stored(setup[name]) for name in DB_LOADS})
    figures = {
        "ours": _figures(_both(loads["ours"], loads["ours_again"])),
        "naive": _figures(_both(loads["naive"], loads["naive_again"])),
        "paced": _figures(loads["paced"]),
    }
    return {**_report(figures, checks), **_database_report(db_loads, checks)}


def _database_report(loads: dict, checks: dict) -> dict:
    """The database's ceiling for each design over its two pgbench loads: signing
    transactions per second (one in five a repeat, as `signatures_per_s` counts requests),
    and the new signatures stored per second."""

    def both(design: str) -> tuple[str, str]:
        return design, f"{design}_again"

    def rate(design: str) -> float:
        seconds = sum(loads[name]["seconds"] for name in both(design))
        return round(sum(loads[name]["transactions"] for name in both(design)) / seconds, 1)

    def new_rate(design: str) -> float:
        seconds = sum(loads[name]["seconds"] for name in both(design))
        return round(sum(checks[name]["distinct"] for name in both(design)) / seconds, 1)

    def latency(design: str) -> float:
        return round(sum(loads[name]["latency_ms"] for name in both(design)) / 2, 2)

    ours, naive = rate("db_ours"), rate("db_naive")
    return {
        "db_signatures_per_s": ours,
        "db_naive_signatures_per_s": naive,
        "db_ratio_vs_naive": round(ours / naive, 2),
        "db_new_signatures_per_s": new_rate("db_ours"),
        "db_naive_new_signatures_per_s": new_rate("db_naive"),
        "db_latency_ms": latency("db_ours"),
        "db_naive_latency_ms": latency("db_naive"),
        "db_failed": sum(load["failed"] for load in loads.values()),
        "db_doubled": sum(checks[name]["doubled"] for name in DB_LOADS),
        "db_count_exact": all(checks[name]["count_exact"] for name in DB_LOADS),
        "db_clients": f"{DB_CLIENTS} pgbench connections, {DB_SECONDS} s per load",
    }


def _both(first: dict, second: dict) -> dict:
    """Two saturation loads of one design as one: all answers over the time of both."""
    keys = ("latencies", "statuses", "seconds", "client_cpu_s", "app_cpu_s", "db_cpu_s")
    return {key: first[key] + second[key] for key in keys}


def _report(figures: dict, checks: dict) -> dict:
    ours, paced, naive = figures["ours"], figures["paced"], figures["naive"]
    mine = (checks["ours"], checks["ours_again"], checks["paced"])
    naives = (checks["naive"], checks["naive_again"])
    return {
        "signatures_per_s": ours["signatures_per_s"],
        "p50_ms": paced["p50_ms"],
        "p99_ms": paced["p99_ms"],
        "offered_per_s": OFFERED_PER_S,
        "achieved_per_s": paced["signatures_per_s"],
        "saturation_p50_ms": ours["p50_ms"],
        "saturation_p99_ms": ours["p99_ms"],
        "lost": sum(c["lost"] for c in mine),
        "doubled": sum(c["doubled"] for c in mine),
        "count_exact": all(c["count_exact"] for c in mine),
        "threshold_events": checks["ours"]["threshold_events"],
        "paced_threshold_events": checks["paced"]["threshold_events"],
        "again_threshold_events": checks["ours_again"]["threshold_events"],
        "naive_signatures_per_s": naive["signatures_per_s"],
        "ratio_vs_naive": round(ours["signatures_per_s"] / naive["signatures_per_s"], 2),
        "naive_p50_ms": naive["p50_ms"],
        "naive_p99_ms": naive["p99_ms"],
        "naive_lost": sum(c["lost"] for c in naives),
        "naive_doubled": sum(c["doubled"] for c in naives),
        "naive_count_exact": all(c["count_exact"] for c in naives),
        "requests": ours["requests"],
        "client_cpu_ms": ours["client_cpu_ms"],
        "app_cpu_ms": ours["app_cpu_ms"],
        "db_cpu_ms": ours["db_cpu_ms"],
        "naive_app_cpu_ms": naive["app_cpu_ms"],
        "naive_db_cpu_ms": naive["db_cpu_ms"],
        "paced_requests": paced["requests"],
        "naive_requests": naive["requests"],
        "answers": ours["answers"],
        "paced_answers": paced["answers"],
        "naive_answers": naive["answers"],
        "signers": SIGNERS,
        "threshold": THRESHOLD,
        "server": f"gunicorn, {WORKERS} {WORKER_CLASS} workers x {THREADS} threads",
        "clients": f"{CLIENTS} keep-alive clients (bench.keepalive) in their own process",
    }
