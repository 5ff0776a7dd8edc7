"""News pages, feed, attachments and the editor's pages over HTTP."""

import io
from zoneinfo import ZoneInfo

import pytest
from lxml import etree
from sqlalchemy import event

from core import links
from core.db import db
from core.models import Role
from news import services
from news.models import Post
from tests.conftest import submit
from tests.factories import log_in, make_post, make_user

ATOM = "{http://www.w3.org/2005/Atom}"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_list_shows_published_posts_in_both_languages(app, client):
    make_post(app)
    make_post(app, publish=False, title_ka="დრაფტი", title_en="Secret draft")
    georgian = client.get("/news/").get_data(as_text=True)
    assert "ტრენინგი გამგეობებისთვის" in georgian
    assert "დრაფტი" not in georgian
    english = client.get("/news/?lang=en").get_data(as_text=True)
    assert "Training for districts" in english
    assert "Secret draft" not in english


def test_list_filters_by_kind_tag_and_search(app, client):
    make_post(app)
    make_post(
        app,
        kind="meeting",
        tags=["working-group"],
        title_en="Working group meets",
        title_ka="სამუშაო ჯგუფი",
        body_ka="სხდომა",
        body_en="Session",
    )
    by_kind = client.get("/news/?lang=en&kind=meeting").get_data(as_text=True)
    assert "Working group meets" in by_kind
    assert "Training for districts" not in by_kind
    by_tag = client.get("/news/?lang=en&tag=training").get_data(as_text=True)
    assert "Training for districts" in by_tag
    assert "Working group meets" not in by_tag
    found = client.get("/news/?lang=en&q=სხდომ").get_data(as_text=True)
    assert "Working group meets" in found
    assert "Training for districts" not in found


def test_nonsense_filters_are_harmless(client):
    for query in [
        "?q=%27%22%3B--",
        "?q=&&||!",
        "?page=-4",
        "?page=zzz",
        "?kind=bogus",
        "?q=" + "x" * 5000,
    ]:
        assert client.get("/news/" + query).status_code == 200


def test_detail_page_renders_markdown_and_falls_back_to_georgian(app, client):
    post = make_post(app, title_en="", body_en="")
    english = client.get(f"/news/{post.id}?lang=en").get_data(as_text=True)
    assert "<strong>დაიწყო</strong>" in english
    assert "available in Georgian only" in english
    assert client.get(f"/news/{post.id}").status_code == 200


def test_drafts_and_unknown_posts_are_not_found_for_the_public(app, client):
    draft = make_post(app, publish=False)
    assert client.get(f"/news/{draft.id}").status_code == 404
    assert client.get("/news/999999").status_code == 404
    log_in(client, make_user(Role.EDITOR))
    assert client.get(f"/news/{draft.id}").status_code == 200


def test_feed_is_atom_with_absolute_links_of_published_posts(app, client):
    post = make_post(app)
    make_post(app, publish=False, title_ka="დრაფტი")
    response = client.get("/news/feed.atom?lang=en")
    assert response.mimetype == "application/atom+xml"
    feed = etree.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Training for districts"]
    link = entries[0].find(f"{ATOM}link").get("href")
    assert link == f"http://localhost/news/{post.id}?lang=en"  # the entry in the feed's language
    assert feed.findtext(f"{ATOM}updated")
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == "Tbilisi City Hall"
    assert entries[0].findtext(f"{ATOM}id") == f"tag:localhost,2017:news:{post.id}"
    only_meetings = etree.fromstring(client.get("/news/feed.atom?kind=meeting").data)
    assert only_meetings.findall(f"{ATOM}entry") == []


