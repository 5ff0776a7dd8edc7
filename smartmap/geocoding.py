"""Addresses to places through the configured Nominatim-compatible geocoder (GEOCODER_URL),
for Open311 clients that send `address_string` instead of lat/long."""

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request

from flask import current_app
from flask_babel import gettext as _

from core.errors import Refused

MAX_ANSWER_BYTES = 1_000_000  # a truncated answer is no JSON: "not found"
TIMEOUT_S = 5


def configured() -> bool:
    return bool(current_app.config["GEOCODER_URL"])


def locate(address: str) -> tuple[float, float]:
    """(latitude, longitude) of the geocoder's best match, or a refusal (400, as Open311
    answers a failure while creating a request)."""
    query = urllib.parse.urlencode({"format": "json", "limit": 1, "q": address})
    url = f"{current_app.config['GEOCODER_URL'].rstrip('/')}/search?{query}"
    if not url.startswith(("http://", "https://")):
        raise Refused(_("The geocoder is not configured correctly."), 400)
    # Nominatim's usage policy asks every client to name itself.
    agent = {"User-Agent": f"Ghia ({current_app.config['BASE_URL']})"}
    asking = urllib.request.Request(url, headers=agent)  # noqa: S310 - http(s) only, above
    try:
        with urllib.request.urlopen(asking, timeout=TIMEOUT_S) as answer:  # noqa: S310 - checked
            found = json.loads(answer.read(MAX_ANSWER_BYTES))
        return float(found[0]["lat"]), float(found[0]["lon"])
    except (IndexError, KeyError, TypeError, ValueError):
        raise Refused(
            _("This address could not be found; please send lat and long."), 400
        ) from None
    except (OSError, urllib.error.URLError, http.client.HTTPException):  # e.g. not HTTP at all
        raise Refused(
            _("The address could not be looked up just now; please send lat and long."), 400
        ) from None
