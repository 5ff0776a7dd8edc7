"""smart map: report counts per grid cell (materialized view) for zoomed-out maps

Revision ID: 9c4d1e8f2a60
Revises: 7a3e5c2b9d41
Create Date: 2026-11-25 20:40:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '9c4d1e8f2a60'
down_revision = '7a3e5c2b9d41'
branch_labels = None
depends_on = None

# Cells of 360 / 2^(level + 2) degrees (smartmap.queries.cell_size) at levels 14, 12 and 10,
# each coarser level made of whole cells of the finer one; sums of the coordinates give each
# cell's centre of mass.
GRID = """
CREATE MATERIALIZED VIEW map_report_grid AS
WITH base AS (
    SELECT floor(ST_X(location) * 65536 / 360)::int AS cx,
           floor(ST_Y(location) * 65536 / 360)::int AS cy,
           status, category_id, count(*) AS n,
           sum(ST_X(location)) AS sx, sum(ST_Y(location)) AS sy
    FROM map_report GROUP BY 1, 2, 3, 4
)
SELECT 14 AS level, cx, cy, status, category_id, n, sx, sy FROM base
UNION ALL
SELECT 12, floor(cx / 4.0)::int, floor(cy / 4.0)::int, status, category_id,
       sum(n), sum(sx), sum(sy)
FROM base GROUP BY 2, 3, 4, 5
UNION ALL
SELECT 10, floor(cx / 16.0)::int, floor(cy / 16.0)::int, status, category_id,
       sum(n), sum(sx), sum(sy)
FROM base GROUP BY 2, 3, 4, 5
"""


def upgrade():
    op.execute(GRID)
    op.execute(
        "CREATE UNIQUE INDEX uq_map_report_grid_cell "
        "ON map_report_grid (level, cx, cy, status, category_id)"
    )


def downgrade():
    op.execute("DROP MATERIALIZED VIEW map_report_grid")
