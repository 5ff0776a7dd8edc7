"""What schema comparison ignores: PostGIS's own tables and GeoAlchemy2's implicit indexes."""

from geoalchemy2 import alembic_helpers

POSTGIS_TABLES = {"spatial_ref_sys", "geography_columns", "geometry_columns"}


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "table" and name in POSTGIS_TABLES:
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)
