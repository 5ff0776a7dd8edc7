"""The signing benchmark's naive design (a hot-row counter), its counter, and what the
database alone takes of each design.

Over HTTP on two cores both designs run out of the app's CPU long before the database is the
limit (bench/signing.py). What scaling out the app servers would meet is the database's own
ceiling, which pgbench (bench/pgbench.py) measures here for both signing statements as the
signing request runs them: BEGIN, the session's user loaded, the signing statement, COMMIT,
from DB_CLIENTS connections (what four app servers of the bench's shape hold) on one petition.
Each connection signs with accounts of its own, one after another, and every fifth
transaction repeats its last signer, as one request in five does over HTTP. Ours runs with the
counter every COUNT_EVERY seconds, as its job would, and the counter's catch-up after the
load is timed too, so our figure pays for all of its counting; the naive statement counts in
place and inserts its rows counted. The loads run ours, naive, naive, ours, each on a petition
of its own, DB_SECONDS each.
"""

import threading
import time
from functools import partial

from sqlalchemy import bindparam, exists, select, text, update

from bench import pgbench
from core.app import USER_BY_ID
from core.db import db
from core.models import District
from petitions import counting
from petitions.models import Petition, Signature
from petitions.services import SIGN_IF_OPEN

DB_CLIENTS = 32
DB_SECONDS = 5.0
DB_SIGNERS = 400_000
DB_LOADS = ("db_ours", "db_naive", "db_naive_again", "db_ours_again")
COUNT_EVERY = 2.0

# The naive statement: the product's signing statement (`petitions.services.SIGN_IF_OPEN`)
# with the hot-row counter added, built from it so the two cannot drift apart: a new signature
# adds one to the petition's count in the same statement, so its row stays locked until the
# request commits.
_petition = Petition.__table__
_added = SIGN_IF_OPEN.get_final_froms()[0].right  # the CTE that inserts the signature
assert _added.name == "added", "SIGN_IF_OPEN changed shape: find its INSERT's CTE anew"
NAIVE_SIGN = SIGN_IF_OPEN.add_cte(
    update(_petition)
    .where(_petition.c.id == bindparam("new_petition_id"), exists(select(_added.c.id)))
    .values(shown_count=_petition.c.shown_count + 1)
    .cte("bumped")
)

# Accounts made in one statement, with consecutive ids.
MANY_SIGNERS = text(
    """
    WITH made AS (
        INSERT INTO user_account (email, name, password_hash, email_confirmed_at)
        SELECT 'db-signer-' || n || '@bench.example', 'Signer ' || n, '!', now()
        FROM generate_series(1, :count) AS n
        RETURNING id
    )
    SELECT min(id), max(id) FROM made
    """
)
KINDS = {
    "user_id": int,
    "new_petition_id": int,
    "new_user_id": int,
    "new_district_id": int,
    "new_show_name": bool,
    "new_notify": bool,
    "counted": bool,
}
# Connection c's k-th new signer is account first + c + (k - 1) × clients (wrapping round
# the accounts, so a machine fast enough to use them all up repeats instead of failing).
CHOOSE_SIGNER = r"""
\set sent :sent + 1
\if :sent % 5 = 0
\set new_user_id :last_new
\else
\set fresh :fresh + 1
\set new_user_id :first_signer + (:client_id + (:fresh - 1) * :clients) % :signers
\set last_new :new_user_id
\endif
\set user_id :new_user_id
"""


def script(statement, end: str = "COMMIT") -> str:
    """One signing request's transaction, as the app runs it."""
    return "\n".join(
        [
            CHOOSE_SIGNER.strip(),
            "BEGIN;",
            pgbench.statement_sql(USER_BY_ID, KINDS),
            pgbench.statement_sql(statement, KINDS),
            f"{end};",
        ]
    )


def variables(statement, petition_id: int, signers: tuple[int, int]) -> dict:
    """The script's variables: signers from the ids `signers` (first, last), each in the
    first district, showing no name and asking for no mail."""
    district = db.session.scalar(select(District.id).order_by(District.id).limit(1))
    return {
        **pgbench.fixed_values(statement),
        "first_signer": signers[0],
        "signers": signers[1] - signers[0] + 1,
        "clients": DB_CLIENTS,
        "sent": 0,
        "fresh": 0,
        "last_new": signers[0],
        "new_petition_id": petition_id,
        "new_district_id": district,
        "new_show_name": False,
        "new_notify": False,
        "counted": statement is NAIVE_SIGN,  # the naive design has counted it already
    }


def database_loads(app, petitions: dict[str, int]) -> dict[str, dict]:
    """Each design's statement from pgbench on its own petition (`petitions[name]` for each
    of DB_LOADS), in the order ours, naive, naive, ours; transactions per second over the
    load and, for ours, the counter's catch-up after it."""
    with app.app_context():
        signers = tuple(db.session.execute(MANY_SIGNERS, {"count": DB_SIGNERS}).one())
        db.session.execute(text("ANALYZE user_account"))
        db.session.commit()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    loads = {}
    for name in DB_LOADS:
        statement = NAIVE_SIGN if "naive" in name else SIGN_IF_OPEN
        with app.app_context():
            values, sql = variables(statement, petitions[name], signers), script(statement)
            db.session.rollback()
        load = partial(pgbench.run, url, sql, DB_CLIENTS, DB_SECONDS, values)
        loads[name] = load() if statement is NAIVE_SIGN else _ours_counted(app, load)
    return loads


def _ours_counted(app, load) -> dict:
    """Our load with the counter running, then the counter's catch-up, timed with the load."""
    ran = with_counter(app, load)
    started = time.perf_counter()
    count(app)
    seconds = ran["seconds"] + time.perf_counter() - started
    return {**ran, "seconds": seconds, "per_s": round(ran["transactions"] / seconds, 1)}


# The counter, as the periodic job runs it.


def count(app) -> int:
    with app.test_request_context():
        counted = counting.count_new_signatures()
        db.session.commit()
        return counted


def with_counter(app, load):
    """Run `load()` while the counter runs every COUNT_EVERY seconds, as its job would."""
    done = threading.Event()

    def counter() -> None:
        while not done.wait(COUNT_EVERY):
            count(app)

    thread = threading.Thread(target=counter)
    thread.start()
    try:
        return load()
    finally:
        done.set()
        thread.join()


def mark_counted(app, petition_id: int) -> None:
    """The naive route has counted a petition's signatures in place (its rows go in as the
    product's statement writes them, uncounted): the real counter must not count them again."""
    with app.app_context():
        db.session.execute(
            update(Signature).where(Signature.petition_id == petition_id).values(counted=True)
        )
        db.session.commit()
