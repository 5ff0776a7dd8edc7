"""petitions: bulk invalidation of signatures (who, why, when; the rows stay)

Revision ID: 7d2b4e61a9c3
Revises: 5130d8cd5dd1
Create Date: 2026-11-25 20:10:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '7d2b4e61a9c3'
down_revision = '5130d8cd5dd1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('petition_invalidation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('petition_id', sa.Integer(), nullable=False),
    sa.Column('moderator_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('criteria', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('removed', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['moderator_id'], ['user_account.id'], name=op.f('fk_petition_invalidation_moderator_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['petition_id'], ['petition.id'], name=op.f('fk_petition_invalidation_petition_id_petition'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_petition_invalidation'))
    )
    op.create_index(op.f('ix_petition_invalidation_petition_id'), 'petition_invalidation', ['petition_id'], unique=False)
    op.add_column('petition_signature', sa.Column('invalidation_id', sa.Integer(), nullable=True))
    op.create_foreign_key(op.f('fk_petition_signature_invalidation_id_petition_invalidation'), 'petition_signature', 'petition_invalidation', ['invalidation_id'], ['id'])
    op.create_check_constraint(op.f('ck_petition_signature_invalid_not_counted'), 'petition_signature', 'NOT (counted AND invalidation_id IS NOT NULL)')
    op.drop_index('ix_petition_signature_uncounted', table_name='petition_signature', postgresql_where=sa.text('NOT counted'))
    op.create_index('ix_petition_signature_uncounted', 'petition_signature', ['id'], unique=False, postgresql_where=sa.text('NOT counted AND invalidation_id IS NULL'))


def downgrade():
    # Without the column, removed signatures would be counted again: refuse instead.
    removals = op.get_bind().execute(sa.text("SELECT count(*) FROM petition_invalidation"))
    if removals.scalar():
        raise RuntimeError(
            "signatures were removed by moderators; downgrading would count them again"
        )
    op.drop_index('ix_petition_signature_uncounted', table_name='petition_signature', postgresql_where=sa.text('NOT counted AND invalidation_id IS NULL'))
    op.create_index('ix_petition_signature_uncounted', 'petition_signature', ['id'], unique=False, postgresql_where=sa.text('NOT counted'))
    op.drop_constraint(op.f('ck_petition_signature_invalid_not_counted'), 'petition_signature', type_='check')
    op.drop_constraint(op.f('fk_petition_signature_invalidation_id_petition_invalidation'), 'petition_signature', type_='foreignkey')
    op.drop_column('petition_signature', 'invalidation_id')
    op.drop_index(op.f('ix_petition_invalidation_petition_id'), table_name='petition_invalidation')
    op.drop_table('petition_invalidation')
