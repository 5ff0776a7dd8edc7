"""Petitions (SPEC §4): every transition and refusal, signing, counting, pages and the API."""

import csv
import html
import io
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from core import links
from core.db import db, utcnow
from core.districts import by_slug
from core.errors import Refused
from core.i18n import city_zone
from core.models import AuditEntry, Event, OutboxMail, Role
from news.models import Post
from petitions import announcements, counting, invalidation, mails, queries, services, settings
from petitions.models import (
    Petition,
    Signature,
    SignatureTally,
    Sponsor,
    Status,
    ThresholdCrossing,
)
from tests.conftest import submit
from tests.factories import log_in, make_user
from tests.petition_helpers import TEXT, moderator, petition_in
from tests.smartmap_helpers import make_report


@pytest.fixture(autouse=True)
def petition_settings(app, monkeypatch):
    """Small figures: 2 supporters, a threshold of 10 signatures (0.001 % of a million)."""
    monkeypatch.setitem(app.config, "PETITION_SPONSORS", 2)
    monkeypatch.setitem(app.config, "CITY_REGISTERED_VOTERS", 1_000_000)
    monkeypatch.setitem(app.config, "PETITION_THRESHOLDS", "0.001%, 20")


def audit_actions(petition) -> list[str]:
    statement = select(AuditEntry.action).where(AuditEntry.ref == petition.ref)
    return list(db.session.scalars(statement.order_by(AuditEntry.id)))


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# Settings.


def test_thresholds_are_absolute_or_a_share_of_the_registered_voters(ctx, app, monkeypatch):
    assert settings.thresholds() == [10, 20]
    monkeypatch.setitem(app.config, "PETITION_THRESHOLDS", "1%")
    monkeypatch.setitem(app.config, "CITY_REGISTERED_VOTERS", 1_100_000)
    assert settings.thresholds() == [11_000]


# The life cycle.


def test_a_petition_goes_from_draft_through_sponsors_and_moderation_to_open(ctx):
    author = make_user()
    report = make_report("vake")
    petition = services.create_petition(author, TEXT, origin_ref=report.ref)
    assert (petition.status, petition.origin_ref) == ("draft", report.ref)
    assert [t.ref for t in links.related(report.ref, author)] == [petition.ref]  # both ways
    services.ask_for_sponsors(author, petition)
    assert petition.status == "collecting_sponsors"
    assert services.add_sponsor(make_user(), petition)
    assert petition.status == "collecting_sponsors"
    services.add_sponsor(make_user(), petition)
    assert petition.status == "in_moderation"
    services.approve(moderator(), petition)
    assert petition.status == "open"
    assert petition.deadline - petition.opened_at == timedelta(days=30)
    assert audit_actions(petition) == [
        "petition.create",
        "link.add",  # with the report it started from
        "petition.ask_for_sponsors",
        "petition.sponsor",
        "petition.sponsor",
        "petition.to_moderation",
        "petition.approve",
    ]


def test_no_sponsors_needed_goes_straight_to_moderation(ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "PETITION_SPONSORS", 0)
    author = make_user()
    petition = services.create_petition(author, TEXT)
    services.ask_for_sponsors(author, petition)
    assert petition.status == "in_moderation"


def test_supporting_twice_counts_once_and_the_author_cannot_support(ctx):
    petition = petition_in(Status.COLLECTING_SPONSORS)
    supporter = make_user()
    assert services.add_sponsor(supporter, petition)
    assert not services.add_sponsor(supporter, petition)
    assert count(Sponsor, Sponsor.petition_id == petition.id) == 1
    with pytest.raises(Refused) as refused:
        services.add_sponsor(petition.author, petition)
    assert refused.value.status == 403


@pytest.mark.parametrize(
    ("step", "who"),
    [
        ("approve", "resident"),
        ("reject", "resident"),
        ("withdraw", "stranger"),
        ("respond", "resident"),
        ("edit", "moderator"),
    ],
)
def test_transitions_refuse_the_wrong_person(ctx, step, who):
    petition = petition_in(Status.IN_MODERATION)
    actor = moderator() if who == "moderator" else make_user()
    calls = {
        "approve": lambda: services.approve(actor, petition),
        "reject": lambda: services.reject(actor, petition, "unclear", "x"),
        "withdraw": lambda: services.withdraw(actor, petition),
        "respond": lambda: services.respond(actor, petition, "x"),
        "edit": lambda: services.update_petition(actor, petition, TEXT),
    }
    with pytest.raises(Refused) as refused:
        calls[step]()
    assert refused.value.status == 403
    assert petition.status == "in_moderation"


def test_transitions_refuse_the_wrong_moment(ctx):
    petition = petition_in(Status.OPEN)
    staff = moderator()
    for call in (
        lambda: services.approve(staff, petition),
        lambda: services.reject(staff, petition, "unclear", "x"),
        lambda: services.respond(staff, petition, "x"),
        lambda: services.update_petition(petition.author, petition, TEXT),
        lambda: services.ask_for_sponsors(petition.author, petition),
    ):
        with pytest.raises(Refused) as refused:
            call()
        assert refused.value.status == 409
    assert petition.status == "open"


def test_rejection_needs_a_listed_reason_and_an_explanation(ctx):
    petition = petition_in(Status.IN_MODERATION)
    staff = moderator()
    with pytest.raises(Refused):
        services.reject(staff, petition, "i-do-not-like-it", "Because.")
    with pytest.raises(Refused):
        services.reject(staff, petition, "duplicate", "  ")
    services.reject(staff, petition, "duplicate", "See petition 3.")
    assert (petition.status, petition.rejection_reason) == ("rejected", "duplicate")


