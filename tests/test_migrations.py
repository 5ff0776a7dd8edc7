"""The schema exists only through migrations: they must build exactly what the models say."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, make_url, text

from core.app import create_app
from core.db import db
from core.dbadmin import recreate_database
from core.migrations import include_object
from tests.conftest import database_url_for_tests


@pytest.fixture(scope="module")
def scratch_app():
    url = make_url(database_url_for_tests())
    url = url.set(database=f"{url.database}_migrations").render_as_string(hide_password=False)
    recreate_database(url)
    return create_app(
        {"GHIA_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test-secret-key"}
    )


@pytest.mark.live
def test_migrated_schema_matches_models(scratch_app):
    with scratch_app.app_context():
        upgrade()
        engine = create_engine(db.engine.url)
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"include_object": include_object, "compare_type": True}
            )
            differences = compare_metadata(context, db.metadata)
        engine.dispose()
    assert differences == []


@pytest.mark.live
def test_downgrade_to_nothing_and_up_again(scratch_app):
    with scratch_app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version", "spatial_ref_sys"}
        assert tables == set()
        upgrade()
        assert "user_account" in inspect(db.engine).get_table_names()


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
