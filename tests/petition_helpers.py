"""Petitions in a given state, for the petition tests and the security walk."""

from core.db import db
from core.models import Role
from petitions import counting, services
from petitions.models import Petition, Status
from tests.factories import make_user

TEXT = services.PetitionInput(
    title="ველობილიკი რუსთაველის გამზირზე",
    summary="ვითხოვთ ველობილიკის მოწყობას რუსთაველის გამზირზე.",
    topic="transport",
)


def moderator():
    return make_user(Role.MODERATOR)


def petition_in(status: Status, author=None, title: str | None = None) -> Petition:
    """A petition taken through the real transitions up to `status` (sponsors: 2 as set up
    by the `petition_settings` fixture's values, or whatever the app has)."""
    author = author or make_user()
    text = services.PetitionInput(**{**TEXT.__dict__, **({"title": title} if title else {})})
    petition = services.create_petition(author, text)
    if status == Status.DRAFT:
        return _done(petition)
    services.ask_for_sponsors(author, petition)
    while petition.status == Status.COLLECTING_SPONSORS and status != Status.COLLECTING_SPONSORS:
        services.add_sponsor(make_user(), petition)
    if status in (Status.COLLECTING_SPONSORS, Status.IN_MODERATION):
        return _done(petition)
    staff = moderator()
    if status == Status.REJECTED:
        services.reject(staff, petition, "unclear", "Please say what City Hall should do.")
        return _done(petition)
    services.approve(staff, petition)
    if status == Status.WITHDRAWN:
        services.withdraw(author, petition)
    if status in (Status.THRESHOLD_REACHED, Status.RESPONDED, Status.AWAITING_RESPONSE):
        counting.cross_threshold(petition, 1, 1)
    if status == Status.AWAITING_RESPONSE:
        petition.status = Status.AWAITING_RESPONSE.value
    if status == Status.RESPONDED:
        services.respond(staff, petition, "მერია ველობილიკს 2027 წელს მოაწყობს.")
    if status == Status.CLOSED:
        petition.status = Status.CLOSED.value
    return _done(petition)


def _done(petition: Petition) -> Petition:
    db.session.commit()
    return petition