def test_the_author_withdraws_an_open_petition_but_not_a_closed_one(ctx):
    petition = petition_in(Status.OPEN)
    services.withdraw(petition.author, petition)
    assert petition.status == "withdrawn"
    with pytest.raises(Refused):
        services.withdraw(petition.author, petition)


def test_text_limits_and_required_fields(ctx):
    author = make_user()
    for title, summary in (("x" * 81, "s"), ("", "s"), ("t", "s" * 301), ("t", "")):
        with pytest.raises(Refused) as refused:
            services.create_petition(author, services.PetitionInput(title, summary))
        assert refused.value.status == 422
    with pytest.raises(Refused):
        services.create_petition(author, services.PetitionInput("t", "s", topic="weather"))


def test_unconfirmed_accounts_cannot_start_or_sign(ctx):
    newcomer = make_user(confirmed=False)
    with pytest.raises(Refused):
        services.create_petition(newcomer, TEXT)
    with pytest.raises(Refused):
        services.sign(newcomer, petition_in(Status.OPEN), False, False)


def test_residency_can_be_required(ctx, app, monkeypatch):
    petition = petition_in(Status.OPEN)  # made before the rule: only signers are checked
    monkeypatch.setitem(app.config, "PETITION_REQUIRE_RESIDENCY", True)
    for call in (
        lambda: services.create_petition(make_user(), TEXT),
        lambda: services.sign(make_user(), petition, False, False),
    ):
        with pytest.raises(Refused) as refused:
            call()
        assert refused.value.status == 403


# Signing and counting.


def test_signing_twice_keeps_one_signature_and_does_not_touch_the_count(ctx):
    petition = petition_in(Status.OPEN)
    signer = make_user()
    assert services.sign(signer, petition, show_name=True, notify=False)
    assert not services.sign(signer, petition, show_name=False, notify=True)
    [signature] = db.session.scalars(select(Signature).where(Signature.petition_id == petition.id))
    assert (signature.show_name, signature.notify, signature.counted) == (True, False, False)
    db.session.refresh(petition)
    assert petition.shown_count == 0


def test_a_petition_not_open_cannot_be_signed(ctx):
    for status in (Status.IN_MODERATION, Status.REJECTED, Status.WITHDRAWN, Status.CLOSED):
        with pytest.raises(Refused) as refused:
            services.sign(make_user(), petition_in(status), False, False)
        assert refused.value.status == 409


def sign_many(petition, number: int, notify=False) -> list:
    signers = [make_user() for _ in range(number)]
    for signer in signers:
        services.sign(signer, petition, False, notify)
    return signers


def test_the_counter_adds_new_signatures_and_crosses_each_threshold_once(ctx):
    petition = petition_in(Status.OPEN)
    sign_many(petition, 9)
    assert counting.count_new_signatures() == 9
    assert (petition.shown_count, petition.status) == (9, "open")
    sign_many(petition, 2)
    assert counting.count_new_signatures() == 2
    assert (petition.shown_count, petition.status) == (11, "threshold_reached")
    assert petition.response_due_at is not None
    assert counting.count_new_signatures() == 0
    assert not counting.cross_threshold(petition, 10, 11)  # a second notice changes nothing
    crossings = db.session.scalars(select(ThresholdCrossing.threshold)).all()
    assert crossings == [10]
    kinds = db.session.scalars(
        select(Event.kind).where(Event.ref == petition.ref).order_by(Event.id)
    ).all()
    assert kinds == ["petition.progress"] * 3 + ["petition.threshold"]
    [threshold] = db.session.scalars(select(Event).where(Event.kind == "petition.threshold"))
    assert threshold.payload["news"]["title"]["en"].startswith("Petition “")


def test_the_automatic_news_posts_are_written_in_both_languages(app, ctx):
    app.config["PETITION_RESPONSE_DAYS"] = 1
    petition = petition_in(Status.OPEN, title="ველობილიკი")
    news = announcements.threshold_reached(petition, 12000)
    assert news["title"] == {
        "ka": "პეტიციამ „ველობილიკი“ 12\xa0000 ხელმოწერას მიაღწია",  # a no-break space
        "en": "Petition “ველობილიკი” reached 12,000 signatures",
    }
    assert news["body"]["en"].endswith("its official response within 1 day.")
    assert "1 დღის ვადაში" in news["body"]["ka"]
    petition.response_text = "მერია თანახმაა."
    news = announcements.response_published(petition)
    assert news["body"]["ka"] == "მერიის ოფიციალური პასუხი:\n\nმერია თანახმაა."
    assert news["title"]["en"] == "City Hall responded to the petition “ველობილიკი”"


def test_reconciliation_corrects_drift(ctx):
    petition = petition_in(Status.OPEN)
    sign_many(petition, 3)
    counting.count_new_signatures()
    petition.shown_count = 7
    db.session.flush()
    assert counting.reconcile() == 1
    db.session.refresh(petition)
    assert petition.shown_count == 3


def test_the_clock_closes_expired_petitions_and_flags_overdue_responses(ctx):
    under = petition_in(Status.OPEN)
    reached = petition_in(Status.THRESHOLD_REACHED)
    later = utcnow() + timedelta(days=31)
    assert services.tick(later) == {"closed": 2, "overdue": 1, "anonymised": 0}
    assert (under.status, reached.status) == ("closed", "awaiting_response")
    assert reached.response_overdue_at == later
    assert services.tick(later) == {"closed": 0, "overdue": 0, "anonymised": 0}
    assert "petition.response_overdue" in audit_actions(reached)


