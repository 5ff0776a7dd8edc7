"""The product's own SQL statements under pgbench, PostgreSQL's load generator.

pgbench is written in C and comes with PostgreSQL (in the same folder as the `initdb` that
scripts/pg.sh runs), so it can drive tens of thousands of transactions a second from a
fraction of one core: the database's own ceiling for a statement, which no Python client on
the same two cores could reach. A script is built from SQLAlchemy statements compiled by the
app's dialect, so it runs exactly what the product runs.
"""

import re
import shutil
import subprocess
from glob import glob
from pathlib import Path

from sqlalchemy.sql import Executable

from core.db import db
from core.tasks import conninfo

PLACEHOLDER = re.compile(r"%\((\w+)\)s(::)?")
CASTS = {bool: "boolean", int: "integer", str: "text"}


def executable() -> str:
    """The newest PostgreSQL's pgbench, as scripts/pg.sh picks the newest initdb (Debian keeps
    both off the PATH), else the one on the PATH."""
    found = glob("/usr/lib/postgresql/*/bin/pgbench")
    if found:
        return max(found, key=lambda path: int(Path(path).parts[-3]))
    if shutil.which("pgbench"):
        return "pgbench"
    raise RuntimeError("pgbench not found: it comes with PostgreSQL's server package")


def statement_sql(statement: Executable, kinds: dict[str, type]) -> str:
    """`statement` as pgbench runs it: each parameter becomes the pgbench variable of its
    name. The compiler casts the parameters whose type it knows; the others are cast by the
    Python type of the value they will get (`kinds`), since pgbench passes every variable as
    text."""
    sql = str(statement.compile(dialect=db.engine.dialect))

    def variable(match: re.Match) -> str:
        name, cast = match.group(1), match.group(2)
        return f":{name}::" if cast else f":{name}::{CASTS[kinds[name]]}"

    # The compiler doubles a literal % for the driver's format; pgbench wants it single.
    sql = PLACEHOLDER.sub(variable, sql).replace("%%", "%")
    return " ".join(sql.split()) + ";"


def fixed_values(statement: Executable) -> dict:
    """The values the compiler fixed in the statement (constants such as the statuses it
    compares with), as pgbench variables."""
    compiled = statement.compile(dialect=db.engine.dialect)
    return {name: value for name, value in compiled.params.items() if value is not None}


def run(url: str, script: str, clients: int, seconds: int, variables: dict) -> dict:
    """Run `script` (pgbench's script language) with `clients` connections for `seconds`,
    each statement prepared once per connection (the app's driver prepares a statement it
    has run five times, so the hot ones). Transactions, the seconds they took by pgbench's
    clock (without connecting), their rate and mean latency, and `failed`:
    transactions that failed on a serialization failure or a deadlock. Any other error stops
    the run with pgbench's message."""
    command = [executable(), "--no-vacuum", "--protocol=prepared", f"--client={clients}",
               "--jobs=2",  # pgbench's own threads: one per core of the machine
               f"--time={seconds}", "--file=-"]  # fmt: skip
    command += [f"--define={name}={_text(value)}" for name, value in variables.items()]
    ran = subprocess.run([*command, conninfo(url)], input=script, capture_output=True, text=True)
    if ran.returncode:
        raise RuntimeError(f"pgbench failed:\n{ran.stderr}{ran.stdout}")
    transactions = int(_figure(ran.stdout, r"number of transactions actually processed: (\d+)"))
    per_s = float(_figure(ran.stdout, r"tps = ([\d.]+) \(without initial connection time\)"))
    return {
        "transactions": transactions,
        "failed": int(_figure(ran.stdout, r"number of failed transactions: (\d+)")),
        "seconds": transactions / per_s,
        "per_s": round(per_s, 1),
        "latency_ms": round(float(_figure(ran.stdout, r"latency average = ([\d.]+) ms")), 2),
    }


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _figure(printed: str, pattern: str) -> str:
    found = re.search(pattern, printed)
    if not found:
        raise RuntimeError(f"pgbench printed no {pattern!r}:\n{printed}")
    return found.group(1)
