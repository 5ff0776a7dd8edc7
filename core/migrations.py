"""What schema comparison ignores: PostGIS's own tables, GeoAlchemy2's implicit indexes and
the job engine's tables (made by a migration from procrastinate's own SQL, not from models)."""

from geoalchemy2 import alembic_helpers

POSTGIS_TABLES = {"spatial_ref_sys", "geography_columns", "geometry_columns"}
JOB_ENGINE_PREFIX = "procrastinate_"


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "table" and (name in POSTGIS_TABLES or name.startswith(JOB_ENGINE_PREFIX)):
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)


def refuse_downgrade_if_any(query: str, loss: str) -> None:
    """In a migration's downgrade: stop before dropping what people entered, when `query`
    (a SELECT of any row that would be lost) finds one; an empty database downgrades."""
    from alembic import op
    from sqlalchemy import text

    if op.get_bind().execute(text(f"SELECT EXISTS ({query})")).scalar():
        raise RuntimeError(f"refusing to downgrade: {loss}")
