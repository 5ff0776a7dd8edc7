"""Security headers with a strict Content-Security-Policy (no inline script), rate limits,
private pages kept out of caches, and addresses that never lead off the site."""

import re
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from itsdangerous import URLSafeTimedSerializer

from core.extensions import limiter


# Rate-limit keys. One address can be a whole City Hall kiosk or university, so its limits
# are generous; the tight limits count per account or per typed e-mail address instead.
def address_key() -> str:
    return f"address:{get_remote_address()}"


def account_key() -> str:
    if current_user.is_authenticated:
        return f"account:{current_user.id}"
    return address_key()


def typed_email_key() -> str:
    email = (request.form.get("email") or "").strip().lower()
    return f"email:{email}" if email else address_key()


PLAIN_ORIGIN = re.compile(r"https?://[a-z0-9.-]+(:\d{1,5})?")


def connect_sources(config) -> list[str]:
    """Origins the pages' scripts may fetch from besides this site: CSP_CONNECT_SRC (spaces
    between origins) and the geocoder of the report form's address search."""
    # Only plain origins: a ";" would start a directive of its own in the policy.
    given = (config.get("CSP_CONNECT_SRC") or "").lower().split()
    sources = [value.rstrip("/") for value in given if PLAIN_ORIGIN.fullmatch(value.rstrip("/"))]
    geocoder = _origin(config.get("GEOCODER_URL") or "")
    if geocoder:
        sources.append(geocoder)
    return list(dict.fromkeys(sources))


def content_security_policy(tile_url: str, connect_src: list[str] | tuple = ()) -> str:
    tiles = urlsplit(tile_url.replace("{s}", "a"))
    tile_origin = f"{tiles.scheme}://{tiles.netloc}" if tiles.netloc else ""
    tile_host = tile_origin.replace("://a.", "://*.")
    connect = " ".join(["'self'", *connect_src])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' data: {tile_host}".strip(),
            "font-src 'self'",
            f"connect-src {connect}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def site_url(endpoint: str, **values) -> str:
    """An absolute address for feeds and mail, built on BASE_URL: the Host header of a request
    is chosen by whoever sends it, so it never makes a link."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


# What browsers read as "another site" at the start of a path: `//host`, `/\host`, and either
# of those with tabs or line breaks in between (browsers drop them).
_OFF_SITE = re.compile(r"^[/\\\s\x00-\x1f]{2,}|[\\\x00-\x1f\x7f]")


def local_path(target: str | None) -> str | None:
    """`target` when it is a path on this site (e.g. a `next=` or the page's own path),
    else None: never a scheme, a host, a backslash or a control character."""
    if not target or not target.startswith("/") or _OFF_SITE.search(target):
        return None
    parts = urlsplit(target)
    return target if not (parts.scheme or parts.netloc) else None


def same_origin() -> bool:
    """The request says it comes from one of this site's own pages (Origin, else Referer)."""
    source = request.headers.get("Origin") or request.headers.get("Referer") or ""
    origin = _origin(source)
    return bool(origin) and origin in {
        _origin(current_app.config["BASE_URL"]),
        _origin(request.host_url),
    }


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def start_session(user, remember: bool = False) -> None:
    """Log in with a fresh session: nothing from before (a CSRF token included) carries over."""
    session.clear()
    login_user(user, remember=remember)


def end_session() -> None:
    """Forget this browser's session and remember-me cookie. That copies of those cookies stop
    working too is the account's `session_version`, raised by the log-out service."""
    session.clear()
    logout_user()


def is_private() -> bool:
    """Pages no shared cache may keep: anything for a logged-in user (staff pages included)
    and any page carrying a CSRF token (every form). A view that never looked at the user
    (a static file, the public feed) shows nothing private and loads no session for this."""
    user = g.get("_login_user")  # set by Flask-Login once something asked for current_user
    # `is_anonymous`, not `is_authenticated`: after the commit that would load the account again.
    return bool(user is not None and not user.is_anonymous) or "csrf_token" in g


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer built once per set of keys
    instead of on every request (twice when the session is saved). Its other settings are
    this interface's own, so one interface keeps one serializer, made anew when the keys
    change."""

    def __init__(self) -> None:
        self._kept: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if self._kept is None or self._kept[0] != keys:
            self._kept = (keys, super().get_signing_serializer(app))
        return self._kept[1]


def init_security(app: Flask) -> None:
    app.session_interface = SessionCookies()
    policy = content_security_policy(app.config["TILE_URL"], connect_sources(app.config))
    production = app.config["GHIA_ENV"] == "production"

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "geolocation=(self), camera=(), microphone=()"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if is_private():
            response.headers["Cache-Control"] = "no-store"
            response.vary.add("Cookie")
        if production:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response

    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    if app.config["GHIA_ENV"] == "production" and not app.config.get("REDIS_URL"):
        # Each process would count on its own: N workers make every limit N times looser.
        app.logger.warning("REDIS_URL is not set: rate limits are kept per process")
    limiter.init_app(app)
