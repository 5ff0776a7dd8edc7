"""What schema comparison ignores: PostGIS's own tables, GeoAlchemy2's implicit indexes and
the job engine's tables (made by a migration from procrastinate's own SQL, not from models)."""

from geoalchemy2 import alembic_helpers

POSTGIS_TABLES = {"spatial_ref_sys", "geography_columns", "geometry_columns"}
JOB_ENGINE_PREFIX = "procrastinate_"


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "table" and (name in POSTGIS_TABLES or name.startswith(JOB_ENGINE_PREFIX)):
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)
