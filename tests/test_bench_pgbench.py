"""The signing benchmark's database loads: pgbench must run both designs' statements exactly
as the app compiles them, against the real schema (a statement that no longer fits the schema
or a parameter of the wrong type fails here, not in the middle of `make bench`)."""

import pytest

from bench import pgbench, signing_db
from core.db import db
from petitions.services import SIGN_IF_OPEN


@pytest.mark.parametrize("statement", [SIGN_IF_OPEN, signing_db.NAIVE_SIGN], ids=["ours", "naive"])
def test_both_designs_run_under_pgbench(app, statement):
    with app.app_context():
        # A petition that does not exist: every transaction runs both statements, signs
        # nothing and rolls back, so the test database stays as it was.
        values = signing_db.variables(statement, 2**31 - 1, first_signer=1)
        script = signing_db.script(statement, end="ROLLBACK")
        ran = pgbench.run(app.config["SQLALCHEMY_DATABASE_URI"], script, 2, 1, values)
    assert ran["transactions"] > 0
    assert ran["failed"] == 0


def test_the_naive_statement_is_ours_with_the_counter_added(app):
    with app.app_context():
        ours = pgbench.statement_sql(SIGN_IF_OPEN, signing_db.KINDS)
        naive = pgbench.statement_sql(signing_db.NAIVE_SIGN, signing_db.KINDS)
        db.session.rollback()
    assert naive.startswith(ours.split(" SELECT signable.id AS petition_id")[0])
    assert "UPDATE petition SET shown_count=(petition.shown_count + " in naive
    assert "shown_count" not in ours
