"""Development: the local SMTP catcher keeps what the mail sender delivers, for /dev/mail."""

import smtplib
from email.message import EmailMessage

from core.app import create_app
from core.devmail import caught_mail, start_catcher
from tests.conftest import free_port


def test_catcher_keeps_mail_for_the_dev_page(tmp_path):
    port = free_port()
    controller = start_catcher(str(tmp_path), port)
    try:
        message = EmailMessage()
        message["From"], message["To"] = "ghia@example.org", "nino@example.org"
        message["Subject"] = "დაადასტურეთ ელფოსტა"
        message.set_content("ბმული: http://127.0.0.1:5000/accounts/confirm/abc")
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.send_message(message)
    finally:
        controller.stop()
    [caught] = caught_mail(str(tmp_path))
    assert caught["subject"] == "დაადასტურეთ ელფოსტა"
    assert "/accounts/confirm/abc" in caught["body"]


def test_dev_mail_page_shows_caught_mail_in_development(tmp_path, app):
    dev = create_app(
        {
            "GHIA_ENV": "development",
            "DEV_MAILDIR": str(tmp_path),
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        }
    )
    response = dev.test_client().get("/dev/mail?lang=en")
    assert response.status_code == 200
    assert "No mail yet." in response.get_data(as_text=True)