def test_the_response_is_published_and_queues_mails_to_signers_who_opted_in(ctx):
    petition = petition_in(Status.THRESHOLD_REACHED)
    sign_many(petition, 2, notify=True)
    sign_many(petition, 1, notify=False)
    services.respond(moderator(), petition, "მერია თანახმაა.")
    assert (petition.status, petition.response_text) == ("responded", "მერია თანახმაა.")
    assert mails.mail_signers_batch(petition, 0, 10) is None
    assert count(OutboxMail, OutboxMail.id > 0) == 2


def test_similar_titles_are_found_by_trigrams(ctx):
    petition_in(Status.OPEN, title="ველობილიკი რუსთაველის გამზირზე")
    petition_in(Status.OPEN, title="Free parking for residents")
    titles = [p.title for p in queries.similar_titles("ველობილიკი რუსთაველზე")]
    assert titles == ["ველობილიკი რუსთაველის გამზირზე"]


def test_data_rights_export_signatures_and_erasure_keeps_them_without_a_name(ctx):
    from petitions import datarights

    petition = petition_in(Status.OPEN)
    signer = make_user()
    services.sign(signer, petition, show_name=True, notify=True)
    assert datarights.export(signer)["signatures"][0]["petition_id"] == petition.id
    assert datarights.erase(signer) is True
    signature = db.session.scalar(select(Signature).where(Signature.petition_id == petition.id))
    assert (signature.show_name, signature.notify) == (False, False)
    assert datarights.erase(make_user()) is False


# Pages.


def test_the_list_filters_sorts_and_searches(client, app):
    with app.test_request_context():
        petition_in(Status.OPEN, title="ველობილიკი ვაკეში")
        petition_in(Status.OPEN, title="Trees on Pekini Avenue")
        petition_in(Status.IN_MODERATION, title="Hidden draft in moderation")
    page = client.get("/petitions/?lang=en").get_data(as_text=True)
    assert "Trees on Pekini Avenue" in page
    assert "Hidden draft" not in page
    page = client.get("/petitions/?q=ვაკე&sort=newest").get_data(as_text=True)
    assert "ველობილიკი ვაკეში" in page
    assert "Trees" not in page
    page = client.get("/petitions/?status=responded&topic=transport&sort=ending").get_data(
        as_text=True
    )
    assert "ველობილიკი" not in page
    assert client.get("/petitions/?status=nonsense&district=x&sort=bogus").status_code == 200


def test_a_resident_signs_with_one_click_and_a_second_click_answers_the_same(client, app):
    with app.test_request_context():
        petition = petition_in(Status.OPEN)
    log_in(client, make_user())
    url = f"/petitions/{petition.id}"
    first = submit(client, url + "/sign", {"show_name": "y"}, form_url=url)
    second = submit(client, url + "/sign", {}, form_url=url)
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    # The thank-you rides in the address: the session cookie is not written again.
    assert "Set-Cookie" not in first.headers
    with app.app_context():
        assert count(Signature, Signature.petition_id == petition.id) == 1
    page = client.get(first.location + "&lang=en").get_data(as_text=True)
    assert "Thank you: you have signed this petition." in page
    assert "You have signed this petition." in page
    assert "Thank you" not in client.get(url + "?lang=en").get_data(as_text=True)


def test_the_thank_you_address_thanks_nobody_who_has_not_signed(client, app):
    with app.test_request_context():
        petition = petition_in(Status.OPEN)
    thanks = f"/petitions/{petition.id}?signed=1&lang=en"
    assert "Thank you" not in client.get(thanks).get_data(as_text=True)
    log_in(client, make_user())
    assert "Thank you" not in client.get(thanks).get_data(as_text=True)


def test_the_signing_statement_tells_a_new_signature_a_repeat_and_a_petition_not_open(ctx):
    signer, open_petition = make_user(), petition_in(Status.OPEN)
    assert services.sign_if_open(signer, open_petition.id, False, False) is True
    assert services.sign_if_open(signer, open_petition.id, True, True) is False
    assert services.sign_if_open(signer, petition_in(Status.CLOSED).id, False, False) is None
    assert services.sign_if_open(signer, 2_000_000_000, False, False) is None
    signatures = db.session.scalars(select(Signature).where(Signature.user_id == signer.id))
    assert [(s.petition_id, s.show_name) for s in signatures] == [(open_petition.id, False)]


def test_signing_a_closed_petition_is_refused_with_a_message(client, app):
    with app.test_request_context():
        petition = petition_in(Status.CLOSED)
    log_in(client, make_user())
    token_page = "/petitions/"
    response = submit(client, f"/petitions/{petition.id}/sign?lang=en", {}, form_url=token_page)
    assert response.status_code == 409
    assert "not open for signatures" in response.get_data(as_text=True)


def test_signing_a_petition_nobody_may_see_or_none_at_all_is_a_404_and_signs_nothing(client, app):
    with app.test_request_context():
        draft = petition_in(Status.DRAFT)
        in_moderation = petition_in(Status.IN_MODERATION)
    log_in(client, make_user())
    for petition_id in (draft.id, in_moderation.id, 2_000_000_000):
        url = f"/petitions/{petition_id}/sign?lang=en"
        assert submit(client, url, {}, form_url="/petitions/").status_code == 404
    with app.app_context():
        assert count(Signature) == 0


def test_the_count_endpoint_answers_json(client, app):
    with app.test_request_context():
        petition = petition_in(Status.OPEN)
    answer = client.get(f"/petitions/{petition.id}/count.json").get_json()
    assert answer == {"count": 0, "threshold": 10, "percent": 0, "status": "open"}


