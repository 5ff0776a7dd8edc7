"""Demo data: City Hall's Open Government news of 2017, in Georgian and English."""

import json
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from core.db import db
from news import services
from news.models import Post

DEMO_POSTS = Path(__file__).with_name("demo_posts.json")


def load() -> str:
    """Add the demo posts that are not there yet (matched by Georgian title and date)."""
    added = kept = 0
    for item in json.loads(DEMO_POSTS.read_text(encoding="utf-8")):
        published_at = datetime.fromisoformat(item["published_at"])
        exists = db.session.scalar(
            select(Post.id).where(
                Post.title_ka == item["title_ka"], Post.published_at == published_at
            )
        )
        if exists:
            kept += 1
            continue
        data = services.PostInput(
            title_ka=item["title_ka"],
            body_ka=item["body_ka"],
            kind=item["kind"],
            title_en=item["title_en"],
            body_en=item["body_en"],
            tags=item["tags"],
            published_at=published_at,
        )
        post = services.save_post(None, data, None)
        services.publish(post, None)
        post.updated_at = published_at  # the demo items were last changed when published
        added += 1
    return f"news: {added} posts loaded, {kept} already there"
