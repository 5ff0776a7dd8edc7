"""Logging with the request id, so one request's lines can be found together."""

import logging
import re
import secrets

from flask import Flask, g, has_request_context, request

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# A proxy's id is letters, digits and - _ . : (UUIDs, hex); anything else is someone's attempt
# to write their own lines into our log or our response headers.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def request_id_from(header: str | None) -> str:
    """The proxy's request id when it is a plain token, else a new one."""
    if header and REQUEST_ID.fullmatch(header):
        return header
    return secrets.token_hex(8)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def init_logging(app: Flask) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    if not any(isinstance(f, RequestIdFilter) for h in root.handlers for f in h.filters):
        root.addHandler(handler)
    root.setLevel(logging.INFO)

    @app.before_request
    def _request_id():
        # A proxy's id is kept when it sends one, so logs of both sides match.
        g.request_id = request_id_from(request.headers.get("X-Request-ID"))

    @app.after_request
    def _echo_request_id(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        return response