def test_create_a_petition_with_the_similar_titles_step(client, app):
    with app.test_request_context():
        petition_in(Status.OPEN, title="ველობილიკი რუსთაველის გამზირზე")
    log_in(client, make_user())
    form = {"title": "ველობილიკი რუსთაველზე", "summary": "ვითხოვთ.", "topic": "transport"}
    page = submit(client, "/petitions/new?lang=en", {**form, "language": "ka", "check": "1"})
    assert page.status_code == 200
    assert "ველობილიკი რუსთაველის გამზირზე" in page.get_data(as_text=True)
    saved = submit(client, "/petitions/new", {**form, "language": "ka", "save": "1"})
    assert saved.status_code == 302
    too_long = submit(client, "/petitions/new", {**form, "title": "x" * 81, "language": "ka"})
    assert too_long.status_code == 422


def test_the_author_edits_finishes_and_the_sponsor_link_collects_support(client, app):
    author = make_user()
    with app.test_request_context():
        petition = petition_in(Status.DRAFT, author=author)
    log_in(client, author)
    url = f"/petitions/{petition.id}"
    edited = submit(
        client,
        url + "/edit",
        {"title": "ახალი სათაური", "summary": "ახალი", "topic": "other", "language": "ka"},
    )
    assert edited.status_code == 302
    assert submit(client, url + "/submit", {}, form_url=url).status_code == 302
    client.post("/accounts/logout", data={})
    supporter = make_user()
    log_in(client, supporter)
    link = f"/petitions/support/{petition.sponsor_key}"
    assert submit(client, link, {}).status_code == 302
    with app.app_context():
        assert count(Sponsor, Sponsor.petition_id == petition.id) == 1
    assert client.get("/petitions/support/no-such-key").status_code == 404


def test_moderators_approve_and_reject_from_the_queue(client, app):
    with app.test_request_context():
        first = petition_in(Status.IN_MODERATION, title="Open me please")
        second = petition_in(Status.IN_MODERATION, title="Reject me please")
    log_in(client, make_user(Role.MODERATOR))
    queue = client.get("/petitions/moderation").get_data(as_text=True)
    assert "Open me please" in queue
    assert "Reject me please" in queue
    assert (
        submit(client, f"/petitions/{first.id}/approve", {}, "/petitions/moderation").status_code
        == 302
    )
    bad = submit(
        client, f"/petitions/{second.id}/reject", {"reason": "nonsense", "explanation": "x"}
    )
    assert bad.status_code == 422
    done = submit(
        client, f"/petitions/{second.id}/reject", {"reason": "unclear", "explanation": "Vague."}
    )
    assert done.status_code == 302
    with app.app_context():
        statuses = {p.title: p.status for p in db.session.scalars(select(Petition))}
    assert statuses == {"Open me please": "open", "Reject me please": "rejected"}
    page = client.get(f"/petitions/{second.id}?lang=en").get_data(as_text=True)
    assert "Vague." in page


def test_staff_publish_the_response_and_residents_cannot(client, app):
    with app.test_request_context():
        petition = petition_in(Status.THRESHOLD_REACHED)
    url = f"/petitions/{petition.id}/respond"
    log_in(client, make_user())
    assert client.get(url).status_code == 403
    client.post("/accounts/logout", data={})
    log_in(client, make_user(Role.MODERATOR))
    assert submit(client, url, {"response": ""}).status_code == 422
    assert submit(client, url, {"response": "City Hall agrees."}).status_code == 302
    page = client.get(f"/petitions/{petition.id}?lang=en").get_data(as_text=True)
    assert "City Hall agrees." in page


def test_unmoderated_petitions_are_hidden_from_others(client, app):
    with app.test_request_context():
        petition = petition_in(Status.DRAFT)
    assert client.get(f"/petitions/{petition.id}").status_code == 404
    assert client.get(f"/petitions/{petition.id}/count.json").status_code == 404
    assert client.get("/petitions/99999999999").status_code == 404


# The API.


def test_the_api_lists_and_shows_petitions_without_personal_data(client, app):
    with app.test_request_context():
        petition = petition_in(Status.OPEN)
        signer = make_user(email="signer@example.org", name="Secret Name")
        services.sign(signer, petition, show_name=True, notify=False)
        counting.count_new_signatures()
        petition_in(Status.DRAFT, title="A draft nobody sees")
        db.session.commit()
    listing = client.get("/api/v1/petitions").get_json()
    assert [item["id"] for item in listing["items"]] == [petition.id]
    one = client.get(f"/api/v1/petitions/{petition.id}").get_json()
    assert (one["signatures"], one["thresholds"], one["status"]) == (1, [10, 20], "open")
    assert one["by_district"] == [{"district_id": None, "signatures": 1}]
    csv = client.get("/api/v1/petitions.csv").get_data(as_text=True)
    assert csv.splitlines()[0].startswith("id,status,topic,title")
    everything = str(listing) + str(one) + csv
    assert "Secret Name" not in everything
    assert "signer@example.org" not in everything
    assert client.get("/api/v1/petitions?status=draft").status_code == 422


def test_the_demo_loader_adds_petitions_in_every_state(app, monkeypatch):
    monkeypatch.setitem(app.config, "PETITION_THRESHOLDS", "100")
    with app.test_request_context():
        from petitions import demo

        assert f"{len(demo.PETITIONS)} petitions loaded" in demo.load()
        assert demo.load() == "petitions: already there"
        statuses = set(db.session.scalars(select(Petition.status)))
        assert statuses == {status.value for status in Status}
        # Its counts are real signatures: the nightly recount finds nothing to correct.
        assert counting.reconcile() == 0
        shown = db.session.scalar(select(func.max(Petition.shown_count)))
        assert shown >= settings.first_threshold()  # one petition is past its threshold
        most_signed = select(Petition).order_by(Petition.shown_count.desc()).limit(1)
        open_one = db.session.scalar(most_signed.where(Petition.status == "open"))
        assert len(queries.counts_by_district(open_one)) >= 5  # signed from many districts
        responded = db.session.scalar(select(Petition).where(Petition.status == "responded"))
        assert responded.response_text
        rejected = db.session.scalar(select(Petition).where(Petition.status == "rejected"))
        assert rejected.rejection_reason
        assert rejected.rejection_explanation
        # The clock finds nothing to close or flag: the dates agree with the states.
        assert services.tick()["closed"] == services.tick()["overdue"] == 0
        db.session.rollback()


