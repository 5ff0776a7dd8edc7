"""petitions: petition, sponsors, signatures, threshold crossings; pg_trgm for similar titles

Revision ID: 3c1f0e7a9d52
Revises: b6c4af1e0ad4
Create Date: 2026-11-25 19:00:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "3c1f0e7a9d52"
down_revision = "b6c4af1e0ad4"
branch_labels = None
depends_on = None

STATUSES = (
    "'draft', 'collecting_sponsors', 'in_moderation', 'open', 'threshold_reached', 'closed', "
    "'awaiting_response', 'responded', 'rejected', 'withdrawn'"
)
TOPICS = "'transport', 'environment', 'urban_planning', 'social', 'education', 'culture', 'other'"
SEARCH_DOCUMENT = (
    "setweight(to_tsvector('simple', coalesce(title, '')), 'A')"
    " || setweight(to_tsvector('simple', coalesce(summary, '') || ' ' || coalesce(details, '')),"
    " 'B')"
)


def _when() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "petition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=24), server_default="draft", nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("topic", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=2), server_default="ka", nullable=False),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("details", sa.String(length=2000), server_default="", nullable=False),
        sa.Column("sponsor_key", sa.String(length=32), nullable=False),
        sa.Column("origin_ref", sa.String(length=80), nullable=True),
        sa.Column("author_notify", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("shown_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response_overdue_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response_text", sa.Text(), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejection_reason", sa.String(length=40), nullable=True),
        sa.Column("rejection_explanation", sa.Text(), nullable=True),
        _when(),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column(
            "search",
            postgresql.TSVECTOR(),
            sa.Computed(SEARCH_DOCUMENT, persisted=True),
            nullable=True,
        ),
        sa.CheckConstraint(f"status IN ({STATUSES})", name=op.f("ck_petition_status_known")),
        sa.CheckConstraint(f"topic IN ({TOPICS})", name=op.f("ck_petition_topic_known")),
        sa.CheckConstraint("shown_count >= 0", name=op.f("ck_petition_shown_count_not_negative")),
        sa.ForeignKeyConstraint(["author_id"], ["user_account.id"], name=op.f("fk_petition_author_id_user_account"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["district_id"], ["district.id"], name=op.f("fk_petition_district_id_district"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_petition")),
        sa.UniqueConstraint("sponsor_key", name=op.f("uq_petition_sponsor_key")),
    )
    op.create_index(op.f("ix_petition_author_id"), "petition", ["author_id"])
    op.create_index("ix_petition_listing", "petition", ["status", "created_at"])
    op.create_index("ix_petition_search", "petition", ["search"], postgresql_using="gin")
    op.create_index(
        "ix_petition_title_trgm",
        "petition",
        ["title"],
        postgresql_using="gin",
        postgresql_ops={"title": "gin_trgm_ops"},
    )
    op.create_table(
        "petition_sponsor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("petition_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        _when(),
        sa.ForeignKeyConstraint(["petition_id"], ["petition.id"], name=op.f("fk_petition_sponsor_petition_id_petition"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_petition_sponsor_user_id_user_account"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_petition_sponsor")),
        sa.UniqueConstraint("petition_id", "user_id", name=op.f("uq_petition_sponsor_petition_id_user_id")),
    )
    op.create_table(
        "petition_signature",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("petition_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("show_name", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("notify", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("counted", sa.Boolean(), server_default="false", nullable=False),
        _when(),
        sa.ForeignKeyConstraint(["district_id"], ["district.id"], name=op.f("fk_petition_signature_district_id_district"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["petition_id"], ["petition.id"], name=op.f("fk_petition_signature_petition_id_petition"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_petition_signature_user_id_user_account"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_petition_signature")),
        sa.UniqueConstraint("petition_id", "user_id", name=op.f("uq_petition_signature_petition_id_user_id")),
    )
    op.create_index(
        "ix_petition_signature_uncounted",
        "petition_signature",
        ["id"],
        postgresql_where=sa.text("NOT counted"),
    )
    op.create_table(
        "petition_threshold_crossing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("petition_id", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("count_at_crossing", sa.Integer(), nullable=False),
        _when(),
        sa.ForeignKeyConstraint(["petition_id"], ["petition.id"], name=op.f("fk_petition_threshold_crossing_petition_id_petition"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_petition_threshold_crossing")),
        sa.UniqueConstraint("petition_id", "threshold", name=op.f("uq_petition_threshold_crossing_petition_id_threshold")),
    )


def downgrade():
    op.drop_table("petition_threshold_crossing")
    op.drop_index("ix_petition_signature_uncounted", table_name="petition_signature")
    op.drop_table("petition_signature")
    op.drop_table("petition_sponsor")
    op.drop_table("petition")
