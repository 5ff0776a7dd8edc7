"""Page throughput in-process (Flask test client, one thread) against a trivial Flask app.

`ratio` is a page's requests per second over the hello app's: the cost of the page itself
(queries, templates, i18n), without the network or the WSGI server.
"""

from bench.common import bench_app, hello_app, timed_requests
from core.db import db
from news.models import Post

SECONDS = 3.0


def run() -> dict:
    hello = timed_requests(hello_app().test_client(), "/", SECONDS)
    app = bench_app()
    with app.app_context():
        post_id = db.session.scalar(db.select(Post.id).where(Post.status == "published").limit(1))
    paths = {
        "home": "/",
        "news_list": "/news/",
        "news_detail": f"/news/{post_id}",
        "news_feed": "/news/feed.atom",
        "news_search": "/news/?q=OGP",
        "map": "/map/",
        "login": "/accounts/login",
        "healthz": "/healthz",
        "home_en": "/?lang=en",
    }
    client = app.test_client()
    pages = {}
    for name, path in paths.items():
        figures = timed_requests(client, path, SECONDS)
        figures["ratio"] = round(figures["rps"] / hello["rps"], 4)
        pages[name] = figures
    return {"hello_rps": hello["rps"], "pages": pages}
