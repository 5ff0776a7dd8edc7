"""Security headers with a strict Content-Security-Policy (no inline script) and rate limits."""

from urllib.parse import urlsplit

from flask import Flask, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

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


def content_security_policy(tile_url: str) -> str:
    tiles = urlsplit(tile_url.replace("{s}", "a"))
    tile_origin = f"{tiles.scheme}://{tiles.netloc}" if tiles.netloc else ""
    tile_host = tile_origin.replace("://a.", "://*.")
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' data: {tile_host}".strip(),
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def init_security(app: Flask) -> None:
    policy = content_security_policy(app.config["TILE_URL"])
    production = app.config["GHIA_ENV"] == "production"

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "geolocation=(self), camera=(), microphone=()"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if production:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response

    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    limiter.init_app(app)
