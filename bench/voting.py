"""Parallel ballot submissions over HTTP against gunicorn: rate, latency, and exactness.

RESIDENTS verified residents of one district are made in bulk by SQL; each gets a signed
session cookie and CSRF token made in this process (no log-in round trips, which would time
the password hash). gunicorn serves the app; a separate process (bench/voting_client.py) runs
CLIENTS asyncio clients, each posting its own residents' submissions in order: a valid knapsack
ballot, for some an over-budget attempt (must be refused with 422), for some a changed vote.
Afterwards the database is read: `lost` counts residents whose last accepted ballot is not the
one stored, `over_budget` stored ballots (or accepted attempts) over the budget, `duplicates`
extra rows per person. All three must be 0.
"""

import json
import os
import random
import subprocess
import sys
import tempfile
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

from flask import session
from flask_login import login_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import text

from bench.common import bench_app, free_port, start_gunicorn, stop
from budgeting import services
from budgeting.models import Ballot, BallotKind, Phase, Rule
from core.app import create_app
from core.db import db, utcnow
from core.districts import by_slug
from core.models import User

RESIDENTS = 2000
CLIENTS = 64
WORKERS = 4
DISTRICT = "vake"
BUDGET = 100_000
COSTS = [60_000, 30_000, 50_000, 20_000, 10_000, 40_000]
AGENT = "ghia-bench"  # Flask-Login ties a session to its address and browser
CONFIG = {"GHIA_ENV": "testing", "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False}


def server_app():
    """What gunicorn serves (`bench.voting:server_app()`): the bench database, no rate limit
    (every client comes from one address)."""
    return create_app(CONFIG)


def _ballot() -> Ballot:
    now = utcnow()
    cycle = services.create_cycle(
        None,
        title_ka="ბიუჯეტი (ტესტი)",
        title_en="Budget (benchmark)",
        proposals_at=now - timedelta(days=3),
        review_at=now - timedelta(days=2),
        voting_at=now - timedelta(days=1),
        results_at=now + timedelta(days=5),
    )
    ballot = services.add_ballot(
        None,
        cycle,
        district_id=by_slug(DISTRICT).id,
        title_ka="ვაკე",
        kind=BallotKind.KNAPSACK.value,
        rule=Rule.GREEDY.value,
        budget=Decimal(BUDGET),
    )
    for number, cost in enumerate(COSTS):
        services.add_option(None, ballot, name_ka=f"პროექტი {number}", cost=Decimal(cost))
    services.move_phase(cycle, Phase.VOTING)
    return ballot


BULK_RESIDENTS = text(
    """
    INSERT INTO user_account (email, name, password_hash, locale, email_confirmed_at,
                              verified_district_id, residency_verified_at)
    SELECT 'voter' || n || '@bench.example', 'Voter ' || n, '!', 'ka', now(), :district, now()
    FROM generate_series(1, :count) AS n
    RETURNING id
    """
)


def _sessions(app, user_ids: list[int]) -> list[tuple[str, str]]:
    """A signed session cookie and its CSRF token per resident, as after logging in."""
    serializer = app.session_interface.get_signing_serializer(app)
    made = []
    for user_id in user_ids:
        # An app context each: Flask-WTF caches the token in `g`, which lives there.
        with app.app_context(), app.test_request_context(headers={"User-Agent": AGENT}):
            login_user(db.session.get(User, user_id))
            token = generate_csrf()
            made.append((serializer.dumps(dict(session)), token))
            db.session.remove()
    return made


def _fits(codes: list[str], cost: dict[str, int]) -> bool:
    return sum(cost[c] for c in codes) <= BUDGET


def _plan(ballot: Ballot, sessions) -> list[dict]:
    """Each resident's submissions in order: (choices, whether it must be accepted)."""
    cost = {o.code: int(o.cost) for o in ballot.options}
    codes = sorted(cost)
    valid = [list(c) for c in _subsets(codes) if _fits(list(c), cost)]
    over = [list(c) for c in _subsets(codes) if not _fits(list(c), cost)]
    rng = random.Random(7)
    plan = []
    for (cookie, token), user_id in sessions:
        steps = [(rng.choice(valid), True)]
        if rng.random() < 0.25:
            steps.append((rng.choice(over), False))
        if rng.random() < 0.25:
            steps.append((rng.choice(valid), True))
        plan.append({"user": user_id, "cookie": cookie, "steps": [
            {"body": urlencode([("csrf_token", token), *[("option", c) for c in choice]]),
             "choices": choice, "ok": ok} for choice, ok in steps]})  # fmt: skip
    return plan


def _subsets(codes: list[str]):
    for mask in range(1, 2 ** len(codes)):
        yield tuple(c for i, c in enumerate(codes) if mask >> i & 1)


def _client(port: int, path: str, plan: list[dict]) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"port": port, "path": path, "clients": CLIENTS, "plan": plan}, handle)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.voting_client", handle.name],
            capture_output=True, text=True, check=True, timeout=600,
        )  # fmt: skip
    finally:
        os.unlink(handle.name)
    return json.loads(done.stdout)


STORED = text(
    """
    SELECT v.voter_id, v.choices,
           (SELECT coalesce(sum(o.cost), 0) FROM budget_option o
             WHERE o.ballot_id = v.ballot_id AND v.choices ? o.code) AS cost
    FROM budget_vote v WHERE v.ballot_id = :ballot
    """
)


def _check(app, ballot_id: int, plan: list[dict], answers: dict) -> dict:
    with app.app_context():
        rows = db.session.execute(STORED, {"ballot": ballot_id}).all()
    stored = {}
    duplicates = 0
    for voter_id, choices, cost in rows:
        duplicates += voter_id in stored
        stored[voter_id] = (sorted(choices), cost)
    lost = over_budget = 0
    for person in plan:
        accepted = [s for s in person["steps"] if s["ok"]]
        lost += stored.get(person["user"], (None,))[0] != sorted(accepted[-1]["choices"])
    over_budget = sum(cost > BUDGET for _, cost in stored.values())
    over_budget += answers["over_budget_accepted"]
    lost += answers["valid_refused"]
    return {"lost": lost, "over_budget": over_budget, "duplicates": duplicates}


def run() -> dict:
    app = bench_app()
    with app.test_request_context():
        ballot = _ballot()
        district = by_slug(DISTRICT).id
        user_ids = list(
            db.session.scalars(BULK_RESIDENTS, {"district": district, "count": RESIDENTS})
        )
        db.session.commit()
        ballot_id = ballot.id
        sessions = list(zip(_sessions(app, user_ids), user_ids, strict=True))
        plan = _plan(db.session.get(Ballot, ballot_id), sessions)
    port = free_port()
    env = {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "GHIA_ENV": "testing"}
    server = start_gunicorn("bench.voting:server_app()", port, env, ["-w", str(WORKERS)])
    try:
        answers = _client(port, f"/budget/ballots/{ballot_id}/vote", plan)
    finally:
        stop(server)
    return {
        "ballots_per_s": answers["ballots_per_s"],
        "p99_ms": answers["p99_ms"],
        **_check(app, ballot_id, plan, answers),
        "submissions": answers["submissions"],
        "over_budget_attempts": answers["over_budget_attempts"],
        "clients": CLIENTS,
        "gunicorn_workers": WORKERS,
        "errors": answers["errors"],
    }
