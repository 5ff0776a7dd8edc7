"""The schema exists only through migrations: they must build exactly what the models say.

Alembic's comparison covers tables, columns, types, indexes, keys and server defaults, but
not CHECK constraints; those are compared here after PostgreSQL itself has normalised both
sides (the models' text is added to a scratch copy of the table and read back).
"""

import json
from enum import StrEnum

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import (
    CheckConstraint,
    DefaultClause,
    MetaData,
    create_engine,
    inspect,
    make_url,
    text,
)

from core.app import create_app
from core.config import Config
from core.db import NAMING_CONVENTION, db, enum_check
from core.dbadmin import recreate_database
from core.i18n import Locale
from core.migrations import JOB_ENGINE_PREFIX, POSTGIS_TABLES, include_object
from core.models import MailStatus
from tests.conftest import database_url_for_tests

LIVE_CHECKS = text(
    """
    SELECT rel.relname, con.conname, pg_get_constraintdef(con.oid)
    FROM pg_constraint con
    JOIN pg_class rel ON rel.oid = con.conrelid
    JOIN pg_namespace ns ON ns.oid = rel.relnamespace
    WHERE con.contype = 'c' AND ns.nspname = :schema AND rel.relname <> ALL(:skipped)
      AND rel.relname NOT LIKE :job_engine
    """
)


@pytest.fixture(scope="module")
def scratch_app():
    url = make_url(database_url_for_tests())
    url = url.set(database=f"{url.database}_migrations").render_as_string(hide_password=False)
    recreate_database(url)
    return create_app(
        {"GHIA_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test-secret-key"}
    )


@pytest.fixture(scope="module")
def migrated(scratch_app):
    """A connection to the database the migrations built."""
    with scratch_app.app_context():
        upgrade()
        engine = create_engine(db.engine.url)
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def alembic_differences(connection, metadata: MetaData) -> list:
    opts = {"include_object": include_object, "compare_type": True, "compare_server_default": True}
    return compare_metadata(MigrationContext.configure(connection, opts=opts), metadata)


def live_checks(connection) -> dict[tuple[str, str], str]:
    rows = connection.execute(
        LIVE_CHECKS,
        {
            "schema": "public",
            "skipped": list(POSTGIS_TABLES),
            "job_engine": JOB_ENGINE_PREFIX + "%",
        },
    )
    return {(table, name): definition for table, name, definition in rows}


def model_checks(connection, metadata: MetaData) -> dict[tuple[str, str], str]:
    """The models' CHECKs as PostgreSQL writes them back: the same text for the same rule."""
    preparer = connection.dialect.identifier_preparer
    found = {}
    with connection.begin_nested() as probe:
        for table in metadata.sorted_tables:
            checks = [c for c in table.constraints if isinstance(c, CheckConstraint)]
            if not checks:
                continue
            connection.execute(text(f"CREATE TEMP TABLE probe (LIKE public.{table.name})"))
            for check in checks:
                name = preparer.format_constraint(check)
                sql = check.sqltext.compile(dialect=connection.dialect)
                connection.execute(text(f"ALTER TABLE probe ADD CONSTRAINT {name} CHECK ({sql})"))
                written = "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                written += " WHERE conrelid = 'probe'::regclass AND conname = :name"
                found[table.name, name] = connection.scalar(text(written), {"name": name})
            connection.execute(text("DROP TABLE probe"))
        probe.rollback()
    return found


def check_differences(connection, metadata: MetaData) -> list[tuple]:
    live, models = live_checks(connection), model_checks(connection, metadata)
    return [
        (table, name, live.get((table, name)), models.get((table, name)))
        for table, name in sorted(live.keys() | models.keys())
        if live.get((table, name)) != models.get((table, name))
    ]


@pytest.mark.live
def test_migrated_schema_matches_models(migrated):
    assert alembic_differences(migrated, db.metadata) == []
    assert check_differences(migrated, db.metadata) == []


def models_copy() -> MetaData:
    copy = MetaData(naming_convention=NAMING_CONVENTION)
    for table in db.metadata.tables.values():
        table.to_metadata(copy)
    return copy


