"""Scratch databases for tests and benchmarks, on the same server as the app's database."""

import os

import psycopg
from sqlalchemy import make_url

from core.config import local_database_url


def sibling_database_url(suffix: str) -> str:
    """`<name>_<suffix>` beside DATABASE_URL's database, or in the project-local cluster."""
    base = os.environ.get("DATABASE_URL") or local_database_url()
    url = make_url(base)
    return url.set(database=f"{url.database}_{suffix}").render_as_string(hide_password=False)


def recreate_database(url: str) -> None:
    target = make_url(url)
    server = target.set(drivername="postgresql", database="postgres")
    with psycopg.connect(server.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{target.database}"')
