"""Budget mail: residents who opted in hear once when voting opens in their district and once
when its results are published, in their language, over real SMTP."""

import re

import pytest
from sqlalchemy import func, select

from budgeting import notices, services
from budgeting.models import Cycle, Phase
from core.db import db
from core.models import Event, OutboxMail
from tests.budget_factories import make_ballot, resident
from tests.conftest import submit
from tests.factories import log_in


def opted_in(district="vake", locale="ka"):
    user = resident(district)
    user.locale = locale
    notices.set_mail(user, True)
    return user


@pytest.mark.live
def test_opted_in_residents_get_one_mail_per_event_in_their_language(app, run_jobs, mailbox):
    with app.test_request_context():
        ballot = make_ballot(phase=Phase.REVIEW)
        english, georgian = opted_in(locale="en"), opted_in(locale="ka")
        opted_in("saburtalo")  # another district: no ballot of this cycle is theirs
        resident()  # did not opt in
        cycle_id, ballot_id = ballot.cycle_id, ballot.id
        db.session.commit()
        emails = {english.email: "en", georgian.email: "ka"}
    with app.test_request_context():
        services.move_phase(db.session.get(Cycle, cycle_id), Phase.VOTING)
        db.session.commit()
    run_jobs()
    run_jobs()  # nothing is sent twice
    assert sorted(m["To"] for m in mailbox) == sorted(emails)
    by_address = {m["To"]: m for m in mailbox}
    assert by_address[english.email]["Subject"] == "Voting has opened: Vake budget"
    assert by_address[georgian.email]["Subject"].endswith("ვაკის ბიუჯეტი")
    assert f"/budget/ballots/{ballot_id}" in by_address[english.email].get_content()
    mailbox.clear()
    with app.test_request_context():
        services.move_phase(db.session.get(Cycle, cycle_id), Phase.RESULTS)
        db.session.commit()
    run_jobs()
    assert sorted(m["To"] for m in mailbox) == sorted(emails)
    results = {m["To"]: m for m in mailbox}[english.email]
    assert results["Subject"] == "Results are published: Vake budget"
    assert f"/budget/ballots/{ballot_id}/results" in results.get_content()


def test_batches_chain_and_a_repeated_batch_mails_no_one_twice(ctx):
    ballot = make_ballot(phase=Phase.REVIEW)
    people = [opted_in() for _ in range(5)]
    services.move_phase(ballot.cycle, Phase.VOTING)
    event = db.session.scalar(select(Event).where(Event.kind == notices.VOTING_OPENED))
    assert notices.district_ballots(event) == [ballot.id]
    last = notices.mail_batch(event, ballot.id, 0, size=2)
    assert last == people[1].id
    assert notices.mail_batch(event, ballot.id, 0, size=2) == people[1].id  # a retry
    last = notices.mail_batch(event, ballot.id, last, size=2)
    assert notices.mail_batch(event, ballot.id, last, size=2) is None
    sent = db.session.scalars(select(OutboxMail.to_addr)).all()
    assert sorted(sent) == sorted(p.email for p in people)


def test_opening_the_vote_twice_records_one_event(ctx):
    ballot = make_ballot(phase=Phase.REVIEW)
    services.move_phase(ballot.cycle, Phase.VOTING)
    services.move_phase(ballot.cycle, Phase.VOTING)
    kinds = select(func.count(Event.id)).where(Event.kind == notices.VOTING_OPENED)
    assert db.session.scalar(kinds) == 1


def test_a_resident_opts_in_and_out_on_the_budget_page(app, client):
    with app.test_request_context():
        user = resident()
    log_in(client, user)
    assert "Mail me" in client.get("/budget/?lang=en").get_data(as_text=True)
    page = submit(
        client, "/budget/mail", {"wanted": "yes"}, form_url="/budget/", follow_redirects=True
    )
    assert "We will mail you when voting opens" in page.get_data(as_text=True)
    with app.test_request_context():
        assert notices.wants_mail(user)
    page = submit(
        client, "/budget/mail", {"wanted": "no"}, form_url="/budget/", follow_redirects=True
    )
    assert "no more budget mail" in page.get_data(as_text=True)
    with app.test_request_context():
        assert not notices.wants_mail(user)


def save_profile(client, name: str, **boxes):
    fields = {"name": name, "district": "0", "locale": "en", **boxes}
    return submit(client, "/accounts/profile", fields, follow_redirects=True)


def budget_box(page: str) -> str:
    """The profile page's "budget mail" checkbox, as HTML."""
    return re.search(r'<input[^>]*name="mail_budget"[^>]*>', page).group(0)


@pytest.mark.live
def test_a_resident_asks_for_budget_mail_on_the_profile_page(app, client, run_jobs, mailbox):
    with app.test_request_context():
        cycle_id = make_ballot(phase=Phase.REVIEW).cycle_id
        user = resident()
        name, email = user.name, user.email
        log_in(client, user)
        db.session.commit()
    profile = client.get("/accounts/profile?lang=en").get_data(as_text=True)
    assert "Mail me when voting opens" in profile
    assert "checked" not in budget_box(profile)
    page = save_profile(client, name, mail_budget="y").get_data(as_text=True)
    assert "Your profile is saved" in page
    assert "checked" in budget_box(page)
    with app.test_request_context():
        services.move_phase(db.session.get(Cycle, cycle_id), Phase.VOTING)
        db.session.commit()
    run_jobs()
    assert [m["To"] for m in mailbox] == [email]
    assert "Voting has opened" in mailbox[0]["Subject"]
    assert "profile page" in mailbox[0].get_content()

    page = save_profile(client, name).get_data(as_text=True)  # the box left empty: no more
    assert "checked" not in budget_box(page)
    assert "Mail me" in client.get("/budget/?lang=en").get_data(as_text=True)  # the same wish
    mailbox.clear()
    with app.test_request_context():
        services.move_phase(db.session.get(Cycle, cycle_id), Phase.RESULTS)
        db.session.commit()
    run_jobs()
    assert mailbox == []