@pytest.mark.live
def test_an_enum_value_without_a_migration_is_caught(migrated):
    """A status added in Python only: the comparison names the constraint that is behind."""
    grown = StrEnum("GrownMailStatus", {**MailStatus.__members__, "SENDING": "sending"})
    metadata = models_copy()
    outbox = metadata.tables["outbox_mail"]
    outbox.constraints -= {c for c in outbox.constraints if c.name.endswith("status_known")}
    outbox.append_constraint(enum_check("status", grown, name="status_known"))
    [(table, name, live, models)] = check_differences(migrated, metadata)
    assert (table, name) == ("outbox_mail", "ck_outbox_mail_status_known")
    assert "'sending'" in models
    assert "'sending'" not in live


@pytest.mark.live
def test_a_server_default_without_a_migration_is_caught(migrated):
    metadata = models_copy()
    status = metadata.tables["outbox_mail"].c.status
    status.server_default = DefaultClause("sending")
    status.server_default.column = status
    [[(kind, _, table, column, _, live, models)]] = alembic_differences(migrated, metadata)
    assert (kind, table, column) == ("modify_default", "outbox_mail", "status")
    assert "pending" in live.arg.text
    assert models.arg == "sending"


@pytest.mark.live
def test_downgrade_to_nothing_and_up_again(scratch_app):
    with scratch_app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version", "spatial_ref_sys"}
        assert tables == set()
        upgrade()
        assert "user_account" in inspect(db.engine).get_table_names()


def test_the_locale_check_allows_every_language_of_the_site():
    assert tuple(Locale) == Config.LANGUAGES


@pytest.mark.live
def test_the_date_check_migration_repairs_posts_dated_year_one(scratch_app):
    """Rows written before the CHECK existed take their creation time instead of year 1."""
    with scratch_app.app_context():
        downgrade(revision="base")
        upgrade(revision="a8f898a8dea4")
        db.session.execute(
            text(
                "INSERT INTO news_post (kind, title_ka, body_ka, published_at, created_at)"
                " VALUES ('news', 'ძველი', 'ტექსტი', '0001-01-01 00:00+04', '2026-11-20 09:00+00')"
            )
        )
        db.session.commit()
        upgrade()
        repaired = db.session.scalar(text("SELECT published_at = created_at FROM news_post"))
        db.session.execute(text("DELETE FROM news_post"))
        db.session.commit()
    assert repaired is True


def test_the_map_feature_migration_writes_every_existing_reports_feature(scratch_app):
    """Reports from before 7b3d9e1f4a62 get their stored feature, as the trigger writes it."""
    with scratch_app.app_context():
        downgrade(revision="base")
        upgrade(revision="5f1c9e7a3b20")
        for statement in OLD_REPORT:
            db.session.execute(text(statement))
        db.session.commit()
        upgrade()
        report_id, feature = db.session.execute(
            text("SELECT id, feature FROM map_report WHERE description = 'old report'")
        ).one()
        db.session.execute(text("DELETE FROM map_report WHERE id = :id"), {"id": report_id})
        db.session.execute(text("DELETE FROM map_category WHERE code = 'street-light_2'"))
        db.session.execute(text("DELETE FROM district WHERE slug = 'old-report-district'"))
        db.session.commit()
    assert json.loads(feature) == {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [44.123457, 41.5]},
        "properties": {
            "id": report_id,
            "status": "fixed",
            "category": "street-light_2",
            "url": f"/map/reports/{report_id}",
        },
    }


OLD_REPORT = [
    "INSERT INTO district (slug, name_ka, name_en, geom) VALUES ('old-report-district', 'ა',"
    " 'A', ST_Multi(ST_MakeEnvelope(44, 41, 45, 42, 4326)))",
    "INSERT INTO map_category (code, name_ka, name_en) VALUES ('street-light_2', 'ა', 'A')",
    "INSERT INTO map_report (category_id, description, location, district_id, status)"
    " SELECT c.id, 'old report', ST_SetSRID(ST_MakePoint(44.1234567, 41.5), 4326), d.id, 'fixed'"
    " FROM map_category c, district d"
    " WHERE c.code = 'street-light_2' AND d.slug = 'old-report-district'",
]
