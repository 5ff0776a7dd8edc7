"""Input bounds in one place: ids and page numbers in the database's range, and no NUL or
control characters in what the site reads from a request.

- Every `<int:…>` in a route is an id in PostgreSQL's `integer` range (else 404), so no
  query ever sends a number the column cannot hold.
- `page_number()` is the one parser of `?page=`.
- `refuse_control_characters` (run before every view) answers 400 for a NUL byte anywhere,
  and for any control character in the path, the query string or a header (cookies included). Form
  fields may carry tabs and line breaks; other control characters are removed from them by
  `clean_text`, the filter `core.forms.Form` puts on every text field, because they arrive by
  pasting (Word's vertical tab) rather than by intent, and XML (the Atom feed) cannot carry them.
"""

import re
from datetime import date, datetime, timedelta

from flask import Flask, abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from core.errors import Refused
from core.i18n import to_local

INT4_MAX = 2**31 - 1
MAX_PAGE = 10_000
# Dates people may enter: the city's records start after 1990; nothing is planned past 2100.
# The same bounds are CHECK constraints on the date columns (see the news_post migration).
EARLIEST_DAY, LATEST_DAY = date(1990, 1, 1), date(2099, 12, 31)

# C0 and C1 controls and DEL; tab, line feed and carriage return are ordinary in text.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Headers arrive as Latin-1 decoded bytes, so UTF-8 text in one shows bytes 0x80-0x9f: only
# C0 controls and DEL are refused there (a tab is allowed by HTTP).
CONTROL_IN_HEADER = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Characters that XML 1.0 cannot carry beyond the controls: lone surrogates and two non-characters.
NOT_XML = re.compile(r"[\ud800-\udfff\ufffe\uffff]")


class IdConverter(IntegerConverter):
    """`<int:post_id>` matching only ids a PostgreSQL `integer` column can hold."""

    def __init__(self, url_map, fixed_digits=0, min=1, max=INT4_MAX, signed=False):  # noqa: A002
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def is_id(value: int) -> bool:
    """An id an `integer` primary key can hold (for ids that come in as text, e.g. `news:7`)."""
    return 1 <= value <= INT4_MAX


def page_number(name: str = "page") -> int:
    """`?page=`: missing or nonsense is the first page; beyond any real listing is 404."""
    raw = request.args.get(name, "")
    if not raw.isdigit() or not raw.isascii():
        return 1
    if len(raw) > 6 or int(raw) > MAX_PAGE:
        abort(404)
    return max(int(raw), 1)


def day_in_range(day: date) -> bool:
    return EARLIEST_DAY <= day <= LATEST_DAY


def refuse_out_of_range(moment: datetime | None, field: str) -> None:
    """Refuse a moment outside the sane range (by the city's calendar) before the database or
    a feed meets it."""
    if moment is None:
        return
    try:
        day = to_local(moment).date()
    except OverflowError:  # year 1 at midnight in Tbilisi is year 0 in UTC
        day = date.min
    if not day_in_range(day):
        raise Refused(out_of_range_message(), status=422, field=field)


def sane_moment_check(column: str) -> str:
    """The database's CHECK for a date column: the sane range with a day's slack for zones."""
    first, last = EARLIEST_DAY - timedelta(days=1), LATEST_DAY + timedelta(days=2)
    return f"{column} IS NULL OR ({column} >= '{first}' AND {column} < '{last}')"


def out_of_range_message() -> str:
    return _(
        "Please enter a date between %(first)s and %(last)s.",
        first=EARLIEST_DAY.isoformat(),
        last=LATEST_DAY.isoformat(),
    )


def clean_text(value):
    """Remove the control characters (tab and line breaks stay) and non-XML characters."""
    if not isinstance(value, str):
        return value
    return NOT_XML.sub("", CONTROL_IN_TEXT.sub("", value))


def _has_control(values) -> bool:
    return any(CONTROL.search(value) for value in values)


def _bad_request_parts() -> bool:
    args = [item for pair in request.args.items(multi=True) for item in pair]
    form_values = [value for _, value in request.form.items(multi=True)]
    return (
        _has_control([request.path, *args, *request.form.keys()])
        or any(CONTROL_IN_HEADER.search(value) for _, value in request.headers.items())
        or any("\x00" in value for value in form_values)
    )


def refuse_control_characters() -> None:
    if _bad_request_parts():
        raise Refused(_("The request contains invisible control characters. Please remove them."))


def init_inputs(app: Flask) -> None:
    """Before any route is added: every `<int:…>` becomes a bounded id."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_control_characters)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_row(values) -> list:
    """A row for a downloadable CSV: text a spreadsheet would run as a formula (a petition
    titled "=HYPERLINK(…)") gets a leading apostrophe, as OWASP advises; numbers stay numbers."""
    return [
        "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value
        for value in values
    ]
