"""petitions: counted signatures per day and district, kept by the counter, so the detail
page's chart and map read a few rows instead of grouping every signature

Revision ID: 5e1f7a2c9d30
Revises: 4e7a1c9d2b35
Create Date: 2026-11-25 23:20:00

"""
from alembic import op
import sqlalchemy as sa
from flask import current_app, has_app_context

# revision identifiers, used by Alembic.
revision = '5e1f7a2c9d30'
down_revision = "4e7a1c9d2b35"
branch_labels = None
depends_on = None


def _zone() -> str:
    if has_app_context():
        return current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Tbilisi"
    return "Asia/Tbilisi"


def upgrade():
    op.create_table('petition_signature_tally',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('petition_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('signatures', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_petition_signature_tally_district_id_district'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['petition_id'], ['petition.id'], name=op.f('fk_petition_signature_tally_petition_id_petition'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_petition_signature_tally')),
    sa.UniqueConstraint('petition_id', 'day', 'district_id', name=op.f('uq_petition_signature_tally_petition_id_day_district_id'), postgresql_nulls_not_distinct=True)
    )
    # The signatures counted so far (the nightly reconciliation rebuilds the same way).
    op.execute(sa.text(
        """
        INSERT INTO petition_signature_tally (petition_id, day, district_id, signatures)
        SELECT petition_id, date(timezone(:zone, created_at)), district_id, count(*)
        FROM petition_signature WHERE counted AND invalidation_id IS NULL
        GROUP BY 1, 2, 3
        """
    ).bindparams(zone=_zone()))


def downgrade():
    op.drop_table('petition_signature_tally')
