"""Development only: a local SMTP catcher (aiosmtpd) and the caught mail at /dev/mail."""

import mailbox
from email.header import decode_header, make_header
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from flask import Blueprint, abort, current_app, render_template

bp = Blueprint("devmail", __name__, url_prefix="/dev")


def start_catcher(maildir: str, port: int) -> Controller:
    """Catch every mail sent to 127.0.0.1:`port` into a Maildir."""
    for folder in ("tmp", "new", "cur"):
        Path(maildir, folder).mkdir(parents=True, exist_ok=True)
    controller = Controller(Mailbox(maildir), hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def _decoded(value: str | None) -> str:
    return str(make_header(decode_header(value or "")))


def caught_mail(maildir: str) -> list[dict]:
    if not Path(maildir, "new").exists():
        return []
    messages = []
    for message in mailbox.Maildir(maildir, create=False):
        payload = message.get_payload(decode=True) or b""
        messages.append(
            {
                "to": _decoded(message["To"]),
                "subject": _decoded(message["Subject"]),
                "date": message["Date"] or "",
                "body": payload.decode(message.get_content_charset() or "utf-8", "replace"),
            }
        )
    return sorted(messages, key=lambda m: m["date"], reverse=True)


@bp.get("/mail")
def mail_list():
    if current_app.config["GHIA_ENV"] != "development":
        abort(404)
    return render_template(
        "core/devmail.html", messages=caught_mail(current_app.config["DEV_MAILDIR"])
    )
