"""smart map: each report's GeoJSON feature kept written in the row (by a trigger), so a street
view's answer is one string_agg of stored text instead of 2,000 features composed per request

Revision ID: 7b3d9e1f4a62
Revises: 5f1c9e7a3b20
Create Date: 2026-11-26 02:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7b3d9e1f4a62"
down_revision = "5f1c9e7a3b20"
branch_labels = None
depends_on = None

# The feature as smartmap.queries composed it per request: the point with 6 decimals, id,
# status, the category's service code and the detail page's path (the app at the site's root;
# queries composes it per request when it is mounted elsewhere). A new report's category (or
# a changed one) is read FOR SHARE: an admin's change of its code in progress is waited for
# and its result read, since the recode trigger below cannot see this report before it is
# committed. Other updates read it plainly (a lock there could deadlock with a recode).
FEATURE = """
CREATE FUNCTION map_report_feature() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    code_json text;
BEGIN
    IF TG_OP = 'INSERT' OR NEW.category_id IS DISTINCT FROM OLD.category_id THEN
        SELECT to_json(code) INTO code_json FROM map_category
        WHERE id = NEW.category_id FOR SHARE;
    ELSE
        SELECT to_json(code) INTO code_json FROM map_category WHERE id = NEW.category_id;
    END IF;
    NEW.feature := '{"type":"Feature","geometry":' || ST_AsGeoJSON(NEW.location, 6)
        || ',"properties":{"id":' || NEW.id
        || ',"status":' || to_json(NEW.status)
        || ',"category":' || code_json
        || ',"url":"/map/reports/' || NEW.id || '"}}';
    RETURN NEW;
END
$$
"""
ON_REPORT = """
CREATE TRIGGER map_report_feature BEFORE INSERT OR UPDATE OF id, location, status, category_id
ON map_report FOR EACH ROW EXECUTE FUNCTION map_report_feature()
"""
# A category's code changes only while no report uses it; this keeps features right even so.
RECODE = """
CREATE FUNCTION map_category_recode() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE map_report SET category_id = category_id WHERE category_id = NEW.id;
    RETURN NULL;
END
$$
"""
ON_CATEGORY = """
CREATE TRIGGER map_category_recode AFTER UPDATE OF code ON map_category
FOR EACH ROW WHEN (OLD.code IS DISTINCT FROM NEW.code) EXECUTE FUNCTION map_category_recode()
"""


def upgrade():
    op.add_column("map_report", sa.Column("feature", sa.Text(), nullable=True))
    op.execute(FEATURE)
    op.execute(ON_REPORT)
    op.execute(RECODE)
    op.execute(ON_CATEGORY)
    op.execute("UPDATE map_report SET location = location")  # writes every report's feature
    # Never missing: string_agg would drop a report without one while counting it.
    op.alter_column("map_report", "feature", nullable=False)
    op.execute("CLUSTER map_report")  # the update moved rows: back into spatial order
    op.execute("ANALYZE map_report")


def downgrade():
    op.execute("DROP TRIGGER map_category_recode ON map_category")
    op.execute("DROP FUNCTION map_category_recode()")
    op.execute("DROP TRIGGER map_report_feature ON map_report")
    op.execute("DROP FUNCTION map_report_feature()")
    op.drop_column("map_report", "feature")