def test_the_demo_loader_adds_what_an_older_demo_lacks(app):
    with app.test_request_context():
        from petitions import demo

        demo.load()
        draft = db.session.scalar(select(Petition).where(Petition.status == "draft"))
        db.session.delete(draft)
        db.session.flush()
        assert demo.load() == "petitions: 1 petitions loaded"
        assert db.session.scalar(select(func.count()).where(Petition.status == "draft")) == 1
        db.session.rollback()


def test_news_post_model_is_not_written_in_the_request(ctx):
    """The automatic news post comes from the event's consequence (a job), not the counter."""
    petition = petition_in(Status.OPEN)
    sign_many(petition, 10)
    counting.count_new_signatures()
    assert count(Post) == 0


def test_signing_is_rate_limited_per_account(client, app):
    with app.test_request_context():
        petitions = [petition_in(Status.OPEN) for _ in range(2)]
    log_in(client, make_user())
    url = f"/petitions/{petitions[0].id}"
    token_page = client.get(url).get_data(as_text=True)
    from tests.conftest import CSRF_INPUT

    token = CSRF_INPUT.search(token_page).group(1)
    answers = [
        client.post(url + "/sign", data={"csrf_token": token}).status_code for _ in range(31)
    ]
    assert answers[:30] == [302] * 30
    assert answers[30] == 429


def test_the_tick_command_closes_expired_petitions(app, ctx):
    petition = petition_in(Status.OPEN)
    petition.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["petitions", "tick"])
    assert "closed 1" in result.output


def test_similar_titles_as_json_for_suggestions_while_typing(client, app):
    with app.test_request_context():
        petition_in(Status.OPEN, title="ველობილიკი რუსთაველის გამზირზე")
        petition_in(Status.IN_MODERATION, title="ველობილიკი რუსთაველზე და ვაკეში")
    answer = client.get("/petitions/similar.json?title=ველობილიკი რუსთაველზე").get_json()
    assert [item["title"] for item in answer["similar"]] == ["ველობილიკი რუსთაველის გამზირზე"]
    assert client.get("/petitions/similar.json").get_json() == {"similar": []}


def test_names_are_shown_only_for_signers_who_chose_it(client, app):
    with app.test_request_context():
        petition = petition_in(Status.OPEN)
        services.sign(make_user(name="Public Person"), petition, show_name=True)
        services.sign(make_user(name="Private Person"), petition, show_name=False)
        db.session.commit()
    page = client.get(f"/petitions/{petition.id}?lang=en").get_data(as_text=True)
    assert "Public Person" in page
    assert "Private Person" not in page


def test_a_petition_withdrawn_before_moderation_stays_private(client, app):
    with app.test_request_context():
        early = petition_in(Status.DRAFT, title="Withdrawn draft")
        services.withdraw(early.author, early)
        late = petition_in(Status.WITHDRAWN, title="Withdrawn while open")
        db.session.commit()
    assert client.get(f"/petitions/{early.id}").status_code == 404
    assert client.get(f"/petitions/{late.id}").status_code == 200
    listing = client.get("/petitions/?status=withdrawn").get_data(as_text=True)
    assert "Withdrawn while open" in listing
    assert "Withdrawn draft" not in listing


def test_signers_are_anonymised_months_after_closing_and_the_counts_stay(ctx):
    petition = petition_in(Status.OPEN)
    still_open = petition_in(Status.OPEN)
    still_open.deadline = utcnow() + timedelta(days=400)
    signer = make_user()
    signer.district_id = 3
    for target in (petition, still_open):
        services.sign(signer, target, show_name=True, notify=True)
    counting.count_new_signatures()
    closing = utcnow() + timedelta(days=31)
    services.tick(closing)
    assert services.tick(closing + timedelta(days=182))["anonymised"] == 0
    later = closing + timedelta(days=183)
    assert services.tick(later)["anonymised"] == 1
    signature = db.session.scalar(select(Signature).where(Signature.petition_id == petition.id))
    assert (signature.user_id, signature.show_name, signature.district_id) == (None, False, 3)
    assert queries.own_signature(signer, still_open)  # an open petition keeps its signers
    assert queries.counts_by_district(petition) == [(3, 1)]


# Signatures over time and by district.


def sign_on(petition, when, district_slug=None, email=None):
    """A counted signature made at `when` (UTC), by a signer from `district_slug`."""
    signer = make_user(email=email)
    if district_slug:
        signer.district_id = by_slug(district_slug).id
    services.sign(signer, petition)
    db.session.execute(
        update(Signature)
        .where(Signature.petition_id == petition.id, Signature.user_id == signer.id)
        .values(created_at=when)
    )
    return signer


