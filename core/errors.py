"""Domain errors and the handlers that turn every user-caused error into a clear 4xx page."""

from flask import Flask, current_app, g, jsonify, render_template, request, session
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from core.db import db
from core.registry import current_registry
from core.security import local_path, same_origin


class Refused(Exception):
    """A service refused an action; the message is already translated for the user."""

    def __init__(self, message: str, status: int = 400, field: str | None = None, reason: str = ""):
        super().__init__(message)
        self.message = message
        self.status = status
        self.field = field
        self.reason = reason  # for code that decides on the refusal, never the message text


def wants_json() -> bool:
    if request.path.startswith(("/api/", "/open311/")) or request.is_json:
        return True
    # Operations declared in the API outside /api/ (the health check, feeds) answer in JSON too.
    return request.blueprint in {bp.name for bp in current_registry().api_blueprints}


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Please check what you entered."),
        401: _("Please log in to continue."),
        403: _("You do not have permission to do this."),
        404: _("We could not find this page."),
        405: _("This address does not accept that kind of request."),
        409: _("This conflicts with the current state. Please reload and try again."),
        413: _("The upload is too large."),
        422: _("Some values in the request are not valid."),
        429: _("Too many attempts. Please wait a little and try again."),
    }


def error_page(status: int, message: str, invalid: dict | None = None):
    if wants_json():
        detail = {"code": status, "message": message, **({"fields": invalid} if invalid else {})}
        return jsonify(error=detail), status
    return render_template("errors/error.html", status=status, message=message), status


def _invalid_fields(error: HTTPException) -> dict[str, list[str]]:
    """The API library's validation messages (`{"query": {"page": [...]}}`) by field name."""
    by_location = (getattr(error, "data", None) or {}).get("messages", {})
    return {
        name: [str(text) for text in (texts if isinstance(texts, list) else [texts])]
        for where in by_location.values()
        for name, texts in where.items()
    }


def _handle_http(error: HTTPException):
    status = error.code or 500
    if status >= 500:
        return _handle_crash(error)
    if status == 429 and request.method == "POST" and not wants_json():
        message = _messages()[429]
        return _refused_post(429, _("Too many attempts"), message, message)
    message = _messages().get(status, error.description or "")
    response = current_app.make_response(error_page(status, message, _invalid_fields(error)))
    if isinstance(error, MethodNotAllowed):  # it tells which methods the address accepts
        response.headers["Allow"] = ", ".join(error.valid_methods or [])
    return response


def _handle_crash(error: Exception):
    """Our fault, not the user's: say so in their language; the traceback goes to the log."""
    if not isinstance(error, HTTPException):
        current_app.logger.exception("unhandled error", exc_info=error)
    db.session.rollback()
    return error_page(500, _("Something went wrong on our side. Please try again later."))


def _refused_post(status: int, title: str, message: str, elsewhere_message: str):
    """A refused form post. From one of our own pages, the user's input comes back with a fresh
    token, so nothing typed is lost. From anywhere else it may be another site's forgery: no
    input, no token, and the session cookie stays as it was (a cross-site post arrives without
    it, and answering with a new one would log the user out)."""
    action = local_path(request.full_path.rstrip("?"))
    if action and same_origin():
        return _input_offered_again(status, title, message, action)
    g.leave_session_alone = True
    return error_page(status, elsewhere_message)


def _input_offered_again(status: int, title: str, message: str, action: str):
    """The user's own input back in a form with a fresh token (passwords are never echoed)."""
    kept = [
        (key, value)
        for key, value in request.form.items(multi=True)
        if key != "csrf_token" and "password" not in key
    ]
    page = render_template(
        "errors/resubmit.html", kept=kept, title=title, message=message, action=action
    )
    return page, status


def _handle_csrf(error: CSRFError):
    if request.method != "POST" or wants_json():
        return error_page(400, _("The form has expired. Please submit it again."))
    return _refused_post(
        400,
        _("The form has expired"),
        _(
            "For your security, forms are valid for a limited time. What you entered is kept "
            "below: check it and send it again."
        ),
        _(
            "This form was not accepted: it came from another website, or from a page this "
            "site cannot recognise as its own. Nothing was saved or changed. If you meant to "
            "send it, open the form on this site and fill it in again."
        ),
    )


def _leave_session_alone(response):
    """No Set-Cookie for the session after a refused cross-site post (see `_refused_post`)."""
    if g.get("leave_session_alone"):
        session.modified = False
    return response


def _handle_refused(error: Refused):
    return error_page(error.status, error.message)


def _handle_conflict(error: IntegrityError):
    """A unique row raced by a parallel request (found at flush or at the request's commit):
    the state changed under the user, nothing of theirs was kept; they may reload and retry."""
    db.session.rollback()
    current_app.logger.info("conflict: %s", error.orig)
    return error_page(409, _messages()[409])


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(Refused, _handle_refused)
    app.register_error_handler(IntegrityError, _handle_conflict)
    app.after_request(_leave_session_alone)
    if not app.config.get("TESTING"):
        app.register_error_handler(Exception, _handle_crash)
