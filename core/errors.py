"""Domain errors and the handlers that turn every user-caused error into a clear 4xx page."""

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from core.db import db


class Refused(Exception):
    """A service refused an action; the message is already translated for the user."""

    def __init__(self, message: str, status: int = 400, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.field = field


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/open311/")) or request.is_json


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Please check what you entered."),
        403: _("You do not have permission to do this."),
        404: _("We could not find this page."),
        405: _("This address does not accept that kind of request."),
        409: _("This conflicts with the current state. Please reload and try again."),
        413: _("The upload is too large."),
        429: _("Too many attempts. Please wait a little and try again."),
    }


def error_page(status: int, message: str):
    if _wants_json():
        return jsonify(error={"code": status, "message": message}), status
    return render_template("errors/error.html", status=status, message=message), status


def _handle_http(error: HTTPException):
    status = error.code or 500
    if status >= 500:
        return _handle_crash(error)
    return error_page(status, _messages().get(status, error.description or ""))


def _handle_crash(error: Exception):
    """Our fault, not the user's: say so in their language; the traceback goes to the log."""
    if not isinstance(error, HTTPException):
        current_app.logger.exception("unhandled error", exc_info=error)
    db.session.rollback()
    return error_page(500, _("Something went wrong on our side. Please try again later."))


def _handle_csrf(error: CSRFError):
    """Offer the user's own input back with a fresh token, so an expired form loses nothing."""
    if request.method != "POST" or _wants_json():
        return error_page(400, _("The form has expired. Please submit it again."))
    kept = [
        (key, value)
        for key, value in request.form.items(multi=True)
        if key != "csrf_token" and "password" not in key
    ]
    page = render_template("errors/csrf.html", kept=kept, action=request.full_path.rstrip("?"))
    return page, 400


def _handle_refused(error: Refused):
    return error_page(error.status, error.message)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(Refused, _handle_refused)
    if not app.config.get("TESTING"):
        app.register_error_handler(Exception, _handle_crash)
