"""The petition settings of the running app (core/config.py's petitions block)."""

from flask import current_app
from flask_babel import lazy_gettext as _l

REASON_LABELS = {
    "duplicate": _l("A petition on the same matter is already open"),
    "not_city_matter": _l("Not a matter for City Hall"),
    "offensive": _l("Offensive or discriminatory language"),
    "unclear": _l("It is not clear what the petition asks for"),
    "personal_data": _l("It contains someone's personal data"),
}


def _config(name: str):
    return current_app.config[name]


def thresholds() -> list[int]:
    """The thresholds as numbers of signatures, smallest first ("1%" of the voters or "5000")."""
    voters = int(_config("CITY_REGISTERED_VOTERS"))
    numbers = set()
    for item in str(_config("PETITION_THRESHOLDS")).split(","):
        item = item.strip()
        if item.endswith("%"):
            numbers.add(max(1, round(voters * float(item[:-1]) / 100)))
        elif item:
            numbers.add(int(item))
    return sorted(numbers)


def first_threshold() -> int:
    return thresholds()[0]


def open_days() -> int:
    return int(_config("PETITION_OPEN_DAYS"))


def sponsors_needed() -> int:
    return int(_config("PETITION_SPONSORS"))


def response_days() -> int:
    return int(_config("PETITION_RESPONSE_DAYS"))


def anonymise_days() -> int:
    return int(_config("PETITION_ANONYMISE_DAYS"))


def residency_required() -> bool:
    return bool(_config("PETITION_REQUIRE_RESIDENCY"))


def rejection_reasons() -> list[str]:
    return [r.strip() for r in str(_config("PETITION_REJECTION_REASONS")).split(",") if r.strip()]


def reason_label(reason: str | None) -> str:
    return str(REASON_LABELS.get(reason, reason or ""))
