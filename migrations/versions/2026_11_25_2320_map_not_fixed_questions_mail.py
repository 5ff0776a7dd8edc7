"""smart map: one "not fixed" per person per fix; category questions can be deactivated and
held reports keep their answers; senders of held reports followed by e-mail

Revision ID: 5f1c9e7a3b20
Revises: e4b7a2c9d310
Create Date: 2026-11-25 23:20:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from core.migrations import refuse_downgrade_if_any

# revision identifiers, used by Alembic.
revision = '5f1c9e7a3b20'
down_revision = "e4b7a2c9d310"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('map_category_attribute', sa.Column('active', sa.Boolean(), server_default='true', nullable=False))
    op.add_column('map_held_report', sa.Column('attributes', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False))
    op.create_table('map_not_fixed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('fix_update_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['fix_update_id'], ['map_report_update.id'], name=op.f('fk_map_not_fixed_fix_update_id_map_report_update'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_id'], ['map_report.id'], name=op.f('fk_map_not_fixed_report_id_map_report'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_map_not_fixed_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_map_not_fixed')),
    sa.UniqueConstraint('fix_update_id', 'user_id', name=op.f('uq_map_not_fixed_fix_update_id_user_id'))
    )
    op.create_index('ix_map_not_fixed_report_id', 'map_not_fixed', ['report_id'], unique=False)
    op.create_index('ix_map_not_fixed_user_id', 'map_not_fixed', ['user_id'], unique=False)
    op.create_table('map_email_follower',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('locale', sa.String(length=5), server_default='ka', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['map_report.id'], name=op.f('fk_map_email_follower_report_id_map_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('report_id', 'email', name=op.f('pk_map_email_follower'))
    )
    op.create_index('ix_map_email_follower_email', 'map_email_follower', ['email'], unique=False)


def downgrade():
    refuse_downgrade_if_any(
        "SELECT 1 FROM map_email_follower UNION ALL SELECT 1 FROM map_not_fixed"
        " UNION ALL SELECT 1 FROM map_held_report WHERE attributes <> '{}'"
        " UNION ALL SELECT 1 FROM map_category_attribute WHERE NOT active",
        "senders follow reports, people answered 'not fixed', held reports carry answers"
        " or questions are deactivated",
    )
    op.drop_index('ix_map_email_follower_email', table_name='map_email_follower')
    op.drop_table('map_email_follower')
    op.drop_index('ix_map_not_fixed_user_id', table_name='map_not_fixed')
    op.drop_index('ix_map_not_fixed_report_id', table_name='map_not_fixed')
    op.drop_table('map_not_fixed')
    op.drop_column('map_held_report', 'attributes')
    op.drop_column('map_category_attribute', 'active')
