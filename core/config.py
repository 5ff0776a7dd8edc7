"""Configuration from the environment; see the README's configuration table."""

import os
import secrets
from pathlib import Path
from urllib.parse import quote

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE = PROJECT_ROOT / "instance"
DEFAULT_SECRET = "dev-only-not-secret"  # noqa: S105 - the value production refuses
# The feature modules that exist; GHIA_MODULES picks among them (core is always there).
KNOWN_MODULES = ("accounts", "news", "petitions", "budgeting", "smartmap")


def local_socket_dir(instance: Path = INSTANCE) -> str:
    """Where scripts/pg.sh's cluster has its socket: the directory it wrote to instance/pg-host
    (outside the checkout when the postgres user cannot reach it), else instance/pg."""
    pointer = instance / "pg-host"
    if pointer.exists():
        return pointer.read_text().rstrip("\n")
    return str(instance / "pg")


def local_database_url(name: str = "ghia", instance: Path = INSTANCE) -> str:
    """The project-local cluster, reached over its Unix socket (a path with spaces or `%`
    is percent-encoded for the URL)."""
    return f"postgresql+psycopg://postgres@/{name}?host={quote(local_socket_dir(instance))}"


def _development_secret() -> str:
    """A per-checkout random key, so development cookies survive restarts."""
    path = INSTANCE / "secret_key"
    if not path.exists():
        INSTANCE.mkdir(exist_ok=True)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Config:
    GHIA_ENV = os.environ.get("GHIA_ENV", "development")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or local_database_url()
    # Pooled connections are checked by core.pool, not by pool_pre_ping. TCP keepalives
    # (libpq's, ignored on a Unix socket): probe after 60 s of quiet, every 10 s, give up after
    # 3 unanswered probes.
    SQLALCHEMY_ENGINE_OPTIONS = {
        "connect_args": {
            "keepalives": 1,
            "keepalives_idle": 60,
            "keepalives_interval": 10,
            "keepalives_count": 3,
        }
    }
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    PERSONAL_NUMBER_KEY = os.environ.get("PERSONAL_NUMBER_KEY", "")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = _int("MAIL_PORT", 1025)  # in development also the port of the mail catcher
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "") == "1"
    MAIL_FROM = os.environ.get("MAIL_FROM", "Ghia <no-reply@ghia.localhost>")
    # Where residents send questions and requests about their personal data (privacy notice).
    PRIVACY_CONTACT = os.environ.get("PRIVACY_CONTACT", "privacy@ghia.localhost")
    REDIS_URL = os.environ.get("REDIS_URL", "")
    PROXY_COUNT = _int("PROXY_COUNT", 0)
    PORT = _int("PORT", 5000)  # of the development server (`make run`)
    BASE_URL = os.environ.get("BASE_URL") or f"http://127.0.0.1:{PORT}"
    UPLOAD_BACKEND = os.environ.get("UPLOAD_BACKEND", "local")
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE / "uploads"))
    DEV_MAILDIR = os.environ.get("DEV_MAILDIR", str(INSTANCE / "devmail"))
    MAX_CONTENT_LENGTH = _int("MAX_UPLOAD_MB", 50) * 1024 * 1024
    TILE_URL = os.environ.get("TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    TILE_ATTRIBUTION = os.environ.get("TILE_ATTRIBUTION", "© OpenStreetMap contributors")
    # Smart map: how near an open report of the same category counts as a likely duplicate,
    # and the Nominatim-compatible geocoder for typed addresses (none: coordinates only).
    MAP_DUPLICATE_RADIUS_M = _int("MAP_DUPLICATE_RADIUS_M", 250)
    GEOCODER_URL = os.environ.get("GEOCODER_URL", "")
    # Open311: the jurisdiction_id this server answers for (e.g. tbilisi.gov.ge); empty: any.
    OPEN311_JURISDICTION = os.environ.get("OPEN311_JURISDICTION", "")
    # Reports by people not logged in wait this long for their e-mail link, then are deleted.
    MAP_HELD_REPORT_HOURS = _int("MAP_HELD_REPORT_HOURS", 48)
    # Further origins scripts may fetch from (CSP connect-src), separated by spaces; the
    # geocoder's origin is added by itself.
    CSP_CONNECT_SRC = os.environ.get("CSP_CONNECT_SRC", "")
    # The forms used in "<city> City Hall": Georgian needs the genitive case.
    CITY_NAME_KA = os.environ.get("CITY_NAME_KA", "თბილისის")
    CITY_NAME_EN = os.environ.get("CITY_NAME_EN", "Tbilisi")
    EMAIL_CONFIRM_MAX_AGE = _int("EMAIL_CONFIRM_HOURS", 48) * 3600
    PASSWORD_RESET_MAX_AGE = _int("PASSWORD_RESET_HOURS", 2) * 3600
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    BABEL_DEFAULT_LOCALE = "ka"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("TIMEZONE", "Asia/Tbilisi")
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "translations")
    LANGUAGES = ("ka", "en")
    GHIA_MODULES = os.environ.get("GHIA_MODULES") or ",".join(KNOWN_MODULES)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = 12 * 3600
    # --- petitions (SPEC §4; see the README) ---
    # Each threshold: an absolute number of signatures, or "N%" of CITY_REGISTERED_VOTERS;
    # crossing one asks for an official response within PETITION_RESPONSE_DAYS.
    PETITION_THRESHOLDS = os.environ.get("PETITION_THRESHOLDS", "1%")
    # Tbilisi's registered voters, rounded (CEC voter list); 1 % of them is the legal bar.
    CITY_REGISTERED_VOTERS = _int("CITY_REGISTERED_VOTERS", 1_100_000)
    PETITION_OPEN_DAYS = _int("PETITION_OPEN_DAYS", 30)
    PETITION_SPONSORS = _int("PETITION_SPONSORS", 5)
    PETITION_RESPONSE_DAYS = _int("PETITION_RESPONSE_DAYS", 30)
    PETITION_REQUIRE_RESIDENCY = os.environ.get("PETITION_REQUIRE_RESIDENCY", "") == "1"
    PETITION_ANONYMISE_DAYS = _int("PETITION_ANONYMISE_DAYS", 183)  # about 6 months
    PETITION_REJECTION_REASONS = os.environ.get(
        "PETITION_REJECTION_REASONS", "duplicate,not_city_matter,offensive,unclear,personal_data"
    )


