"""Open311 GeoReport v2 at /open311/v2/ (http://wiki.open311.org/GeoReport_v2), JSON and XML.

Clients written for other cities' servers must work unchanged, so names, formats and errors
follow the specification, not the rest of this site: errors are a list of
`{code, description}`, times are W3C date-times with the city's offset, statuses are
`open` or `closed`. POST is authenticated by `api_key` alone (no cookies, so no CSRF token).
With OPEN311_JURISDICTION set, a request naming another `jurisdiction_id` is not found (404);
a request naming none is served, as the specification allows a single-jurisdiction server.
"""

import hashlib
import secrets
from datetime import datetime, timedelta
from xml.etree import ElementTree

from flask import Blueprint, Response, current_app, json, request
from flask_babel import gettext as _
from sqlalchemy import cast, func, select
from werkzeug.exceptions import HTTPException

from core.db import db, utcnow
from core.errors import Refused
from core.extensions import limiter
from core.i18n import to_local
from core.inputs import clean_text, is_id
from core.security import site_url
from smartmap import attributes, geocoding, services
from smartmap.models import OPEN_STATUSES, ApiKey, Category, Report

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
FORMATS = {"json": "application/json", "xml": "text/xml"}
MAX_RESULTS = 1000
DEFAULT_DAYS = 90
MAX_RADIUS_M = 50_000
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-25T19:20:00+04:00"


class Open311Error(Exception):
    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code, self.description = code, description


def _format() -> str:
    fmt = (request.view_args or {}).get("fmt", "json")
    return fmt if fmt in FORMATS else "json"


def _xml(root: str, item: str | None, rows) -> bytes:
    """`<root><item><key>value</key>…</item>…</root>`; lists become repeated children."""
    top = ElementTree.Element(root)
    for row in rows if item else [rows]:
        element = ElementTree.SubElement(top, item) if item else top
        _fill(element, row)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(top, "utf-8")


def _fill(element, row: dict) -> None:
    for key, value in row.items():
        if isinstance(value, list):
            holder = ElementTree.SubElement(element, key)
            for entry in value:
                child = ElementTree.SubElement(holder, key.removesuffix("s") or key)
                _fill(child, entry) if isinstance(entry, dict) else _text(child, entry)
        else:
            _text(ElementTree.SubElement(element, key), value)


def _text(element, value) -> None:
    if isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def answer(rows, root: str, item: str | None, status: int = 200) -> Response:
    if _format() == "xml":
        return Response(_xml(root, item, rows), status, mimetype=FORMATS["xml"])
    body = json.dumps(rows, ensure_ascii=False)
    return Response(body, status, mimetype=FORMATS["json"])


@bp.before_request
def _known_format():
    if (request.view_args or {}).get("fmt") not in FORMATS:
        raise Open311Error(404, _("Open311 answers in .json or .xml."))


@bp.before_request
def _our_jurisdiction():
    ours = current_app.config["OPEN311_JURISDICTION"]
    asked = clean_text(request.values.get("jurisdiction_id", "")).strip()
    if ours and asked and asked != ours and request.endpoint != "open311.discovery":
        raise Open311Error(
            404,
            _(
                "jurisdiction_id %(asked)s is not served here; this server serves %(ours)s.",
                asked=asked[:100],
                ours=ours,
            ),
        )


@bp.errorhandler(Open311Error)
def _open311_error(error: Open311Error):
    return answer(
        [{"code": error.code, "description": error.description}], "errors", "error", error.code
    )


@bp.errorhandler(Refused)
def _refused(error: Refused):
    return _open311_error(Open311Error(error.status, error.message))


@bp.errorhandler(HTTPException)
def _http(error: HTTPException):
    return _open311_error(Open311Error(error.code or 400, error.description or error.name))


def w3c(moment: datetime | None) -> str | None:
    return to_local(moment).isoformat(timespec="seconds") if moment else None


def _parse_w3c(name: str) -> datetime | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, _("%(name)s must be a W3C date-time.", name=name)) from None
    if moment.tzinfo is None:
        raise Open311Error(400, _("%(name)s needs a time zone offset.", name=name))
    return moment


@bp.get("/discovery.<fmt>")
def discovery(fmt):
    endpoint = {
        "specification": SPECIFICATION,
        "url": site_url("open311.discovery", fmt=fmt).rsplit("/", 1)[0],
        "changeset": CHANGESET,
        "type": "production",
        "formats": list(FORMATS.values()),
    }
    body = {
        "changeset": CHANGESET,
        "contact": current_app.config["PRIVACY_CONTACT"],
        "key_service": _("API keys are issued by City Hall's administrators."),
        "endpoints": [endpoint],
    }
    if current_app.config["OPEN311_JURISDICTION"]:
        body["jurisdiction_id"] = current_app.config["OPEN311_JURISDICTION"]
    return answer(body, "discovery", None)


def _service(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.department,
        "metadata": bool(category.questions),
        "type": "realtime",
        "keywords": "",
        "group": category.department,
    }


@bp.get("/services.<fmt>")
def service_list(fmt):
    return answer([_service(c) for c in services.active_categories()], "services", "service")


@bp.get("/services/<code>.<fmt>")
def service_definition(code, fmt):
    category = services.category_by_code(code)
    if category is None:
        raise Open311Error(404, _("There is no service with this code."))
    body = {"service_code": category.code, "attributes": attributes.definition(category)}
    return answer(body, "service_definition", None)


