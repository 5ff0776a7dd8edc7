"""news_post.published_at within a sane range

A post dated year 1 made every page that lists it fail (the driver cannot read a BC date).
Such rows take their creation time instead; from now on the database refuses them.

Revision ID: 5d1c0e7a9b21
Revises: 5c1d2e3f4a5b
Create Date: 2026-11-25 15:00:00

"""

from alembic import op

revision = "5d1c0e7a9b21"
down_revision = "5c1d2e3f4a5b"
branch_labels = None
depends_on = None

CHECK = "published_at IS NULL OR (published_at >= '1989-12-31' AND published_at < '2100-01-02')"


def upgrade():
    op.execute(
        "UPDATE news_post SET published_at = created_at "
        f"WHERE NOT ({CHECK})"
    )
    op.create_check_constraint("published_at_sane", "news_post", CHECK)


def downgrade():
    op.drop_constraint("published_at_sane", "news_post", type_="check")
