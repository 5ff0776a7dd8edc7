"""Issue 7, language and page items: Georgian terms, dates, money, the feed link, flash
messages in the new language, error summaries, password rules, autocomplete, kept PDFs and
the demo posts' PDFs."""

import io
import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale
from lxml import etree

from core.db import db
from core.i18n import day, money, when
from core.models import Role
from news.demo import load
from news.models import Post
from tests.conftest import ROOT, submit
from tests.factories import log_in, make_user
from tests.test_news_pages import ATOM, PDF, make_post

KA_CATALOG = ROOT / "translations" / "ka" / "LC_MESSAGES" / "messages.po"
# GLOSSARY.md: words that must not appear in the Georgian text, and what replaces them.
NOT_GEORGIAN_TERMS = {
    "დრაფტ": "მონახაზი",
    "მცხოვრებლობ": "რეგისტრაციის ადგილის დადასტურება",
    "მისცეს ხმა": "მიეცით ხმა",
    "ისე ვერ მოხდა": "რაღაც შეცდომა მოხდა",
    "პუბლიკაცი": "სიახლე",
    "RSS": "Atom (the feed is Atom only)",
}


def text_of(response) -> str:
    return response.get_data(as_text=True)


# --- 1. Georgian words and dates ---------------------------------------------------------


def test_the_georgian_catalog_uses_the_glossary_terms():
    with KA_CATALOG.open("rb") as file:
        catalog = read_po(file, locale="ka")
    found = [
        (message.id, word)
        for message in catalog
        if message.id
        for text in ([message.string] if isinstance(message.string, str) else message.string)
        for word in NOT_GEORGIAN_TERMS
        if word in text
    ]
    assert found == []


def test_budget_page_asks_to_vote_politely(client):
    html = text_of(client.get("/budget/?lang=ka"))
    assert "მიეცით ხმა" in html
    assert "მისცეს" not in html


def test_profile_says_registration_date_and_residency_check_in_georgian(app, client):
    log_in(client, make_user(locale="ka"))
    html = text_of(client.get("/accounts/profile"))
    assert "რეგისტრაციის თარიღი" in html
    assert "რეგისტრაციის ადგილის დადასტურება" in html
    assert "წევრია" not in html
    assert "მცხოვრებლობ" not in html


def test_error_page_says_an_error_happened(client):
    html = text_of(client.get("/news/999999?lang=ka"))
    assert "რაღაც შეცდომა მოხდა" in html


def test_drafts_are_monakhazi(app, client):
    make_post(app, publish=False)
    log_in(client, make_user(Role.EDITOR, locale="ka"))
    assert "მონახაზები" in text_of(client.get("/news/drafts"))
    post_id = db.session.scalar(db.select(Post.id))
    html = text_of(client.get(f"/news/{post_id}"))
    assert '<span class="badge">მონახაზი</span>' in html
    assert "დრაფტ" not in html


def test_one_news_post_is_siakhle_and_the_section_is_siakhleebi(app, client):
    make_post(app, kind="news")
    html = text_of(client.get("/news/?lang=ka"))
    assert '<span class="badge kind-news">სიახლე</span>' in html
    assert "<h1>სიახლეები</h1>" in html
    english = text_of(client.get("/news/?lang=en"))
    assert '<span class="badge kind-news">News</span>' in english


def test_dates_read_naturally_in_each_language(ctx):
    moment = datetime(2017, 10, 19, 10, 30, tzinfo=UTC)  # 14:30 in Tbilisi
    with force_locale("ka"):
        assert day(date(2017, 10, 19)) == "2017 წლის 19 ოქტომბერი"
        assert when(moment) == "2017 წლის 19 ოქტომბერი, 14:30"
    with force_locale("en"):
        assert day(date(2017, 10, 19)) == "19 October 2017"
        assert day(moment) == "19 October 2017"
        assert when(moment) == "19 October 2017, 14:30"


def test_news_pages_show_dates_in_the_one_convention(app, client):
    make_post(app, published_at=datetime(2017, 10, 19, 10, tzinfo=UTC))
    assert "2017 წლის 19 ოქტომბერი" in text_of(client.get("/news/?lang=ka"))
    assert "19 October 2017" in text_of(client.get("/news/?lang=en"))
    assert "19 October 2017" in text_of(client.get("/?lang=en"))


# --- 2. Money ----------------------------------------------------------------------------


def test_gel_amounts_are_readable_in_both_languages(ctx):
    with force_locale("en"):
        assert money(1234.5) == "1,234.50\xa0GEL"
        assert money(100, cents=False) == "100\xa0GEL"
    with force_locale("ka"):
        assert money(1234.5) == "1\xa0234,50\xa0₾"
        assert money(100, cents=False) == "100\xa0₾"


