"""Open311 service attributes: questions per category, answers on the report

Revision ID: 7a3e5c2b9d41
Revises: a7b2b3eef784
Create Date: 2026-11-25 20:30:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '7a3e5c2b9d41'
down_revision = 'a7b2b3eef784'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('map_category_attribute',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('datatype', sa.String(length=20), nullable=False),
    sa.Column('required', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('description_ka', sa.String(length=300), nullable=False),
    sa.Column('description_en', sa.String(length=300), nullable=False),
    sa.Column('order', sa.Integer(), server_default='1', nullable=False),
    sa.Column('choices', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
    sa.CheckConstraint("datatype IN ('string', 'number', 'singlevaluelist', 'multivaluelist')", name=op.f('ck_map_category_attribute_datatype_known')),
    sa.ForeignKeyConstraint(['category_id'], ['map_category.id'], name=op.f('fk_map_category_attribute_category_id_map_category'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_map_category_attribute')),
    sa.UniqueConstraint('category_id', 'code', name=op.f('uq_map_category_attribute_category_id_code'))
    )
    op.add_column('map_report', sa.Column('attributes', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False))


def downgrade():
    op.drop_column('map_report', 'attributes')
    op.drop_table('map_category_attribute')