def test_signatures_over_time_are_cumulative_per_local_day_with_quiet_days(ctx):
    petition = petition_in(Status.OPEN)
    opened = petition.opened_at = datetime(2026, 11, 1, 8, tzinfo=UTC)
    petition.deadline = opened + timedelta(days=5)
    petition.closed_at = petition.deadline
    # 21:30 UTC on 1 November is already 2 November in Tbilisi (UTC+4).
    for when in (opened, opened + timedelta(hours=13, minutes=30), opened + timedelta(days=3)):
        sign_on(petition, when)
    sign_on(petition, opened + timedelta(days=3))
    counting.count_new_signatures()
    timeline = queries.signatures_over_time(petition)
    assert not timeline.by_week
    assert timeline.points == [
        (date(2026, 11, 1), 1),
        (date(2026, 11, 2), 2),
        (date(2026, 11, 3), 2),
        (date(2026, 11, 4), 4),
        (date(2026, 11, 5), 4),
        (date(2026, 11, 6), 4),
    ]


def test_a_long_period_is_shown_by_week(ctx):
    petition = petition_in(Status.OPEN)
    opened = petition.opened_at = datetime(2026, 1, 5, 8, tzinfo=UTC)
    petition.closed_at = petition.deadline = opened + timedelta(days=90)
    for day_number in (0, 6, 7, 89):
        sign_on(petition, opened + timedelta(days=day_number))
    counting.count_new_signatures()
    timeline = queries.signatures_over_time(petition)
    assert timeline.by_week
    assert len(timeline.points) == 13  # 91 days
    assert timeline.points[:2] == [(date(2026, 1, 5), 2), (date(2026, 1, 12), 3)]
    assert timeline.points[-1] == (date(2026, 3, 30), 4)  # the week of 30 March to 5 April


def test_counts_by_district_and_shares(ctx):
    petition = petition_in(Status.OPEN)
    now = utcnow()
    for slug in ("vake", "vake", "vake", "saburtalo"):
        sign_on(petition, now, slug)
    sign_on(petition, now)
    counting.count_new_signatures()
    shares = queries.district_shares(petition)
    assert [(s.slug, s.signatures, s.share) for s in shares[:2]] == [
        ("vake", 3, 0.6),
        ("saburtalo", 1, 0.2),
    ]
    assert (shares[-1].slug, shares[-1].signatures) == (None, 1)  # no district given
    assert len(shares) == 11  # every district, also those without signatures


def grouped_signatures(petition) -> dict:
    """What the tallies must hold: the counted valid signatures grouped the slow way."""
    local_day = func.date(func.timezone(city_zone().key, Signature.created_at))
    rows = db.session.execute(
        select(local_day, Signature.district_id, func.count())
        .where(
            Signature.petition_id == petition.id,
            Signature.counted,
            Signature.invalidation_id.is_(None),
        )
        .group_by(local_day, Signature.district_id)
    )
    return {(day, district): n for day, district, n in rows}


def tallies(petition) -> dict:
    rows = db.session.execute(
        select(SignatureTally.day, SignatureTally.district_id, SignatureTally.signatures).where(
            SignatureTally.petition_id == petition.id, SignatureTally.signatures > 0
        )
    )
    return {(day, district): n for day, district, n in rows}


def test_the_tallies_by_day_and_district_follow_counting_removals_and_the_nightly_rebuild(ctx):
    petition = petition_in(Status.OPEN)
    start = utcnow() - timedelta(days=3)
    for number, slug in enumerate(("vake", "vake", "saburtalo", None, "gldani")):
        sign_on(petition, start + timedelta(hours=20 * number), slug)
    sign_on(petition, start, email="bot@spam.example")
    counting.count_new_signatures()
    assert tallies(petition) == grouped_signatures(petition)
    assert sum(tallies(petition).values()) == petition.shown_count == 6
    sign_on(petition, utcnow(), "vake")  # counted by a later run, into the same rows
    counting.count_new_signatures()
    assert tallies(petition) == grouped_signatures(petition)
    invalidation.invalidate_signatures(moderator(), petition, SPAM, "Bots")
    assert tallies(petition) == grouped_signatures(petition)
    assert sum(tallies(petition).values()) == petition.shown_count == 6
    # A tally gone wrong (a crash between runs, a changed time zone): the nightly rebuild.
    db.session.execute(update(SignatureTally).values(signatures=SignatureTally.signatures + 5))
    counting.reconcile()
    assert tallies(petition) == grouped_signatures(petition)


def test_the_detail_page_shows_the_charts_tables_and_the_map_data(client, app):
    with app.test_request_context():
        petition = petition_in(Status.OPEN)
        for slug in ("vake", "vake", "saburtalo"):
            sign_on(petition, utcnow(), slug)
        counting.count_new_signatures()
        db.session.commit()
    page = client.get(f"/petitions/{petition.id}?lang=en").get_data(as_text=True)
    assert "Signatures in total at the end of each day" in page
    assert 'data-chart="line"' in page
    assert '<td data-value="3">3</td>' in page  # the day's total
    assert "Signatures by district" in page
    assert '<td class="number">66.7%</td>' in page  # Vake's share
    values = json.loads(html.unescape(re.search(r"data-values='([^']*)'", page).group(1)))
    assert values["vake"] == {"value": 2, "text": "2 signatures (66.7%)"}
    assert values["gldani"]["value"] == 0  # every district is coloured, also without any


def test_a_petition_without_signatures_shows_no_empty_charts(client, app):
    with app.test_request_context():
        petition = petition_in(Status.OPEN)
    page = client.get(f"/petitions/{petition.id}?lang=en").get_data(as_text=True)
    assert "Signatures over time" not in page
    assert 'id="district-map"' not in page