def test_budget_page_writes_the_amount_with_the_money_helper(client):
    html = text_of(client.get("/budget/?lang=en"))
    assert "100\xa0GEL" in html, html.split("Split")[1][:40]
    html = text_of(client.get("/budget/?lang=ka"))
    assert "100\xa0₾" in html, html.split("<main")[1][:600]


def test_attachment_size_is_in_georgian_units(app, client):
    from news import services

    post = make_post(app)
    with app.test_request_context():
        services.attach_pdf(db.session.get(Post, post.id), "ოქმი.pdf", PDF, None)
        db.session.commit()
    assert "PDF, 1 კბ" in text_of(client.get(f"/news/{post.id}?lang=ka"))
    assert "PDF, 1 KB" in text_of(client.get(f"/news/{post.id}?lang=en"))


# --- 3. The feed link --------------------------------------------------------------------

FEED_LINKS = re.compile(r'href="(/news/feed\.atom[^"]*)"')


def test_feed_links_keep_the_language_and_the_filters(client):
    html = text_of(client.get("/news/?lang=en&kind=meeting&tag=ogp"))
    links = {link.replace("&amp;", "&") for link in FEED_LINKS.findall(html)}
    assert "/news/feed.atom?kind=meeting&tag=ogp&lang=en" in links
    assert all("lang=en" in link for link in links), links  # header, footer and the list
    assert "Follow this news in a feed reader" in html


def test_feed_entries_and_self_link_keep_language_and_filters(app, client):
    make_post(app, kind="meeting")
    feed = etree.fromstring(client.get("/news/feed.atom?lang=en&kind=meeting").data)
    self_link = feed.find(f"{ATOM}link[@rel='self']").get("href")
    assert "kind=meeting" in self_link
    assert "lang=en" in self_link
    entry_link = feed.find(f"{ATOM}entry/{ATOM}link").get("href")
    assert entry_link.endswith("?lang=en")


# --- 4. Flash messages in the new language -----------------------------------------------


def test_saving_the_profile_in_another_language_says_so_in_that_language(client):
    user = make_user(locale="ka")
    log_in(client, user)
    response = submit(
        client,
        "/accounts/profile",
        {"name": user.name, "district": "0", "locale": "en"},
        follow_redirects=True,
    )
    html = text_of(response)
    assert '<html lang="en">' in html
    assert "Your profile is saved." in html
    assert "პროფილი შენახულია." not in html


def test_a_message_flashed_in_georgian_shows_in_english_after_switching(client):
    log_in(client, make_user(locale="ka"))
    submit(client, "/accounts/logout", {}, form_url="/")
    html = text_of(client.get("/?lang=en"))
    assert "You are logged out on every device." in html


def test_login_prompt_is_shown_in_the_language_of_the_login_page(client):
    client.get("/accounts/profile?lang=ka")  # flashes the prompt, in Georgian
    html = text_of(client.get("/accounts/login?lang=en"))
    assert "Please log in to continue." in html


# --- 6. Forms ----------------------------------------------------------------------------


class FormFields(HTMLParser):
    """The fields a person fills in, with their attributes."""

    def __init__(self):
        super().__init__()
        self.fields = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select" or (
            tag == "input" and attrs.get("type") not in ("hidden", "file", "checkbox", "submit")
        ):
            self.fields.append(attrs)


def fields_of(html: str) -> list[dict]:
    parser = FormFields()
    parser.feed(html.split('<main id="main"', 1)[1])
    return parser.fields


def test_error_summary_links_to_each_field_with_an_error(client):
    html = text_of(submit(client, "/accounts/signup?lang=en", {"name": "", "email": "x"}))
    summary = html.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert 'tabindex="-1"' in html.split('class="error-summary"', 1)[0][-200:] + summary
    assert '<a href="#name">Please enter your name.</a>' in summary
    assert '<a href="#email">This does not look like an e-mail address.</a>' in summary
    assert '<a href="#password">Please enter a password.</a>' in summary
    assert "static/js/error-summary.js" in html
    # The summary comes before the form it describes.
    assert html.index("error-summary") < html.index('<form method="post" novalidate')


def test_password_rules_are_shown_before_the_first_try(client):
    html = text_of(client.get("/accounts/signup?lang=en"))
    assert '<p class="hint" id="password-hint">At least 10 characters.</p>' in html
    assert 'aria-describedby="password-hint"' in html


ACCOUNT_PAGES = ["/accounts/signup", "/accounts/login", "/accounts/reset"]
LOGGED_IN_PAGES = ["/accounts/profile", "/accounts/password", "/accounts/residency"]