def _request(report: Report, lon: float, lat: float) -> dict:
    notes = [u.public_message for u in report.updates if u.public_message]
    return {
        "service_request_id": str(report.id),
        "status": "open" if report.is_open else "closed",
        "status_notes": notes[-1] if notes else None,
        "service_name": report.category.name,
        "service_code": report.category.code,
        "description": report.description,
        "agency_responsible": report.category.department,
        "service_notice": None,
        "requested_datetime": w3c(report.created_at),
        "updated_datetime": w3c(report.updated_at),
        "expected_datetime": w3c(report.created_at + timedelta(days=report.category.target_days)),
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": lat,
        "long": lon,
        "media_url": _media_url(report),
    }


def _media_url(report: Report) -> str | None:
    processed = [photo for photo in report.photos if photo.processed]
    if processed:
        return site_url("smartmap.photo", photo_id=processed[0].id, size="full")
    return report.media_url


def _rows(statement) -> list[dict]:
    located = statement.add_columns(func.ST_X(Report.location), func.ST_Y(Report.location))
    return [_request(report, lon, lat) for report, lon, lat in db.session.execute(located)]


def _ids(text: str) -> list[int]:
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if not all(part.isdigit() and is_id(int(part)) for part in ids):
        raise Open311Error(400, _("service_request_id must be numbers separated by commas."))
    return [int(part) for part in ids]


def _filtered_requests():
    statement = select(Report)
    ids = request.args.get("service_request_id", "")
    if ids:  # the specification: other parameters are then ignored
        return statement.where(Report.id.in_(_ids(ids)))
    codes = [c for c in request.args.get("service_code", "").split(",") if c.strip()]
    if codes:
        statement = statement.join(Category).where(Category.code.in_(codes))
    statement = _status_filter(statement, request.args.get("status", ""))
    start, end = _parse_w3c("start_date"), _parse_w3c("end_date")
    if start is None and end is None:
        start = utcnow() - timedelta(days=DEFAULT_DAYS)
    if start:
        statement = statement.where(Report.created_at >= start)
    if end:
        statement = statement.where(Report.created_at <= end)
    return _near(statement).order_by(Report.created_at.desc()).limit(MAX_RESULTS)


def _status_filter(statement, text: str):
    wanted = {s.strip() for s in text.split(",") if s.strip()}
    if not wanted:
        return statement
    if not wanted <= {"open", "closed"}:
        raise Open311Error(400, _("status must be open or closed."))
    if wanted == {"open"}:
        return statement.where(Report.status.in_(OPEN_STATUSES))
    if wanted == {"closed"}:
        return statement.where(Report.status.not_in(OPEN_STATUSES))
    return statement


def _near(statement):
    lat, lon, radius = (request.args.get(n, "") for n in ("lat", "long", "radius"))
    if not (lat or lon):
        return statement
    lon_lat = _point_or_error(lat, lon)
    try:
        metres = float(radius) if radius else float(current_app.config["MAP_DUPLICATE_RADIUS_M"])
    except ValueError:
        metres = -1
    if not 0 < metres <= MAX_RADIUS_M:
        raise Open311Error(400, _("radius must be metres between 1 and 50000."))
    geography = services._geography()
    here = cast(services.point(*lon_lat), geography)
    return statement.where(func.ST_DWithin(cast(Report.location, geography), here, metres))


def _point_or_error(lat, lon) -> tuple[float, float]:
    try:
        return services.checked_point(lat, lon)
    except Refused as refusal:
        raise Open311Error(400, refusal.message) from None


@bp.get("/requests.<fmt>")
def request_list(fmt):
    return answer(_rows(_filtered_requests()), "service_requests", "request")


@bp.get("/requests/<int:request_id>.<fmt>")
def single_request(request_id, fmt):
    rows = _rows(select(Report).where(Report.id == request_id))
    if not rows:
        raise Open311Error(404, _("There is no request with this id."))
    return answer(rows, "service_requests", "request")


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_api_key(name: str) -> str:
    """A new key for an Open311 client; only its hash is kept, so it is shown once."""
    key = secrets.token_urlsafe(24)
    db.session.add(ApiKey(name=name, key_hash=key_hash(key)))
    db.session.flush()
    return key


def _api_key() -> ApiKey:
    key = request.form.get("api_key", "")
    found = db.session.scalars(
        select(ApiKey).where(ApiKey.key_hash == key_hash(key), ApiKey.active)
    ).first()
    if not key or found is None:
        raise Open311Error(403, _("api_key is missing or not valid."))
    return found


@bp.post("/requests.<fmt>")
@limiter.limit("300 per hour")
def create_request(fmt):
    api_key = _api_key()
    form = request.form
    category = services.category_by_code(form.get("service_code"))
    if category is None:
        raise Open311Error(404, _("service_code is missing or not known."))
    answers = attributes.checked_answers(category, attributes.sent_answers(form))
    lat, lon = _location(form)
    data = services.ReportInput(category.code, form.get("description", ""), lat, lon)
    report = services.create_report(data, None, api_key_id=api_key.id)
    services.answer_attributes(report, answers)
    media_url = clean_text(form.get("media_url", "")).strip()
    if media_url.startswith(("https://", "http://")) and len(media_url) <= 500:
        report.media_url = media_url
    body = [{"service_request_id": str(report.id), "service_notice": None, "account_id": None}]
    return answer(body, "service_requests", "request", 201)


def _location(form) -> tuple[str | float, str | float]:
    """lat and long as sent, else the geocoded address_string when a geocoder is configured."""
    if form.get("lat") and form.get("long"):
        return form["lat"], form["long"]
    address = clean_text(form.get("address_string", "")).strip()[:300]
    if address and geocoding.configured():
        return geocoding.locate(address)
    if address:
        raise Open311Error(
            400, _("lat and long are required: this server cannot look up address_string.")
        )
    raise Open311Error(400, _("lat and long (or address_string) are required."))
