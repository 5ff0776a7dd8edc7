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
    """Add the demo posts that are not there yet (matched by Georgian title and date), with the
    PDF their text says is attached."""
    added = kept = 0
    for item in json.loads(DEMO_POSTS.read_text(encoding="utf-8")):
        published_at = datetime.fromisoformat(item["published_at"])
        post = db.session.scalar(
            select(Post).where(Post.title_ka == item["title_ka"], Post.published_at == published_at)
        )
        if post:
            kept += 1
        else:
            post = _add(item, published_at)
            added += 1
        if item.get("attachment") and not post.attachments:
            services.attach_pdf(post, item["attachment"], demo_pdf(item["title_en"]), None)
    return f"news: {added} posts loaded, {kept} already there"


def _add(item: dict, published_at: datetime) -> Post:
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
    return post


def _pdf_text(text: str) -> str:
    """A PDF string literal for the built-in Helvetica (WinAnsi, i.e. cp1252, letters only)."""
    text = text.encode("cp1252", "replace").decode("cp1252")
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def demo_pdf(title: str) -> bytes:
    """A one-page A4 PDF with the post's title: a stand-in for the real agenda or minutes.
    Written by hand (objects, cross-reference table, trailer) so the demo needs no PDF library."""
    lines = [(16, title), (11, "Ghia demo document: a stand-in for the original.")]
    content = "BT 72 770 Td 20 TL " + " ".join(
        f"/F1 {size} Tf {_pdf_text(text)} Tj T*" for size, text in lines
    )
    content += " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        f"<< /Length {len(content.encode('cp1252'))} >>\nstream\n{content}\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("cp1252")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    out += trailer.encode()
    return bytes(out)
