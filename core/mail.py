"""The mail outbox: actions queue mail in their own transaction; a job delivers it over SMTP.

The mail row and the job that sends it commit with the action, or not at all. A failing SMTP
server only delays mail: each failure is recorded and retried with back-off.
"""

import contextlib
import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import select, update

from core import tasks
from core.db import db, utcnow
from core.models import OutboxMail

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
# A claimed mail is due again after this long: only a sender that died mid-send leaves one.
LEASE = timedelta(minutes=10)
CLAIMED_COLUMNS = (
    OutboxMail.id,
    OutboxMail.to_addr,
    OutboxMail.subject,
    OutboxMail.body_text,
    OutboxMail.locale,
    OutboxMail.attempts,
)


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
    tasks.defer(deliver)
    return mail


def _message(mail) -> EmailMessage:
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


def _claim():
    """Lease the oldest due mail and commit: no row lock or transaction is held while SMTP
    talks, and a worker that dies mid-send leaves only this one mail to resend after LEASE."""
    due = (
        select(OutboxMail.id)
        .where(OutboxMail.status == "pending", OutboxMail.next_attempt_at <= utcnow())
        .order_by(OutboxMail.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    claimed = db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == due)
        .values(attempts=OutboxMail.attempts + 1, next_attempt_at=utcnow() + LEASE)
        .returning(*CLAIMED_COLUMNS)
    ).one_or_none()
    db.session.commit()
    return claimed


def _mark_sent(mail_id: int) -> None:
    db.session.execute(
        update(OutboxMail).where(OutboxMail.id == mail_id).values(status="sent", sent_at=utcnow())
    )
    db.session.commit()


def _postpone(mail, error: Exception) -> None:
    """Back off 2, 4, 8 … minutes; after MAX_ATTEMPTS the mail is marked failed."""
    values = {"last_error": f"{type(error).__name__}: {error}"[:2000]}
    if mail.attempts >= MAX_ATTEMPTS:
        values["status"] = "failed"
    else:
        values["next_attempt_at"] = utcnow() + timedelta(minutes=2**mail.attempts)
    db.session.execute(update(OutboxMail).where(OutboxMail.id == mail.id).values(**values))
    db.session.commit()


def send_due(limit: int = 100) -> tuple[int, int]:
    """Deliver due mail one by one; returns (sent, postponed). Commits after each step, so it
    is the one piece of code besides the unit-of-work wrappers that commits."""
    sent = postponed = 0
    smtp = None
    try:
        for _ in range(limit):
            mail = _claim()
            if mail is None:
                break
            try:
                smtp = smtp or _smtp()
                smtp.send_message(_message(mail))
            except (OSError, smtplib.SMTPException) as error:
                _postpone(mail, error)
                postponed += 1
                if smtp is None:  # the server is unreachable: the rest waits for the next run
                    log.warning("SMTP unreachable, mail %s postponed: %s", mail.id, error)
                    break
                _close(smtp)
                smtp = None
            else:
                _mark_sent(mail.id)
                sent += 1
    finally:
        _close(smtp)
    return sent, postponed


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            smtp.quit()


@tasks.periodic("* * * * *", periodic_id="mail")
@tasks.job("core.mail.deliver", retry=None)
def deliver(timestamp: int | None = None) -> None:
    """Deferred by every queued mail, and each minute for retries after a back-off."""
    send_due()
