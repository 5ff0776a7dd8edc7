"""create postgis

Revision ID: 2ac1560b216d
Revises: 
Create Date: 2026-11-24 13:45:31.029275

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2ac1560b216d'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")


def downgrade():
    op.execute("DROP EXTENSION IF EXISTS postgis")
