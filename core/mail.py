"""The mail outbox: actions queue mail in their own transaction; a sender delivers it over SMTP.

A failing SMTP server only delays mail: each failure is recorded and retried with back-off.
"""

import logging
import smtplib
import time
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import select

from core.db import db, utcnow
from core.models import OutboxMail

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


def queue(to_addr: str, template: str, locale: str, **context) -> OutboxMail:
    """Render `mail/<template>.txt` in the recipient's language; its first line is the subject."""
    with force_locale(locale):
        rendered = render_template(f"mail/{template}.txt", **context).strip()
    subject, _, body = rendered.partition("\n")
    mail = OutboxMail(
        to_addr=to_addr, subject=subject.strip(), body_text=body.strip() + "\n", locale=locale
    )
    db.session.add(mail)
    db.session.flush()
    return mail


def _message(mail: OutboxMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = mail.to_addr
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(f"outbox-{mail.id}")
    message.set_content(mail.body_text)
    message["Content-Language"] = mail.locale  # after set_content, which drops Content-* headers
    return message


def _smtp() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=15)
    if config["MAIL_USE_TLS"]:
        smtp.starttls()
    if config["MAIL_USERNAME"]:
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return smtp


def _failed(mail: OutboxMail, error: Exception) -> None:
    mail.attempts += 1
    mail.last_error = f"{type(error).__name__}: {error}"[:2000]
    if mail.attempts >= MAX_ATTEMPTS:
        mail.status = "failed"
    else:
        mail.next_attempt_at = utcnow() + timedelta(minutes=2**mail.attempts)


def send_due(limit: int = 100) -> tuple[int, int]:
    """Deliver due mail once; returns (sent, failed). Workers skip rows another worker holds."""
    due = db.session.scalars(
        select(OutboxMail)
        .where(OutboxMail.status == "pending", OutboxMail.next_attempt_at <= utcnow())
        .order_by(OutboxMail.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    sent = failed = 0
    if not due:
        return 0, 0
    try:
        smtp = _smtp()
    except (OSError, smtplib.SMTPException) as error:
        for mail in due:
            _failed(mail, error)
        db.session.commit()
        log.warning("SMTP unreachable, %d mails postponed: %s", len(due), error)
        return 0, len(due)
    with smtp:
        for mail in due:
            try:
                smtp.send_message(_message(mail))
            except (smtplib.SMTPException, OSError) as error:
                _failed(mail, error)
                failed += 1
            else:
                mail.status, mail.sent_at, mail.attempts = "sent", utcnow(), mail.attempts + 1
                sent += 1
    db.session.commit()
    return sent, failed


def run_worker(interval: float = 2.0, stop=None) -> None:
    """Deliver mail until `stop` (a threading.Event) is set, polling every `interval` seconds."""
    while not (stop and stop.is_set()):
        try:
            send_due()
        except Exception:
            db.session.rollback()
            log.exception("mail worker round failed")
        db.session.remove()
        if stop:
            stop.wait(interval)
        else:
            time.sleep(interval)
