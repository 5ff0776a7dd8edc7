"""Locale selection and locale-aware formatting (dates, numbers, GEL) through Babel."""

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from enum import StrEnum
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from babel.numbers import format_currency, get_decimal_symbol, get_group_symbol
from flask import Flask, current_app, flash, get_flashed_messages, has_request_context, request
from flask_babel import (
    force_locale,
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    gettext,
)
from flask_login import current_user
from jinja2 import pass_context

LANG_COOKIE = "lang"

# How each language writes a day, a moment and an amount of money: the one place to change it.
# Georgian: „2017 წლის 19 ოქტომბერი“, lari after the number (CLDR's ka pattern);
# English: day month year, the currency code after the amount, as in „1,234.50 GEL“.
FORMATS = {
    "ka": {
        "day": "y 'წლის' d MMMM",
        "moment": "y 'წლის' d MMMM, HH:mm",
        "money": "#,##0.00\u00a0¤",
        "whole_money": "#,##0\u00a0¤",
    },
    "en": {
        "day": "d MMMM y",
        "moment": "d MMMM y, HH:mm",
        "money": "#,##0.00\u00a0¤¤",
        "whole_money": "#,##0\u00a0¤¤",
    },
}


class Locale(StrEnum):
    """The languages of the site; Georgian first (the default), as in `LANGUAGES`."""

    KA = "ka"
    EN = "en"


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a string for extraction where it is translated later (e.g. by Flask-Login)."""
    return message


def requested_language() -> str | None:
    lang = request.args.get("lang")
    return lang if lang in current_app.config["LANGUAGES"] else None


def select_locale() -> str:
    """?lang=… for this request, then the profile, then the cookie, then Accept-Language."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = requested_language()
    if chosen:
        return chosen
    if current_user and current_user.is_authenticated:
        return current_user.locale
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in languages:
        return cookie
    return request.accept_languages.best_match(languages) or languages[0]


def save_language_in_profile() -> None:
    """An explicit ?lang=… choice becomes the logged-in user's language; it is saved with
    the request's transaction."""
    chosen = requested_language()
    if chosen and current_user.is_authenticated and current_user.locale != chosen:
        current_user.locale = chosen


def remember_language(response):
    """Keep an explicit ?lang=… choice in a cookie for visitors who are not logged in."""
    chosen = requested_language()
    if chosen:
        response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 86400, samesite="Lax")
    return response


def in_each_locale(render: Callable[[], str]) -> dict[str, str]:
    """Render a text once per language, e.g. for bilingual automatic news posts and mail."""
    result = {}
    for lang in current_app.config["LANGUAGES"]:
        with force_locale(lang):
            result[lang] = render()
    return result


def localized(ka: str, en: str | None) -> str:
    """The English text on English pages when there is one; Georgian otherwise."""
    return (en or ka) if current_language() == "en" else ka


def city_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def to_local(moment: datetime) -> datetime:
    """A stored (UTC) moment as the city's clock shows it, for pages and form fields."""
    return moment.astimezone(city_zone())


def from_local(value: date | datetime | None) -> datetime | None:
    """A day or a wall-clock time typed in the city's time zone, as a UTC moment to store.

    A day means its local midnight. The inverse of `to_local`, so a saved form never shifts.
    """
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=city_zone())
    return value.astimezone(UTC)


def _pattern(name: str) -> str:
    return FORMATS.get(current_language(), FORMATS["ka"])[name]


def money(amount, currency: str = "GEL", cents: bool = True) -> str:
    """An amount in the page's language; `cents=False` for round sums in running text."""
    pattern = _pattern("money" if cents else "whole_money")
    return format_currency(
        amount, currency, format=pattern, locale=str(get_locale()), currency_digits=cents
    )


def number(value) -> str:
    return format_decimal(value)


def when(value: date | datetime | None) -> str:
    """A moment (day and time in the city's time zone), or a day."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, _pattern("moment"))
    return day(value)


def day(value: date | datetime | None) -> str:
    """A calendar day, in the city's time zone for moments."""
    return format_date(value, _pattern("day")) if value else ""


def flash_later(message: str, category: str = "message", **params) -> None:
    """Flash a message id (marked with N_) that is translated when it is shown, so it speaks
    the language of the page showing it, even when the language changed in between."""
    flash({"msgid": message, "params": params}, category)


def deferred(message: str) -> dict:
    """Flask-Login's hook: its message is flashed untranslated and translated when shown."""
    return {"msgid": message, "params": {}}


def flashed_messages() -> list[tuple[str, str]]:
    """The flashed messages as (category, text), translated now."""
    shown = []
    for category, message in get_flashed_messages(with_categories=True):
        if isinstance(message, dict):
            msgid, params = message["msgid"], message.get("params", {})
            message = gettext(msgid, **params)
        shown.append((category, message))
    return shown


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale else "ka"


def url_with_lang(lang: str) -> str:
    """This page's address in another language, always on this site: the path is whatever
    was requested (on a 404 page, anything), so `//host` and `/\\host` must not survive."""
    path = "/" + quote(request.path.lstrip("/"), safe="/:@!$&'()*+,;=-._~")
    args = {**request.args.to_dict(), "lang": lang}
    return f"{path}?{urlencode(args)}"


def city_name() -> str:
    key = "CITY_NAME_EN" if current_language() == "en" else "CITY_NAME_KA"
    return current_app.config[key]


def number_symbols() -> dict[str, str]:
    """The page's group and decimal marks from Babel, for scripts: browsers' Intl may lack a
    locale (Chromium's has no Georgian, so charts would group Georgian numbers with commas)."""
    locale = get_locale()
    return {"group": get_group_symbol(locale), "decimal": get_decimal_symbol(locale)}


def _per_request(format_value: Callable) -> Callable:
    """A Jinja filter that Jinja never runs at compile time: its result depends on the page's
    language, yet Jinja folds filters of constants (`100|money`) once, in the first language."""

    @pass_context
    def jinja_filter(_context, value, *args, **kwargs):
        return format_value(value, *args, **kwargs)

    return jinja_filter


def init_i18n(app: Flask) -> None:
    app.before_request(save_language_in_profile)
    app.after_request(remember_language)
    app.jinja_env.add_extension("jinja2.ext.do")
    formats = {"money": money, "number": number, "when": when, "day": day}
    app.jinja_env.filters.update({name: _per_request(f) for name, f in formats.items()})
    app.jinja_env.globals.update(
        current_language=current_language,
        url_with_lang=url_with_lang,
        city_name=city_name,
        number_symbols=number_symbols,
        flashed_messages=flashed_messages,
    )
