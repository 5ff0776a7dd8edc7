"""News rules: validation, publishing, attachments, automatic posts, search."""

import pytest

from core import events, links
from core.db import db
from core.errors import Refused
from core.models import AuditEntry, Role
from news import queries, services
from news.markdown import plain_summary, render
from news.models import Post
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("ctx")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def write(**changes) -> Post:
    data = {
        "title_ka": "სამუშაო ჯგუფის შეხვედრა",
        "body_ka": "შეხვედრა მერიაში გაიმართება.",
        "title_en": "Working group meeting",
        "body_en": "The meeting is at City Hall.",
    }
    data.update(changes)
    return services.save_post(None, services.PostInput(**data), make_user(Role.EDITOR))


def test_a_new_post_is_a_draft_and_is_audited():
    post = write()
    assert post.status == "draft"
    assert post.published_at is None
    assert db.session.scalars(db.select(AuditEntry).filter_by(ref=post.ref)).one()


@pytest.mark.parametrize(
    "changes",
    [
        {"title_ka": " "},
        {"body_ka": ""},
        {"title_en": "x" * 201},
        {"kind": "automatic"},
        {"kind": "gossip"},
        {"tags": ",".join(f"t{i}" for i in range(11))},
    ],
)
def test_invalid_posts_are_refused(changes):
    with pytest.raises(Refused):
        write(**changes)


def test_tags_become_lowercase_slugs_without_duplicates():
    assert services.normalise_tags(" OGP, Working Group,ogp,, ტრენინგი ") == [
        "ogp",
        "working-group",
        "ტრენინგი",
    ]


def test_publish_sets_the_date_once_and_unpublish_hides_the_post():
    post = write()
    services.publish(post, None)
    first = post.published_at
    services.unpublish(post, None)
    services.publish(post, None)
    assert post.published_at == first
    assert post in queries.latest(10)
    services.unpublish(post, None)
    assert post not in queries.latest(10)


def test_only_real_pdfs_are_attached():
    post = write()
    with pytest.raises(Refused) as refused:
        services.attach_pdf(post, "agenda.pdf", b"<html>not a pdf</html>", None)
    assert refused.value.status == 415
    with pytest.raises(Refused) as too_big:
        services.attach_pdf(post, "big.pdf", PDF + b"0" * services.MAX_PDF_BYTES, None)
    assert too_big.value.status == 413
    attachment = services.attach_pdf(post, "../../დღის წესრიგი", PDF, None)
    assert attachment.filename == "დღის წესრიგი.pdf"
    assert attachment.size == len(PDF)


def test_an_event_with_news_text_queues_one_post_job_and_one_without_none():
    text = {"title": {"ka": "ზღვარი", "en": "Threshold"}, "body": {"ka": "ტ", "en": "T"}}
    events.emit("threshold_reached", "thing:7", {"news": text}, once_key="t:7")
    events.emit("threshold_reached", "thing:7", {"news": text}, once_key="t:7")
    events.emit("report_fixed", "thing:8", {})
    queued = db.session.scalar(
        db.text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = :name"),
        {"name": "news.tasks.post_from_event"},
    )
    assert queued == 1
    assert db.session.scalars(db.select(Post).filter_by(kind="automatic")).all() == []


@pytest.mark.usefixtures("thing_kind")
def test_an_automatic_post_is_written_once_per_event():
    text = {
        "title": {"ka": "ზღვარი მიღწეულია", "en": "Threshold reached"},
        "body": {"ka": "პეტიციამ ზღვარს მიაღწია.", "en": "The petition reached it."},
    }
    event = events.emit("threshold_reached", "thing:7", {"news": text})
    first = services.post_automatically(event)
    assert services.post_automatically(event) == first
    [post] = db.session.scalars(db.select(Post).filter_by(kind="automatic")).all()
    assert (post.status, post.title_en) == ("published", "Threshold reached")
    assert [t.ref for t in links.related("thing:7", None)] == [post.ref]
    assert [t.ref for t in links.related(post.ref, None)] == ["thing:7"]


@pytest.mark.parametrize("query", ["შეხვედრა", "შეხვედ", "meeting", "Working group", "City"])
def test_search_finds_georgian_english_and_word_beginnings(query):
    post = write()
    services.publish(post, None)
    write(title_ka="ტრენინგი", body_ka="სხვა რამ", title_en="Training", body_en="Other")
    assert list(db.session.scalars(queries.published(query=query))) == [post]


def test_markdown_is_sanitised():
    html = render(
        "**bold** <script>alert(1)</script> <img src=x onerror=alert(1)> "
        "[x](javascript:alert(1)) [ok](https://example.org)"
    )
    assert "<strong>bold</strong>" in html
    assert "<script" not in html
    assert "<img" not in html
    assert 'href="javascript' not in html
    assert 'rel="noopener nofollow"' in html


def test_summary_is_plain_text_cut_at_forty_words():
    text = "**სიტყვა** " * 50
    summary = plain_summary(text)
    assert "<" not in summary
    assert summary.endswith("…")
    assert len(summary.split()) == 41