def test_the_district_page_lists_its_open_petitions_with_a_link_to_the_list(client, app):
    with app.test_request_context():
        author = make_user()
        author.district_id = by_slug("vake").id
        here = petition_in(Status.OPEN, author=author, title="ხეები ვაკის პარკში")
        petition_in(Status.CLOSED, author=author, title="დახურული პეტიცია ვაკეში")
        petition_in(Status.OPEN, title="სხვა რაიონის პეტიცია")
        district_id = author.district_id
    page = client.get("/districts/vake?lang=en").get_data(as_text=True)
    assert "Petitions open for signatures" in page
    assert "ხეები ვაკის პარკში" in page
    assert f"/petitions/{here.id}" in page
    assert "დახურული პეტიცია ვაკეში" not in page
    assert "სხვა რაიონის პეტიცია" not in page
    assert f"/petitions/?district={district_id}" in page
    other = client.get("/districts/saburtalo?lang=en").get_data(as_text=True)
    assert "No petition started in this district is open for signatures." in other


# Moderators remove signatures in bulk.

SPAM = invalidation.SignatureFilter(domain="@spam.example")
NOW = datetime.now(UTC)


def spam_and_real(petition, spam: int, real: int) -> None:
    for number in range(spam):
        sign_on(petition, utcnow(), email=f"bot{number}@spam.example")
    sign_on(petition, utcnow(), email="bot@mail.spam.example")  # a subdomain
    sign_on(petition, utcnow(), email="person@notspam.example")  # not the domain
    for _ in range(real - 1):
        sign_on(petition, utcnow())


def test_removing_signatures_by_domain_corrects_the_count_and_keeps_the_rows(ctx):
    petition = petition_in(Status.OPEN)
    spam_and_real(petition, spam=11, real=4)
    counting.count_new_signatures()
    assert (petition.shown_count, petition.status) == (16, "threshold_reached")
    staff = moderator()
    assert invalidation.preview_invalidation(staff, petition, SPAM) == 12
    removal = invalidation.invalidate_signatures(staff, petition, SPAM, "Bots from one domain")
    assert removal.removed == 12
    assert petition.shown_count == 4
    assert count(Signature, Signature.petition_id == petition.id) == 16  # nothing deleted
    assert count(Signature, Signature.invalidation_id == removal.id) == 12
    assert (removal.moderator_id, removal.reason) == (staff.id, "Bots from one domain")
    assert removal.criteria == {"domain": "spam.example"}
    assert audit_actions(petition).count("petition.invalidate_signatures") == 1
    # Under the threshold again, it owes no response; the crossing stays recorded.
    assert (petition.status, petition.response_due_at) == ("open", None)
    assert count(ThresholdCrossing, ThresholdCrossing.petition_id == petition.id) == 1
    assert counting.count_new_signatures() == 0
    assert counting.reconcile() == 0
    assert sum(n for _, n in queries.counts_by_district(petition)) == 4
    assert invalidation.preview_invalidation(staff, petition, SPAM) == 0
    # Real signatures take it over again: reached once more, its consequences not repeated.
    for _ in range(settings.first_threshold()):
        sign_on(petition, utcnow())
    counting.count_new_signatures()
    assert petition.status == "threshold_reached"
    assert petition.response_due_at is not None
    assert count(Event, Event.kind == "petition.threshold") == 1


def test_signatures_not_yet_counted_are_removed_without_touching_the_count(ctx):
    petition = petition_in(Status.OPEN)
    spam_and_real(petition, spam=2, real=2)
    counting.count_new_signatures()
    assert petition.shown_count == 5
    sign_on(petition, utcnow(), email="late@spam.example")  # not counted yet
    removal = invalidation.invalidate_signatures(moderator(), petition, SPAM, "Bots")
    assert (removal.removed, petition.shown_count) == (4, 2)
    assert counting.count_new_signatures() == 0  # the counter skips removed signatures
    assert petition.shown_count == 2


def test_removing_signatures_in_a_time_window(ctx):
    petition = petition_in(Status.OPEN)
    burst = utcnow() - timedelta(hours=2)
    for minute in range(5):
        sign_on(petition, burst + timedelta(minutes=minute))
    sign_on(petition, burst - timedelta(hours=1))
    sign_on(petition, burst + timedelta(minutes=30))
    counting.count_new_signatures()
    window = invalidation.SignatureFilter(since=burst, until=burst + timedelta(minutes=5))
    removal = invalidation.invalidate_signatures(moderator(), petition, window, "A burst")
    assert (removal.removed, petition.shown_count) == (5, 2)
    assert removal.criteria == {"since": burst.isoformat(), "until": window.until.isoformat()}


@pytest.mark.parametrize(
    ("given", "reason", "field"),
    [
        (SPAM, "  ", "reason"),
        (invalidation.SignatureFilter(), "Bots", "domain"),
        (invalidation.SignatureFilter(domain="not a domain"), "Bots", "domain"),
        (invalidation.SignatureFilter(domain="nobody.example"), "Bots", "domain"),
        (
            invalidation.SignatureFilter(since=utcnow(), until=utcnow() - timedelta(hours=1)),
            "B",
            "until",
        ),
    ],
)
def test_removal_refuses_what_is_missing_or_matches_nothing(ctx, given, reason, field):
    petition = petition_in(Status.OPEN)
    spam_and_real(petition, spam=2, real=1)
    counting.count_new_signatures()
    with pytest.raises(Refused) as refused:
        invalidation.invalidate_signatures(moderator(), petition, given, reason)
    assert (refused.value.status, refused.value.field) == (422, field)
    assert petition.shown_count == 4
    assert count(Signature, Signature.invalidation_id.is_not(None)) == 0


