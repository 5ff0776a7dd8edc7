"""smart map read path: map_report kept in spatial order (CLUSTER on its GiST index), and
the grid of counts with totals over all statuses and categories, and a finer level for zooms 15-16

Revision ID: e4b7a2c9d310
Revises: 4e2a9c7b1d35
Create Date: 2026-11-25 23:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e4b7a2c9d310'
down_revision = "4e2a9c7b1d35"
branch_labels = None
depends_on = None

# As in 9c4d1e8f2a60 (cells of 360 / 2^(level + 2) degrees at levels 14, 12 and 10), plus the
# totals of each cell over every status ('*') and every category (0), so that a map without
# filters, the common one, sums a few hundred rows instead of one per status and category;
# and level 16 (cells of ~115 × 150 m in Tbilisi) with those totals only, for zooms 15-16.
GRID = """
CREATE MATERIALIZED VIEW map_report_grid AS
WITH base AS (
    SELECT floor(ST_X(location) * 65536 / 360)::int AS cx,
           floor(ST_Y(location) * 65536 / 360)::int AS cy,
           status, category_id, count(*) AS n,
           sum(ST_X(location)) AS sx, sum(ST_Y(location)) AS sy
    FROM map_report GROUP BY 1, 2, 3, 4
), levels AS (
    SELECT 14 AS level, cx, cy, status, category_id, n, sx, sy FROM base
    UNION ALL
    SELECT 12, floor(cx / 4.0)::int, floor(cy / 4.0)::int, status, category_id, n, sx, sy
    FROM base
    UNION ALL
    SELECT 10, floor(cx / 16.0)::int, floor(cy / 16.0)::int, status, category_id, n, sx, sy
    FROM base
)
SELECT level, cx, cy, coalesce(status, '*') AS status, coalesce(category_id, 0) AS category_id,
       sum(n)::bigint AS n, sum(sx) AS sx, sum(sy) AS sy
FROM levels
GROUP BY GROUPING SETS ((level, cx, cy, status, category_id), (level, cx, cy, status),
                        (level, cx, cy, category_id), (level, cx, cy))
UNION ALL
SELECT 16, floor(ST_X(location) * 262144 / 360)::int, floor(ST_Y(location) * 262144 / 360)::int,
       '*', 0, count(*), sum(ST_X(location)), sum(ST_Y(location))
FROM map_report GROUP BY 2, 3
"""

OLD_GRID = """
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

UNIQUE = (
    "CREATE UNIQUE INDEX uq_map_report_grid_cell "
    "ON map_report_grid (level, cx, cy, status, category_id)"
)


def upgrade():
    # CLUSTER rewrites the table once, in the index's order (nearby points on the same pages:
    # a street view reads ~50 pages, not one per report); CLUSTER ON marks the index, so an
    # operator's later plain `CLUSTER map_report` keeps the order after many new reports.
    op.execute("ALTER TABLE map_report CLUSTER ON idx_map_report_location")
    op.execute("CLUSTER map_report")
    op.execute("ANALYZE map_report")
    op.execute("DROP MATERIALIZED VIEW map_report_grid")
    op.execute(GRID)
    op.execute(UNIQUE)


def downgrade():
    op.execute("DROP MATERIALIZED VIEW map_report_grid")
    op.execute(OLD_GRID)
    op.execute(UNIQUE)
    op.execute("ALTER TABLE map_report SET WITHOUT CLUSTER")
