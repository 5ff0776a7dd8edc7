"""A visitor whose held report was confirmed is mailed about its public updates like a
follower; the address is deleted on request (the link in each mail), with an account of that
address, and once the report has been settled for 30 days."""

import base64
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.db import db, utcnow
from core.models import Role, User
from smartmap import held, services
from smartmap.models import EmailFollower, Report
from tests.conftest import submit
from tests.factories import make_user
from tests.smartmap_helpers import categories, place_in

HELD_LINK = re.compile(r"http://localhost(/map/held/[\w.\-]+)")
STOP_LINK = re.compile(r"http://localhost(/map/unfollow/[\w.\-]+)")


def published(email="sender@example.org", locale="en") -> Report:
    lat, lon = place_in("vake")
    data = services.ReportInput("road", "ორმო ტროტუარზე", lat, lon)
    return held.publish(held.hold_report(data, email, "", [], locale))


def kept_addresses() -> list[str]:
    return list(db.session.scalars(select(EmailFollower.email).order_by(EmailFollower.email)))


@pytest.fixture
def ctx_en(app):
    with app.test_request_context("/?lang=en"):
        categories()
        yield


@pytest.mark.usefixtures("ctx_en")
def test_the_address_is_kept_only_for_a_sender_without_an_account():
    published("sender@example.org")
    account = make_user()
    report = published(account.email)
    assert kept_addresses() == ["sender@example.org"]
    assert services.is_following(report, account)


@pytest.mark.usefixtures("ctx_en")
def test_deleting_an_account_with_the_address_deletes_it():
    published("sender@example.org")
    published("other@example.org")
    held.forget("Sender@example.org")
    assert kept_addresses() == ["other@example.org"]


@pytest.mark.usefixtures("ctx_en")
def test_the_purge_deletes_it_30_days_after_the_report_is_settled():
    staff = make_user(Role.DISTRICT_STAFF, districts=["vake"])
    fixed_long_ago = published("a@example.org")
    services.change_status(fixed_long_ago, staff, "fixed", "Patched")
    fixed_recently = published("b@example.org")
    services.change_status(fixed_recently, staff, "fixed", "Patched")
    still_open = published("c@example.org")
    still_open.updated_at = fixed_long_ago.updated_at = utcnow() - timedelta(days=31)
    db.session.flush()
    held.purge()
    assert kept_addresses() == ["b@example.org", "c@example.org"]


@pytest.mark.live
def test_the_sender_gets_public_updates_by_mail_and_can_stop_them(app, client, run_jobs, mailbox):
    with app.test_request_context():
        categories()
        staff_id = make_user(Role.DISTRICT_STAFF, districts=["vake"]).id
        db.session.commit()
        lat, lon = place_in("vake")
    form = {"category": "road", "description": "ორმო", "latitude": lat, "longitude": lon}
    form |= {"checked": "1", "email": "visitor@example.org", "name": ""}
    assert submit(client, "/map/report?lang=en", form, "/map/report").status_code == 302
    run_jobs()
    [confirm] = [m for m in mailbox if m["To"] == "visitor@example.org"]
    link = HELD_LINK.search(confirm.get_payload(decode=True).decode()).group(1)
    assert submit(client, link, {}, link).status_code == 302
    with app.test_request_context():
        report, staff = db.session.scalars(select(Report)).one(), db.session.get(User, staff_id)
        services.change_status(report, staff, "in_progress", "", "internal only")
        services.change_status(report, staff, "fixed", "The hole is patched.")
        db.session.commit()
        report_id = report.id
    mailbox.clear()
    run_jobs()
    [update] = [m for m in mailbox if m["To"] == "visitor@example.org"]  # the public one only
    body = update.get_payload(decode=True).decode()
    assert f"Report {report_id}: Fixed" == update["Subject"]
    assert "The hole is patched." in body
    stop = STOP_LINK.search(body).group(1)
    payload = stop.rsplit("/", 1)[1].split(".")[0]
    assert b"visitor" not in base64.urlsafe_b64decode(payload + "==")  # links reach logs
    page = client.get(stop + "?lang=en")  # a mail scanner's visit stops nothing
    assert "Stop the e-mail" in page.get_data(as_text=True)
    assert submit(client, stop, {}, stop).status_code == 302
    assert submit(client, stop, {}, stop).status_code == 302  # a second click: nothing to do
    assert client.get("/map/unfollow/forged?lang=en").status_code == 404
    with app.test_request_context():
        assert db.session.scalar(select(func.count()).select_from(EmailFollower)) == 0
        report, staff = db.session.get(Report, report_id), db.session.get(User, staff_id)
        services.change_status(report, staff, "acknowledged", "Looking again.")
        db.session.commit()
    mailbox.clear()
    run_jobs()
    assert [m for m in mailbox if m["To"] == "visitor@example.org"] == []