def test_only_moderators_remove_signatures_and_only_of_a_public_petition(ctx):
    petition = petition_in(Status.OPEN)
    spam_and_real(petition, spam=2, real=1)
    for someone in (make_user(), make_user(Role.EDITOR), petition.author):
        with pytest.raises(Refused) as refused:
            invalidation.invalidate_signatures(someone, petition, SPAM, "Bots")
        assert refused.value.status == 403
        with pytest.raises(Refused):
            invalidation.preview_invalidation(someone, petition, SPAM)
    with pytest.raises(Refused) as refused:
        invalidation.invalidate_signatures(
            moderator(), petition_in(Status.IN_MODERATION), SPAM, "B"
        )
    assert refused.value.status == 409


def test_a_moderator_previews_then_removes_and_the_page_says_why(client, app):
    with app.test_request_context():
        petition = petition_in(Status.OPEN)
        spam_and_real(petition, spam=3, real=2)
        counting.count_new_signatures()
        db.session.commit()
        staff = moderator()
    log_in(client, staff)
    url = f"/petitions/{petition.id}/signatures/remove?lang=en"
    form = {"domain": "spam.example", "preview": "1"}
    preview = submit(client, url, form)
    assert preview.status_code == 200
    assert "4 valid signatures match this filter." in preview.get_data(as_text=True)
    no_reason = submit(client, url, {"domain": "spam.example", "confirm": "1"})
    assert no_reason.status_code == 422
    assert "Please give the reason" in no_reason.get_data(as_text=True)
    assert 'value="spam.example"' in no_reason.get_data(as_text=True)  # nothing typed is lost
    done = submit(client, url, {"domain": "spam.example", "reason": "Bots", "confirm": "1"})
    assert done.status_code == 302
    page = client.get(f"/petitions/{petition.id}?lang=en").get_data(as_text=True)
    assert "4 signatures were removed: Bots" in page
    assert "<strong data-count>2</strong>" in page
    again = submit(client, url, {"domain": "spam.example", "reason": "Bots", "confirm": "1"})
    assert again.status_code == 422
    assert "No signature of this petition matches the filter." in again.get_data(as_text=True)
    for moment in ("0001-01-01T00:00", "9999-12-31T23:59"):  # once a 500 (UTC overflow)
        absurd = submit(client, url, {"since": moment, "preview": "1"})
        assert absurd.status_code == 422
        assert "Please enter a date between" in absurd.get_data(as_text=True)


def test_a_signer_whose_signature_was_removed_sees_why_on_the_page_and_in_the_data(client, app):
    with app.test_request_context():
        petition = petition_in(Status.OPEN)
        spam_and_real(petition, spam=2, real=1)
        bot = make_user(email="bot-reader@spam.example")
        services.sign(bot, petition)
        counting.count_new_signatures()
        invalidation.invalidate_signatures(moderator(), petition, SPAM, "Bots from one domain")
        db.session.commit()
    log_in(client, bot)
    page = client.get(f"/petitions/{petition.id}?lang=en").get_data(as_text=True)
    removed = "A moderator removed your signature, so it does not count: Bots from one domain"
    assert removed in page
    assert "You have signed this petition." not in page
    # The thank-you's address, reopened, does not thank a signature that no longer counts.
    thanked = client.get(f"/petitions/{petition.id}?signed=1&lang=en").get_data(as_text=True)
    assert removed in thanked
    assert "Thank you" not in thanked
    data = client.get("/accounts/data").get_json()["petitions"]
    signature = next(s for s in data["signatures"] if s["petition_id"] == petition.id)
    assert (signature["removed"], signature["removal_reason"]) == (True, "Bots from one domain")
    # Once the petition is closed, the page still tells them.
    with app.app_context():
        db.session.execute(
            update(Petition).where(Petition.id == petition.id).values(status="closed")
        )
        db.session.commit()
    closed = client.get(f"/petitions/{petition.id}?lang=en").get_data(as_text=True)
    assert removed in closed


def test_a_signer_whose_signature_counts_sees_that_they_signed(client, app):
    with app.test_request_context():
        petition = petition_in(Status.OPEN)
        spam_and_real(petition, spam=1, real=1)
        signer = make_user()
        services.sign(signer, petition)
        invalidation.invalidate_signatures(moderator(), petition, SPAM, "Bots")
        db.session.commit()
    log_in(client, signer)
    page = client.get(f"/petitions/{petition.id}?lang=en").get_data(as_text=True)
    assert "You have signed this petition." in page
    assert "A moderator removed your signature" not in page
    data = client.get("/accounts/data").get_json()["petitions"]
    assert data["signatures"][0]["removed"] is False
    assert data["signatures"][0]["removal_reason"] is None


def test_the_removal_page_refuses_residents_and_posts_without_a_token(client, app):
    with app.test_request_context():
        petition = petition_in(Status.OPEN)
        spam_and_real(petition, spam=1, real=1)
        db.session.commit()
        resident, staff = make_user(), moderator()
    url = f"/petitions/{petition.id}/signatures/remove"
    log_in(client, resident)
    assert client.get(url).status_code == 403
    form = {"domain": "spam.example", "reason": "Bots", "confirm": "1"}
    assert submit(client, url, form, form_url=f"/petitions/{petition.id}").status_code == 403
    log_in(client, staff)
    assert client.post(url, data=form).status_code == 400  # no CSRF token
    with app.app_context():
        assert count(Signature, Signature.invalidation_id.is_not(None)) == 0


def test_the_csv_never_hands_a_spreadsheet_a_formula(client, app):
    with app.test_request_context():
        petition = petition_in(Status.OPEN)
        petition.title = '=HYPERLINK("http://evil.example","Click")'
        db.session.commit()
    rows = list(csv.reader(io.StringIO(client.get("/api/v1/petitions.csv").get_data(as_text=True))))
    titles = [row[3] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil.example","Click")' in titles
