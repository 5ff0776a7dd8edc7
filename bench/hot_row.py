"""The naive design of signing (a hot-row counter), and what the database alone can take of
each design.

Over HTTP on two cores both designs run out of the app's CPU long before the database is the
limit (bench/signing.py). What scaling out the app servers would meet is the database's own
ceiling, which pgbench (bench/pgbench.py) measures here for both signing statements as the
signing request runs them: BEGIN, the session's user loaded, the signing statement, COMMIT,
from DB_CLIENTS connections (what four app servers of the bench's shape hold) on one petition,
signers drawn at random from DB_SIGNERS accounts (so some draws repeat a signer, as on the
site). ours, naive, naive, ours, each on a petition of its own, DB_SECONDS each.
"""

from sqlalchemy import bindparam, exists, select, text, update

from bench import pgbench
from core.app import USER_BY_ID
from core.db import db
from core.models import District
from petitions.models import Petition, Signature
from petitions.services import SIGN_IF_OPEN

DB_CLIENTS = 32
DB_SECONDS = 5.0
DB_SIGNERS = 200_000
DB_LOADS = ("db_ours", "db_naive", "db_naive_again", "db_ours_again")

# The naive statement: the product's signing statement (`petitions.services.SIGN_IF_OPEN`)
# with the hot-row counter added, built from it so the two cannot drift apart: a new signature
# adds one to the petition's count in the same statement, so its row stays locked until the
# request commits. After each naive load its signatures are marked counted (`mark_counted`),
# so the real counter, which runs during our loads, leaves them alone.
_petition = Petition.__table__
_added = SIGN_IF_OPEN.get_final_froms()[0].right  # the CTE that inserts the signature
NAIVE_SIGN = SIGN_IF_OPEN.add_cte(
    update(_petition)
    .where(_petition.c.id == bindparam("new_petition_id"), exists(select(_added.c.id)))
    .values(shown_count=_petition.c.shown_count + 1)
    .cte("bumped")
)

# Accounts made in one statement, with consecutive ids, for signers drawn at random.
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


def script(statement, end: str = "COMMIT") -> str:
    """One signing request's transaction, as the app runs it."""
    return "\n".join(
        [
            r"\set new_user_id random(:first_signer, :last_signer)",
            r"\set user_id :new_user_id",
            "BEGIN;",
            pgbench.statement_sql(USER_BY_ID, KINDS),
            pgbench.statement_sql(statement, KINDS),
            f"{end};",
        ]
    )


def database_loads(app, petitions: dict[str, int]) -> dict[str, dict]:
    """Each design's statement from pgbench on its own petition (`petitions[name]` for each
    of DB_LOADS), in the order ours, naive, naive, ours."""
    with app.app_context():
        signers = db.session.execute(MANY_SIGNERS, {"count": DB_SIGNERS}).one()
        db.session.execute(text("ANALYZE user_account"))
        db.session.commit()
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        loads = {}
        for name in DB_LOADS:
            statement = NAIVE_SIGN if "naive" in name else SIGN_IF_OPEN
            values = variables(statement, petitions[name], signers)
            loads[name] = pgbench.run(url, script(statement), DB_CLIENTS, DB_SECONDS, values)
            if statement is NAIVE_SIGN:
                mark_counted(petitions[name])
    return loads


def variables(statement, petition_id: int, signers: tuple[int, int]) -> dict:
    """The script's variables: signers drawn from the ids `signers` (first, last), each in
    the first district, showing no name and asking for no mail."""
    district = db.session.scalar(select(District.id).order_by(District.id).limit(1))
    return {
        **pgbench.fixed_values(statement),
        "first_signer": signers[0],
        "last_signer": signers[1],
        "new_petition_id": petition_id,
        "new_district_id": district,
        "new_show_name": False,
        "new_notify": False,
        "counted": False,  # the column's default, which the app's execution passes
    }


def mark_counted(petition_id: int) -> None:
    """The naive design has counted a petition's signatures in place: the counter must not."""
    db.session.execute(
        update(Signature).where(Signature.petition_id == petition_id).values(counted=True)
    )
    db.session.commit()
