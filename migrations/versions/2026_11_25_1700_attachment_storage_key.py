"""attachment storage key: the upload store's key (`news/<name>`) instead of a bare file name

The files stay where they are: `UPLOAD_DIR/news/<name>` is the local store's path of the key
`news/<name>`.

Revision ID: 6ff6dc7939af
Revises: 5d1c0e7a9b21
Create Date: 2026-11-25 17:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "6ff6dc7939af"
down_revision = "5d1c0e7a9b21"
branch_labels = None
depends_on = None


def upgrade():
    op.alter_column("news_attachment", "stored_name", new_column_name="storage_key")
    op.execute(
        "ALTER TABLE news_attachment RENAME CONSTRAINT uq_news_attachment_stored_name"
        " TO uq_news_attachment_storage_key"
    )
    op.execute("UPDATE news_attachment SET storage_key = 'news/' || storage_key")


def downgrade():
    op.execute("UPDATE news_attachment SET storage_key = substr(storage_key, 6)")
    op.execute(
        "ALTER TABLE news_attachment RENAME CONSTRAINT uq_news_attachment_storage_key"
        " TO uq_news_attachment_stored_name"
    )
    op.alter_column("news_attachment", "storage_key", new_column_name="stored_name")
