"""What news gives for "download my data" and does for "delete my account".

Posts are City Hall's public record: an author's posts keep their content, and only the link
to the author's account goes.
"""

from sqlalchemy import select, update

from core.db import db
from news.models import Post


def export(user) -> list[dict]:
    posts = db.session.scalars(select(Post).where(Post.author_id == user.id).order_by(Post.id))
    return [
        {
            "id": p.id,
            "title": p.title_ka,
            "status": p.status,
            "created_at": p.created_at.isoformat(),
        }
        for p in posts
    ]


def erase(user) -> bool:
    db.session.execute(update(Post).where(Post.author_id == user.id).values(author_id=None))
    return False
