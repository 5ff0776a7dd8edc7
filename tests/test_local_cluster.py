"""scripts/pg.sh runs a cluster for a checkout anywhere: under a parent the `postgres` user
cannot enter (root's 0700 home), with spaces in its path, or too long a path for a socket."""

import os
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import make_url

from core.config import local_database_url
from tests.conftest import ROOT

pytestmark = [
    pytest.mark.skipif(
        not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")),
        reason="needs PostgreSQL's server binaries (make test installs them)",
    ),
    pytest.mark.skipif(
        os.geteuid() == 0 and shutil.which("runuser") is None,
        reason="as root, pg.sh runs PostgreSQL through runuser",
    ),
]


def make_checkout(parent: Path) -> Path:
    """A checkout-like directory with pg.sh, inside a parent only its owner may enter."""
    parent.mkdir(mode=0o700)
    checkout = parent / "ghia checkout"
    (checkout / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "pg.sh", checkout / "scripts" / "pg.sh")
    return checkout


def pg(checkout: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(checkout / "scripts" / "pg.sh"), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run_pg(checkout: Path, *args: str) -> str:
    process = pg(checkout, *args)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    return output


def connect(checkout: Path, name: str) -> psycopg.Connection:
    url = make_url(local_database_url(name, checkout / "instance"))
    return psycopg.connect(dbname=url.database, user=url.username, **url.query, autocommit=True)


@pytest.fixture
def private_checkout(tmp_path):
    checkout = make_checkout(tmp_path / "private dir")
    yield checkout
    run_pg(checkout, "remove")


@pytest.fixture
def long_checkout(tmp_path):
    checkout = make_checkout(tmp_path / ("a long folder name with spaces " * 3).strip())
    yield checkout
    run_pg(checkout, "remove")


def test_cluster_starts_in_a_private_path_with_spaces_and_has_postgis(private_checkout):
    run_pg(private_checkout, "start", "ghia")
    with connect(private_checkout, "ghia") as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        assert conn.execute("SELECT postgis_version()").fetchone()[0]
    if os.geteuid() == 0:  # the postgres user cannot enter the checkout: the cluster lives outside
        assert run_pg(private_checkout, "where").startswith("/var/lib/ghia/")
    run_pg(private_checkout, "stop")
    assert pg(private_checkout, "status").wait() == 3


def test_two_starts_at_once_share_one_cluster_when_the_socket_path_is_long(long_checkout):
    assert len(str(long_checkout / "instance" / "pg" / ".s.PGSQL.5432")) > 107
    starts = [pg(long_checkout, "start", "ghia", "ghia_test") for _ in range(2)]
    outputs = [process.communicate(timeout=60)[0] for process in starts]
    assert [process.returncode for process in starts] == [0, 0], outputs
    with connect(long_checkout, "ghia_test") as conn:
        assert conn.execute("SELECT current_database()").fetchone()[0] == "ghia_test"