def test_every_account_field_has_an_autocomplete_token(client):
    pages = {path: text_of(client.get(path)) for path in ACCOUNT_PAGES}
    log_in(client, make_user())
    pages |= {path: text_of(client.get(path)) for path in LOGGED_IN_PAGES}
    missing = {
        path: [f.get("name") for f in fields_of(html) if not f.get("autocomplete")]
        for path, html in pages.items()
    }
    assert missing == {path: [] for path in pages}
    tokens = {f["name"]: f["autocomplete"] for f in fields_of(pages["/accounts/password"])}
    assert tokens == {
        "current_password": "current-password",
        "password": "new-password",
        "confirm": "new-password",
    }
    signup = {f["name"]: f["autocomplete"] for f in fields_of(pages["/accounts/signup"])}
    assert signup == {"name": "name", "email": "email", "password": "new-password"}


def test_reset_password_page_fields_help_password_managers(app, client):
    from accounts import tokens

    user = make_user()
    with app.test_request_context():
        token = tokens.reset_token(user)
    html = text_of(client.get(f"/accounts/reset/{token}"))
    assert [f.get("autocomplete") for f in fields_of(html)] == ["new-password", "new-password"]


KEPT = re.compile(r'name="kept_attachment" type="hidden" value="([^"]+)"')


def test_a_chosen_pdf_is_kept_when_another_field_fails(client):
    log_in(client, make_user(Role.EDITOR))
    form = {
        "title_ka": "",
        "body_ka": "ოქმი თან ერთვის.",
        "kind": "minutes",
        "save": "1",
        "attachment": (io.BytesIO(PDF), "ოქმი.pdf"),
    }
    response = submit(client, "/news/new?lang=en", form, content_type="multipart/form-data")
    assert response.status_code == 422
    html = text_of(response)
    assert "ოქმი.pdf is kept from your last try" in html
    token = KEPT.search(html).group(1)

    again = {**form, "title_ka": "სხდომის ოქმი", "kept_attachment": token}
    del again["attachment"]
    response = submit(client, "/news/new?lang=en", again, content_type="multipart/form-data")
    assert response.status_code == 302
    post = db.session.scalars(db.select(Post).filter_by(title_ka="სხდომის ოქმი")).one()
    assert [a.filename for a in post.attachments] == ["ოქმი.pdf"]
    download = client.get(f"/news/attachments/{post.attachments[0].id}/x.pdf")
    assert download.data == PDF


def test_a_forged_kept_pdf_token_is_refused_plainly(client):
    log_in(client, make_user(Role.EDITOR))
    form = {"title_ka": "სათაური", "body_ka": "ტექსტი", "kind": "news", "save": "1"}
    response = submit(client, "/news/new?lang=en", {**form, "kept_attachment": "../../etc"})
    assert response.status_code == 422
    assert "Please choose it again." in text_of(response)
    assert db.session.scalars(db.select(Post).filter_by(title_ka="სათაური")).all() == []


# --- 7. Demo posts carry the PDF they mention --------------------------------------------


def valid_pdf_objects(content: bytes) -> bool:
    """The cross-reference table points at each object, as a PDF reader expects."""
    start = int(content.rsplit(b"startxref", 1)[1].split()[0])
    table = content[start:].split(b"trailer")[0].splitlines()[3:]
    offsets = [int(row.split()[0]) for row in table if row.strip()]
    return all(
        content[offset:].startswith(f"{n} 0 obj".encode())
        for n, offset in enumerate(offsets, start=1)
    )


def test_demo_posts_that_mention_a_pdf_carry_one(app, client):
    with app.test_request_context():
        load()
        db.session.commit()
    posts = db.session.scalars(db.select(Post)).all()
    mentioning = [p for p in posts if "attached" in p.body_en or "თან ერთვის" in p.body_ka]
    assert len(mentioning) == 4
    for post in posts:
        assert bool(post.attachments) == (post in mentioning), post.title_en
    for post in mentioning:
        content = client.get(f"/news/attachments/{post.attachments[0].id}/x.pdf").data
        assert content.startswith(b"%PDF-1.4")
        assert content.rstrip().endswith(b"%%EOF")
        assert valid_pdf_objects(content)
        title = post.title_en.encode("cp1252").replace(b"(", b"\\(").replace(b")", b"\\)")
        assert b"(" + title + b")" in content
    with app.test_request_context():
        assert load().startswith("news: 0 posts loaded")
        db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(Post)) == len(posts)


@pytest.mark.parametrize("lang", ["ka", "en"])
def test_demo_post_pages_list_the_pdf(app, client, lang):
    with app.test_request_context():
        load()
        db.session.commit()
    post = db.session.scalars(db.select(Post).where(Post.attachments.any())).first()
    assert ".pdf</a>" in text_of(client.get(f"/news/{post.id}?lang={lang}"))
