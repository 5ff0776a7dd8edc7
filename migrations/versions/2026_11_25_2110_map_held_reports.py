"""smart map: reports held until their sender confirms the e-mail link; a reporter's name
for reports without an account

Revision ID: 8d3c61f0a4b2
Revises: 9b7e2d4c1a60
Create Date: 2026-11-25 20:30:00

"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '8d3c61f0a4b2'
down_revision = '9b7e2d4c1a60'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('map_report', sa.Column('reporter_name', sa.String(length=120), nullable=True))
    op.create_table('map_held_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('location', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), server_default='', nullable=False),
    sa.Column('locale', sa.String(length=5), server_default='ka', nullable=False),
    sa.Column('photo_keys', postgresql.ARRAY(sa.String(length=120)), server_default='{}', nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['map_category.id'], name=op.f('fk_map_held_report_category_id_map_category')),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_map_held_report_district_id_district')),
    sa.ForeignKeyConstraint(['report_id'], ['map_report.id'], name=op.f('fk_map_held_report_report_id_map_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_map_held_report'))
    )
    op.create_index('ix_map_held_report_category_id', 'map_held_report', ['category_id'], unique=False)
    op.create_index('ix_map_held_report_created_at', 'map_held_report', ['created_at'], unique=False)


def downgrade():
    op.drop_index('ix_map_held_report_created_at', table_name='map_held_report')
    op.drop_index('ix_map_held_report_category_id', table_name='map_held_report')
    op.drop_table('map_held_report')
    op.drop_column('map_report', 'reporter_name')
