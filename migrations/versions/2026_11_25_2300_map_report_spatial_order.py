"""smart map: map_report kept in spatial order (CLUSTER on its GiST index), so the reports of
one street view sit on a few dozen pages instead of one page each

Revision ID: e4b7a2c9d310
Revises: 8d3c61f0a4b2
Create Date: 2026-11-25 23:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e4b7a2c9d310'
down_revision = '8d3c61f0a4b2'
branch_labels = None
depends_on = None


def upgrade():
    # CLUSTER rewrites the table once, in the index's order (nearby points on the same pages);
    # CLUSTER ON marks the index, so an operator's later plain `CLUSTER map_report` (or
    # pg_repack) keeps the order after many new reports.
    op.execute("ALTER TABLE map_report CLUSTER ON idx_map_report_location")
    op.execute("CLUSTER map_report")
    op.execute("ANALYZE map_report")


def downgrade():
    op.execute("ALTER TABLE map_report SET WITHOUT CLUSTER")