def test_attachment_downloads_as_pdf(app, client):
    post = make_post(app)
    with app.test_request_context():
        attachment = services.attach_pdf(db.session.get(Post, post.id), "ოქმი.pdf", PDF, None)
        db.session.commit()
    response = client.get(f"/news/attachments/{attachment.id}/x.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data == PDF


@pytest.mark.parametrize("path", ["/news/new", "/news/drafts"])
def test_editor_pages_refuse_residents_and_send_anonymous_to_log_in(client, path):
    assert client.get(path).status_code == 302
    log_in(client, make_user())
    assert client.get(path).status_code == 403


def test_editor_writes_attaches_and_publishes(client):
    log_in(client, make_user(Role.EDITOR))
    form = {
        "title_ka": "გადაწყვეტილება",
        "body_ka": "მერიამ **გადაწყვიტა**.",
        "title_en": "Decision",
        "body_en": "City Hall **decided**.",
        "kind": "decision",
        "tags": "OGP, Decisions",
        "published_at": "2017-10-20",
        "publish": "1",
        "attachment": (io.BytesIO(PDF), "decision.pdf"),
    }
    response = submit(client, "/news/new", form, content_type="multipart/form-data")
    assert response.status_code == 302
    post = db.session.scalars(db.select(Post).filter_by(title_en="Decision")).one()
    day = post.published_at.astimezone(ZoneInfo("Asia/Tbilisi")).date().isoformat()
    assert (post.status, post.tags, day) == ("published", ["ogp", "decisions"], "2017-10-20")
    assert [a.filename for a in post.attachments] == ["decision.pdf"]
    assert "Decision" in client.get("/news/feed.atom?lang=en").get_data(as_text=True)


def test_a_bad_post_form_keeps_the_text_and_says_why(client):
    log_in(client, make_user(Role.EDITOR))
    response = submit(
        client,
        "/news/new?lang=en",
        {"title_ka": "", "body_ka": "ტექსტი რჩება", "kind": "news", "save": "1"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Please enter the Georgian title." in html
    assert "ტექსტი რჩება" in html


def test_a_fake_pdf_is_refused_and_nothing_typed_is_lost(client):
    log_in(client, make_user(Role.EDITOR))
    form = {
        "title_ka": "სათაური",
        "body_ka": "ტექსტი",
        "kind": "news",
        "save": "1",
        "attachment": (io.BytesIO(b"MZ not a pdf"), "agenda.pdf"),
    }
    response = submit(client, "/news/new?lang=en", form, content_type="multipart/form-data")
    assert response.status_code == 415
    assert "Only PDF files can be attached." in response.get_data(as_text=True)
    assert 'value="სათაური"' in response.get_data(as_text=True)
    assert db.session.scalars(db.select(Post).filter_by(title_ka="სათაური")).all() == []


def test_editor_unpublishes_and_publishes_again(app, client):
    post = make_post(app)
    log_in(client, make_user(Role.EDITOR))
    submit(client, f"/news/{post.id}/unpublish", {}, form_url=f"/news/{post.id}")
    assert db.session.get(Post, post.id).status == "draft"
    submit(client, f"/news/{post.id}/publish", {}, form_url=f"/news/{post.id}")
    assert db.session.get(Post, post.id).status == "published"


def test_editor_links_a_post_to_another_and_both_pages_show_it(app, client):
    first, second = make_post(app), make_post(app, title_en="Second post", title_ka="მეორე")
    log_in(client, make_user(Role.EDITOR))
    response = submit(
        client, "/links", {"source": first.ref, "ref": second.ref}, form_url=f"/news/{first.id}"
    )
    assert response.status_code == 302
    assert "Second post" in client.get(f"/news/{first.id}?lang=en").get_data(as_text=True)
    bad = submit(
        client,
        "/links",
        {"source": first.ref, "ref": "news:99999"},
        form_url=f"/news/{first.id}",
        follow_redirects=True,
    )
    assert "does not exist" in bad.get_data(as_text=True) or "არ არსებობს" in bad.get_data(
        as_text=True
    )


def test_home_shows_the_latest_news(app, client):
    make_post(app)
    assert "ტრენინგი გამგეობებისთვის" in client.get("/").get_data(as_text=True)


def test_feed_reads_cleanly_in_a_feed_reader_library(app, client):
    import feedparser

    make_post(app)
    parsed = feedparser.parse(client.get("/news/feed.atom?lang=en").data)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.author == "Tbilisi City Hall"
    assert [e.title for e in parsed.entries] == ["Training for districts"]
    assert "<strong>has begun</strong>" in parsed.entries[0].content[0].value


def test_automatic_posts_keep_their_text_but_editors_can_unpublish_them(app, client):
    post = make_post(app)
    with app.app_context():
        db.session.get(Post, post.id).kind = "automatic"  # as an event's post would be
        db.session.commit()
    log_in(client, make_user(Role.EDITOR))
    page = client.get(f"/news/{post.id}?lang=en").get_data(as_text=True)
    assert f"/news/{post.id}/edit" not in page
    assert f"/news/{post.id}/unpublish" in page
    assert client.get(f"/news/{post.id}/edit").status_code == 403
    submit(client, f"/news/{post.id}/unpublish", {}, form_url=f"/news/{post.id}")
    assert db.session.get(Post, post.id).status == "draft"


def test_editor_tools_show_only_to_those_allowed(app, client):
    post = make_post(app)
    for page in (client.get("/news/?lang=en"), client.get(f"/news/{post.id}?lang=en")):
        html = page.get_data(as_text=True)
        assert "/news/new" not in html
        assert f"/news/{post.id}/unpublish" not in html
        assert "Add link" not in html
    log_in(client, make_user(Role.EDITOR))
    assert "/news/new" in client.get("/news/?lang=en").get_data(as_text=True)
    html = client.get(f"/news/{post.id}?lang=en").get_data(as_text=True)
    assert f"/news/{post.id}/edit" in html
    assert "Add link" in html


def statements_run_by(app, request) -> int:
    """How many SQL statements the app runs to answer `request()`."""
    with app.app_context():
        engine = db.engine
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert request().status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def link_all(app, post, others) -> None:
    with app.test_request_context():
        for other in others:
            links.link(post.ref, other.ref)
        db.session.commit()


def test_the_related_panel_costs_the_same_queries_for_one_link_or_nine(app, client):
    post, *others = [make_post(app, title_en=f"Post {number}") for number in range(10)]
    link_all(app, post, others[:1])
    page = f"/news/{post.id}?lang=en"
    one = statements_run_by(app, lambda: client.get(page))
    link_all(app, post, others[1:])
    nine = statements_run_by(app, lambda: client.get(page))
    html = client.get(page).get_data(as_text=True)
    assert all(f"Post {number}" in html for number in range(1, 10))
    assert nine == one


def test_the_related_panel_shows_linked_drafts_to_editors_only(app, client):
    post = make_post(app)
    draft = make_post(app, publish=False, title_en="Linked draft")
    link_all(app, post, [draft])
    assert "Linked draft" not in client.get(f"/news/{post.id}?lang=en").get_data(as_text=True)
    log_in(client, make_user(Role.EDITOR))
    assert "Linked draft" in client.get(f"/news/{post.id}?lang=en").get_data(as_text=True)


def test_the_edit_form_shows_the_saved_tags_and_local_day_so_saving_keeps_them(app, client):
    """A sibling of the profile's lost district: the form must show what is stored."""
    from datetime import datetime

    tbilisi_morning = datetime(2017, 10, 20, 1, 30, tzinfo=ZoneInfo("Asia/Tbilisi"))
    post = make_post(app, published_at=tbilisi_morning)  # 2017-10-19 in UTC
    log_in(client, make_user(Role.EDITOR))
    html = client.get(f"/news/{post.id}/edit").get_data(as_text=True)
    assert 'value="ogp, training"' in html
    assert 'value="2017-10-20"' in html
