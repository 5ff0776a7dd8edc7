"""The job engine's schema: procrastinate's tables, types and functions.

The SQL ships in the pinned procrastinate package (procrastinate/sql/schema.sql). Upgrading
procrastinate to a version with schema changes means a new migration that applies its files
from procrastinate/sql/migrations/.

Revision ID: 5c1d2e3f4a5b
Revises: a8f898a8dea4
Create Date: 2026-11-25 12:00:00
"""

from importlib.resources import files

from alembic import op

revision = '5c1d2e3f4a5b'
down_revision = 'a8f898a8dea4'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(files("procrastinate.sql").joinpath("schema.sql").read_text())


def downgrade():
    # Everything procrastinate made is named procrastinate_*: tables first (with their
    # triggers), then functions, then types.
    op.execute(
        """
        DO $$
        DECLARE object record;
        BEGIN
          FOR object IN SELECT tablename FROM pg_tables
                        WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate%'
          LOOP EXECUTE format('DROP TABLE %I CASCADE', object.tablename); END LOOP;
          FOR object IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
                        JOIN pg_namespace n ON n.oid = p.pronamespace
                        WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate%'
          LOOP EXECUTE format('DROP FUNCTION %s CASCADE', object.signature); END LOOP;
          FOR object IN SELECT t.typname FROM pg_type t
                        JOIN pg_namespace n ON n.oid = t.typnamespace
                        WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate%'
                          AND t.typtype IN ('e', 'c')
          LOOP EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', object.typname); END LOOP;
        END $$;
        """
    )
