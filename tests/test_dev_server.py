"""`make run` in two checkouts side by side: PORT and MAIL_PORT move the site and the catcher."""

import json
import os
import smtplib
import subprocess
import sys
import time
import urllib.request
from email.message import EmailMessage

from tests.conftest import ROOT, free_port


def environment(**values) -> dict:
    return {**os.environ, **{name: str(value) for name, value in values.items()}}


def test_port_and_mail_port_reach_the_config():
    show = "from core.config import load_config as c; import json; d = c(); print(json.dumps(d))"
    env = environment(PORT=5123, MAIL_PORT=2126, GHIA_ENV="development")
    env.pop("BASE_URL", None)
    output = subprocess.run(
        [sys.executable, "-c", show], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    config = json.loads(output.splitlines()[-1])
    assert (config["PORT"], config["MAIL_PORT"]) == (5123, 2126)
    assert config["BASE_URL"] == "http://127.0.0.1:5123"


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - a local URL
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_dev_run_serves_on_port_and_shows_mail_caught_on_mail_port(app, tmp_path):
    port, mail_port = free_port(), free_port()
    env = environment(
        PORT=port,
        MAIL_PORT=mail_port,
        GHIA_ENV="development",
        DEV_MAILDIR=tmp_path,
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "dev", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        message = EmailMessage()
        message["From"], message["To"] = "ghia@example.org", "nino@example.org"
        message["Subject"] = "Side by side"
        message.set_content("caught on MAIL_PORT")
        with smtplib.SMTP("127.0.0.1", mail_port) as smtp:
            smtp.send_message(message)
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/dev/mail?lang=en")  # noqa: S310
        assert "Side by side" in page.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=10)
