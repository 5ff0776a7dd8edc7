"""The signing benchmark's naive design (a hot-row counter), its counter, and what the
database alone takes of each design.

Over HTTP on two cores both designs run out of the app's CPU long before the database is the
limit (bench/signing.py). What scaling out the app servers would meet is the database's own
ceiling, which pgbench (bench/pgbench.py) measures here for both signing statements as the
signing request runs them: BEGIN, the session's user loaded, the signing statement, COMMIT,
from DB_CLIENTS connections (what four app servers of the bench's shape hold) on one petition.
Each connection signs with accounts of its own, one after another, and every fifth
transaction repeats that connection's last signer (already committed, where over HTTP a
repeat is any earlier signer, often still in flight).

Ours runs with the counter every COUNT_EVERY seconds (its job runs every 5 s, so this costs
ours more, not less); after the load the counter catches up and the tables are vacuumed, and
that time counts as the load's. After a naive load the tables are vacuumed as well, timed the
same way; the naive statement inserts its rows counted and keeps no tallies by day and
district, checks no threshold and sends no progress notice, all of which ours pays for. The
loads run ours, naive, naive, ours, each on a petition of its own, DB_SECONDS each.
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
DB_SECONDS = 5  # pgbench takes whole seconds
DB_SIGNERS = 400_000  # new signers for 80,000 transactions a second
DB_LOADS = ("db_ours", "db_naive", "db_naive_again", "db_ours_again")
COUNT_EVERY = 2.0

# The naive statement: the product's signing statement (`petitions.services.SIGN_IF_OPEN`)
# with the hot-row counter added, built from it so the two cannot drift apart: a new signature
# adds one to the petition's count in the same statement, so its row stays locked until the
# request commits.
_petition = Petition.__table__
_added = SIGN_IF_OPEN.get_final_froms()[0].right  # the CTE that inserts the signature
if getattr(_added, "name", None) != "added":
    raise RuntimeError("SIGN_IF_OPEN changed shape: find the CTE of its INSERT anew")
NAIVE_SIGN = SIGN_IF_OPEN.add_cte(
    update(_petition)
    .where(_petition.c.id == bindparam("new_petition_id"), exists(select(_added.c.id)))
    .values(shown_count=_petition.c.shown_count + 1)
    .cte("bumped")
)

# Confirmed accounts in one statement, spread over the districts. They have no usable
# password: the bench logs them in with session cookies.
BULK_SIGNERS = text(
    """
    INSERT INTO user_account (email, name, password_hash, email_confirmed_at, district_id)
    SELECT CAST(:prefix AS text) || '-' || n || '@bench.example', 'Signer ' || n, '!', now(),
           districts.ids[1 + n % cardinality(districts.ids)]
    FROM generate_series(0, :count - 1) AS n,
         (SELECT array_agg(id ORDER BY id) AS ids FROM district) AS districts
    RETURNING id
    """
)
# Casts for the parameters the compiler leaves untyped (those of the INSERT's SELECT list):
# `counted` is the hidden parameter SQLAlchemy adds for the column's Python default.
KINDS = {
    "new_user_id": int,
    "new_district_id": int,
    "new_show_name": bool,
    "new_notify": bool,
    "counted": bool,
}
# Connection c's k-th new signer is account first + c + (k - 1) × clients; past the last
# account there is none, and the load fails on the foreign key rather than repeat signers.
CHOOSE_SIGNER = r"""
\set sent :sent + 1
\if :sent % 5 = 0
\set new_user_id :last_new
\else
\set fresh :fresh + 1
\set new_user_id :first_signer + :client_id + (:fresh - 1) * :clients
\set last_new :new_user_id
\endif
\set user_id :new_user_id
"""


def bulk_signers(prefix: str, count: int) -> list[int]:
    """`count` new confirmed accounts (e-mail `<prefix>-<n>@bench.example`); their ids in
    order, consecutive since one statement draws them from the sequence."""
    ids = sorted(db.session.scalars(BULK_SIGNERS, {"prefix": prefix, "count": count}))
    db.session.commit()
    return ids


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


def variables(statement, petition_id: int, first_signer: int) -> dict:
    """The script's variables: signers from the account `first_signer` on, each in the first
    district, showing no name and asking for no mail."""
    district = db.session.scalar(select(District.id).order_by(District.id).limit(1))
    return {
        **pgbench.fixed_values(statement),
        "first_signer": first_signer,
        "clients": DB_CLIENTS,
        "sent": 0,
        "fresh": 0,
        "last_new": first_signer,
        "new_petition_id": petition_id,
        "new_district_id": district,
        "new_show_name": False,
        "new_notify": False,
        "counted": statement is NAIVE_SIGN,  # the naive design has counted it already
    }


def database_loads(app, petitions: dict[str, int]) -> dict[str, dict]:
    """Each design's statement from pgbench on its own petition (`petitions[name]` for each
    of DB_LOADS), in the order ours, naive, naive, ours."""
    count_signatures(app)  # what the HTTP loads left, so that no load counts it
    with app.app_context():
        first_signer = bulk_signers("db-signer", DB_SIGNERS)[0]
    _vacuum(app)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    loads = {}
    for name in DB_LOADS:
        statement = NAIVE_SIGN if "naive" in name else SIGN_IF_OPEN
        with app.app_context():
            values, sql = variables(statement, petitions[name], first_signer), script(statement)
            db.session.rollback()
        load = partial(pgbench.run, url, sql, DB_CLIENTS, DB_SECONDS, values)
        if statement is SIGN_IF_OPEN:
            load = partial(with_counter, app, load)
        loads[name] = _with_aftermath(app, load, statement is SIGN_IF_OPEN)
    return loads


def _with_aftermath(app, load, counts_after: bool) -> dict:
    """A load and what it leaves to do, timed together: the counter's catch-up (ours) and
    the vacuum of the rows it dirtied (both designs)."""
    ran = load()
    started = time.perf_counter()
    if counts_after:
        count_signatures(app)
    _vacuum(app)
    seconds = ran["seconds"] + time.perf_counter() - started
    return {**ran, "seconds": seconds, "per_s": round(ran["transactions"] / seconds, 1)}


def _vacuum(app) -> None:
    """VACUUM (ANALYZE) the tables signing writes; it runs outside a transaction."""
    with app.app_context(), db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.execute(text("VACUUM (ANALYZE) user_account, petition, petition_signature"))


# The counter, as the periodic job runs it.


def count_signatures(app) -> int:
    with app.test_request_context():
        counted = counting.count_new_signatures()
        db.session.commit()
        return counted


def with_counter(app, load):
    """Run `load()` while the counter runs every COUNT_EVERY seconds, as its job would (every
    5 s in the product)."""
    done = threading.Event()

    def counter() -> None:
        while not done.wait(COUNT_EVERY):
            count_signatures(app)

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
