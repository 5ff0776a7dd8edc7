"""budget: the stored tally of a published or imported ballot, read by the results pages

Revision ID: 4e2a9c7b1d35
Revises: 5e1f7a2c9d30
Create Date: 2026-11-25 23:30:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '4e2a9c7b1d35'
down_revision = "5e1f7a2c9d30"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('budget_stored_tally',
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('turnout', sa.Integer(), nullable=False),
    sa.Column('eligible', sa.Integer(), nullable=True),
    sa.Column('outcome', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['budget_ballot.id'], name=op.f('fk_budget_stored_tally_ballot_id_budget_ballot'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ballot_id', name=op.f('pk_budget_stored_tally'))
    )


def downgrade():
    op.drop_table('budget_stored_tally')