def module_names(value: str | tuple | list) -> tuple[str, ...]:
    """GHIA_MODULES as a tuple: comma-separated in the environment, unknown names refused."""
    names = [name.strip() for name in value.split(",")] if isinstance(value, str) else value
    names = [name for name in names if name]
    unknown = sorted(set(names) - set(KNOWN_MODULES))
    if unknown:
        raise RuntimeError(
            f"GHIA_MODULES names unknown modules: {', '.join(unknown)}. "
            f"Known modules: {', '.join(KNOWN_MODULES)}."
        )
    return tuple(dict.fromkeys(names))


def load_config(overrides: dict | None = None) -> dict:
    """Collect settings and refuse an unsafe production start."""
    config = {k: v for k, v in vars(Config).items() if k.isupper()}
    config.update(overrides or {})
    config["GHIA_MODULES"] = module_names(config["GHIA_MODULES"])
    production = config["GHIA_ENV"] == "production"
    if not config["SECRET_KEY"] or config["SECRET_KEY"] == DEFAULT_SECRET:
        if production:
            raise RuntimeError("GHIA_ENV=production needs a SECRET_KEY of your own.")
        config["SECRET_KEY"] = _development_secret()
    if not config["PERSONAL_NUMBER_KEY"]:
        if production:
            raise RuntimeError("GHIA_ENV=production needs a PERSONAL_NUMBER_KEY of your own.")
        config["PERSONAL_NUMBER_KEY"] = config["SECRET_KEY"] + ":personal-number"
    if production:
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
        config["PREFERRED_URL_SCHEME"] = "https"
    return config
