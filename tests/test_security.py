"""Deny by default, route by route (SecureDrop's walk, CKAN's table of who may do what).

The walk requests every route of the URL map as each role, with real objects in the URL and
a valid CSRF token of that client's own session, so the answer's reason is the permission:
not a missing object, not a form error, not CSRF. A second walk shows that every
state-changing route refuses a missing or a foreign token before anything else runs.

Adding a route: add a row to EXPECTED (the test names any route without one); if the route
has URL arguments, say how to fill them in URL_ARGS; if it takes a form, put minimal valid
data in FORMS, so that an allowed role gets its 200/302, not a form error.
"""

from dataclasses import dataclass
from itertools import count
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from sqlalchemy import update

from accounts import tokens
from accounts.models import ResidencyReview
from budgeting.models import Ballot, Phase, Proposal, Question
from core.app import create_app
from core.db import db
from core.districts import by_slug
from core.extensions import limiter
from core.models import Role, User
from core.permissions import require_confirmed, requires, signed_in
from core.storage import storage
from news import services as news
from news.models import Attachment, Post
from petitions.models import Petition
from smartmap import held
from smartmap.models import CategoryAttribute, HeldReport, Photo, Report
from smartmap.services import ReportInput
from tests.budget_factories import make_ballot, make_proposal, survey_questions
from tests.conftest import CSRF_INPUT
from tests.factories import ANONYMOUS, ROLES, log_in, make_user
from tests.smartmap_helpers import make_report, place_in

# What an answer means: allowed answers are 200 (the page), 302 (done, sent on elsewhere)
# and 422 (the walk sent the form empty on purpose, and it was checked). Refusals:
LOGIN = "log-in"  # anonymous where an account is needed: 302 to the log-in page with `next`
DENIED = 403  # logged in without the permission
HIDDEN = 404  # the object exists, but this user may not know it (a draft)

ALLOWED = {200, 302, 422}
REASONS = {
    200: "200 (allowed: the page)",
    302: "302 (allowed: done, redirected elsewhere than the log-in page)",
    422: "422 (allowed: the empty form was checked)",
    LOGIN: "302 to the log-in page (anonymous)",
    401: "401 (an API that needs an account)",
    DENIED: "403 (logged in without the permission)",
    HIDDEN: "404 (hidden or missing object)",
    400: "400 (refused as bad input or CSRF: the walk's token and form should be valid)",
}


def row(*outcomes) -> dict:
    return dict(zip(ROLES, outcomes, strict=True))


PUBLIC = row(200, 200, 200, 200, 200, 200, 200)

# Object routes get a draft (and the draft's attachment): the strictest case.
# fmt: off
EXPECTED = {
    # (endpoint, method):                 anonymous resident staff moderator editor budget admin
    ("core.home", "GET"):                 PUBLIC,
    ("city.healthz", "GET"):              PUBLIC,
    ("city.districts", "GET"):            PUBLIC,
    ("api-docs.openapi_json", "GET"):     PUBLIC,
    ("core.audit_log", "GET"):            row(LOGIN, 403, 403, 403, 403, 403, 200),
    ("jobs_admin.failed", "GET"):         row(LOGIN, 403, 403, 403, 403, 403, 200),
    # No failed job with that id: an admin is told so (404); everyone else is refused first.
    ("jobs_admin.retry", "POST"):         row(LOGIN, 403, 403, 403, 403, 403, 404),
    ("core.add_link", "POST"):            row(LOGIN, 403, 403, 403, 302, 403, 302),
    ("core.remove_link", "POST"):         row(LOGIN, 403, 403, 403, 302, 403, 302),
    # District pages and the related panel's search and unlink steps (issue 7)
    ("districts.page", "GET"):            PUBLIC,
    ("core.find_link", "GET"):            row(LOGIN, 403, 403, 403, 200, 403, 200),
    ("core.confirm_unlink", "GET"):       row(LOGIN, 403, 403, 403, 200, 403, 200),
    ("static", "GET"):                    PUBLIC,

    ("accounts.signup", "GET"):           PUBLIC,
    ("accounts.signup", "POST"):          row(422, 422, 422, 422, 422, 422, 422),
    ("accounts.confirm", "GET"):          PUBLIC,  # a page: opening the link confirms nothing
    ("accounts.confirm_post", "POST"):    row(422, 422, 422, 422, 422, 422, 422),
    ("accounts.resend_confirmation", "POST"): row(LOGIN, 302, 302, 302, 302, 302, 302),
    ("accounts.login", "GET"):            PUBLIC,
    ("accounts.login", "POST"):           row(422, 422, 422, 422, 422, 422, 422),
    ("accounts.logout", "POST"):          row(302, 302, 302, 302, 302, 302, 302),
    ("accounts.reset_request", "GET"):    PUBLIC,
    ("accounts.reset_request", "POST"):   row(422, 422, 422, 422, 422, 422, 422),
    ("accounts.reset_password", "GET"):   PUBLIC,
    ("accounts.reset_password", "POST"):  row(422, 422, 422, 422, 422, 422, 422),
    ("accounts.profile", "GET"):          row(LOGIN, 200, 200, 200, 200, 200, 200),
    ("accounts.profile", "POST"):         row(LOGIN, 302, 302, 302, 302, 302, 302),
    ("accounts.change_password", "GET"):  row(LOGIN, 200, 200, 200, 200, 200, 200),
    ("accounts.change_password", "POST"): row(LOGIN, 422, 422, 422, 422, 422, 422),
    ("accounts.residency", "GET"):        row(LOGIN, 200, 200, 200, 200, 200, 200),
    ("accounts.residency", "POST"):       row(LOGIN, 422, 422, 422, 422, 422, 422),
    ("accounts.census", "GET"):           row(LOGIN, 403, 403, 403, 403, 403, 200),
    ("accounts.census", "POST"):          row(LOGIN, 403, 403, 403, 403, 403, 422),
    ("accounts.residency_review", "GET"): row(LOGIN, 200, 200, 200, 200, 200, 200),
    ("accounts.residency_review", "POST"): row(LOGIN, 422, 422, 422, 422, 422, 422),
    ("accounts.residency_reviews", "GET"): row(LOGIN, 403, 403, 403, 403, 403, 200),
    ("accounts.resolve_residency_review", "POST"): row(LOGIN, 403, 403, 403, 403, 403, 302),
    ("accounts.download_data", "GET"):    row(LOGIN, 200, 200, 200, 200, 200, 200),
    ("accounts.delete_account", "GET"):   row(LOGIN, 200, 200, 200, 200, 200, 200),
    ("accounts.delete_account", "POST"):  row(LOGIN, 422, 422, 422, 422, 422, 422),
    ("legal.privacy", "GET"):             PUBLIC,
    ("legal.terms", "GET"):               PUBLIC,

    ("news.index", "GET"):                PUBLIC,
    ("news_api.atom_feed", "GET"):        PUBLIC,
    ("news_api.posts", "GET"):            PUBLIC,
    ("news_api.post", "GET"):             PUBLIC,
    ("news.detail", "GET"):               row(404, 404, 404, 404, 200, 404, 200),
    ("news.attachment", "GET"):           row(404, 404, 404, 404, 200, 404, 200),
    ("news.drafts", "GET"):               row(LOGIN, 403, 403, 403, 200, 403, 200),
    ("news.new", "GET"):                  row(LOGIN, 403, 403, 403, 200, 403, 200),
    ("news.new", "POST"):                 row(LOGIN, 403, 403, 403, 302, 403, 302),
    ("news.edit", "GET"):                 row(LOGIN, 403, 403, 403, 200, 403, 200),
    ("news.edit", "POST"):                row(LOGIN, 403, 403, 403, 302, 403, 302),
    ("news.publish", "POST"):             row(LOGIN, 403, 403, 403, 302, 403, 302),
    ("news.unpublish", "POST"):           row(LOGIN, 403, 403, 403, 302, 403, 302),
    ("news.delete_attachment", "POST"):   row(LOGIN, 403, 403, 403, 302, 403, 302),

    # petitions: objects in URLs are the world's petitions in the state each route needs;
    # detail and count use one in moderation (hidden from all but moderators).
    ("petitions.index", "GET"):           PUBLIC,
    ("petitions.detail", "GET"):          row(404, 404, 404, 200, 404, 404, 200),
    ("petitions.count", "GET"):           row(404, 404, 404, 200, 404, 404, 200),
    ("petitions.similar", "GET"):         PUBLIC,
    ("petitions.sign", "POST"):           row(LOGIN, 302, 302, 302, 302, 302, 302),
    ("petitions.new", "GET"):             row(LOGIN, 200, 200, 200, 200, 200, 200),
    ("petitions.new", "POST"):            row(LOGIN, 302, 302, 302, 302, 302, 302),
    ("petitions.edit", "GET"):            row(LOGIN, 403, 403, 403, 403, 403, 403),
    ("petitions.edit", "POST"):           row(LOGIN, 403, 403, 403, 403, 403, 403),
    ("petitions.submit", "POST"):         row(LOGIN, 403, 403, 403, 403, 403, 403),
    ("petitions.withdraw", "POST"):       row(LOGIN, 403, 403, 403, 403, 403, 403),
    ("petitions.sponsor", "GET"):         PUBLIC,  # the shareable link: its key is the secret
    ("petitions.sponsor_post", "POST"):   row(LOGIN, 302, 302, 302, 302, 302, 302),
    ("petitions.moderation", "GET"):      row(LOGIN, 403, 403, 200, 403, 403, 200),
    ("petitions.approve", "POST"):        row(LOGIN, 403, 403, 302, 403, 403, 302),
    ("petitions.reject", "GET"):          row(LOGIN, 403, 403, 200, 403, 403, 200),
    ("petitions.reject", "POST"):         row(LOGIN, 403, 403, 302, 403, 403, 302),
    ("petitions.respond", "GET"):         row(LOGIN, 403, 403, 200, 403, 403, 200),
    ("petitions.respond", "POST"):        row(LOGIN, 403, 403, 302, 403, 403, 302),
    ("petitions.invalidate", "GET"):      row(LOGIN, 403, 403, 200, 403, 403, 200),
    ("petitions.invalidate", "POST"):     row(LOGIN, 403, 403, 200, 403, 403, 200),
    ("petitions.mine", "GET"):            row(LOGIN, 200, 200, 200, 200, 200, 200),
    ("petitions_api.petitions", "GET"):   PUBLIC,
    ("petitions_api.petition", "GET"):    PUBLIC,
    ("petitions_api.petitions_csv", "GET"): PUBLIC,
    # budgeting
    ("budgeting.index", "GET"):           PUBLIC,
    ("budgeting.mail", "POST"):           row(LOGIN, 302, 302, 302, 302, 302, 302),
    ("budgeting.cycle", "GET"):           PUBLIC,
    ("budgeting.ballot", "GET"):          PUBLIC,
    ("budgeting.vote", "POST"):           row(LOGIN, 403, 403, 403, 403, 403, 403),
    ("budgeting.ballot_results", "GET"):  PUBLIC,
    ("budgeting.download", "GET"):        PUBLIC,
    ("budgeting.propose", "GET"):         row(LOGIN, 200, 200, 200, 200, 200, 200),
    ("budgeting.propose", "POST"):        row(LOGIN, 422, 422, 422, 422, 422, 422),
    ("budgeting.admin", "GET"):           row(LOGIN, 403, 403, 403, 403, 200, 200),
    ("budgeting.admin", "POST"):          row(LOGIN, 403, 403, 403, 403, 302, 302),
    ("budgeting.admin_cycle", "GET"):     row(LOGIN, 403, 403, 403, 403, 200, 200),
    ("budgeting.admin_cycle", "POST"):    row(LOGIN, 403, 403, 403, 403, 302, 302),
    ("budgeting.move_phase", "POST"):     row(LOGIN, 403, 403, 403, 403, 302, 302),
    ("budgeting.admin_ballot", "GET"):    row(LOGIN, 403, 403, 403, 403, 200, 200),
    ("budgeting.admin_ballot", "POST"):   row(LOGIN, 403, 403, 403, 403, 302, 302),
    ("budgeting.review_proposal", "POST"): row(LOGIN, 403, 403, 403, 403, 302, 302),
    ("budgeting.new_question", "GET"):    row(LOGIN, 403, 403, 403, 403, 200, 200),
    ("budgeting.new_question", "POST"):   row(LOGIN, 403, 403, 403, 403, 302, 302),
    ("budgeting.edit_question", "GET"):   row(LOGIN, 403, 403, 403, 403, 200, 200),
    ("budgeting.edit_question", "POST"):  row(LOGIN, 403, 403, 403, 403, 302, 302),
    ("budgeting.move_question", "POST"):  row(LOGIN, 403, 403, 403, 403, 302, 302),
    ("budgeting.delete_question", "POST"): row(LOGIN, 403, 403, 403, 403, 302, 302),
    # The free-text answers may hold personal data: budget admins only.
    ("budgeting.answers_csv", "GET"):     row(LOGIN, 403, 403, 403, 403, 200, 200),
    ("budget_api.cycles", "GET"):         PUBLIC,
    ("budget_api.ballot", "GET"):         PUBLIC,
    ("budget_api.ballot_results", "GET"): PUBLIC,
    ("budget_api.ballot_survey", "GET"):  PUBLIC,
    # Cross-links: a proposal started from a map report, its page, the map layers
    # The walk's world has no cycle taking proposals: a page says so (200).
    ("budgeting.start_proposal", "GET"):  row(LOGIN, 200, 200, 200, 200, 200, 200),
    ("budgeting.proposal", "GET"):        row(404, 404, 404, 404, 404, 200, 200),
    ("budget_api.projects_layer", "GET"): PUBLIC,
    ("petitions_api.petitions_layer", "GET"): PUBLIC,
    # budget spending publication
    ("budgeting.spending", "GET"):        PUBLIC,
    ("budgeting.spending_upload", "GET"): row(LOGIN, 403, 403, 403, 403, 200, 200),
    # The walk posts no file: an allowed role gets the form back with its error.
    ("budgeting.spending_upload", "POST"): row(LOGIN, 403, 403, 403, 403, 422, 422),
    ("spending_api.spending", "GET"):     PUBLIC,
    ("spending_api.spending_csv", "GET"): PUBLIC,
    ("smartmap.index", "GET"):            PUBLIC,

    # smartmap: the walk's report is in Vake, the district the walk's staff serve; staff of
    # another district are refused in tests/test_smartmap_pages.py.
    ("smartmap.reports", "GET"):          PUBLIC,
    ("smartmap.detail", "GET"):           PUBLIC,
    ("smartmap.photo", "GET"):            PUBLIC,
    ("smartmap.statistics", "GET"):       PUBLIC,
    ("smartmap_api.reports_geojson", "GET"): PUBLIC,
    ("smartmap_api.atom_feed", "GET"):    PUBLIC,
    # Visitors report too: held until the e-mail link (a signed token) is confirmed.
    ("smartmap.new_report", "GET"):       PUBLIC,
    ("smartmap.new_report", "POST"):      row(302, 302, 302, 302, 302, 302, 302),
    ("smartmap.held_report", "GET"):      PUBLIC,
    ("smartmap.publish_held", "POST"):    row(302, 302, 302, 302, 302, 302, 302),
    ("smartmap.category_list", "GET"):    row(LOGIN, 403, 403, 403, 403, 403, 200),
    ("smartmap.new_category", "GET"):     row(LOGIN, 403, 403, 403, 403, 403, 200),
    ("smartmap.new_category", "POST"):    row(LOGIN, 403, 403, 403, 403, 403, 302),
    ("smartmap.edit_category", "GET"):    row(LOGIN, 403, 403, 403, 403, 403, 200),
    ("smartmap.edit_category", "POST"):   row(LOGIN, 403, 403, 403, 403, 403, 302),
    ("smartmap.question_list", "GET"):    row(LOGIN, 403, 403, 403, 403, 403, 200),
    ("smartmap.new_question", "GET"):     row(LOGIN, 403, 403, 403, 403, 403, 200),
    ("smartmap.new_question", "POST"):    row(LOGIN, 403, 403, 403, 403, 403, 302),
    ("smartmap.edit_question", "GET"):    row(LOGIN, 403, 403, 403, 403, 403, 200),
    ("smartmap.edit_question", "POST"):   row(LOGIN, 403, 403, 403, 403, 403, 302),
    ("smartmap.move_question", "POST"):   row(LOGIN, 403, 403, 403, 403, 403, 302),
    # A held report's sender stops update mail with the signed link in each mail.
    ("smartmap.email_unfollow", "GET"):   PUBLIC,
    ("smartmap.stop_email_updates", "POST"): row(302, 302, 302, 302, 302, 302, 302),
    ("smartmap.follow", "POST"):          row(LOGIN, 302, 302, 302, 302, 302, 302),
    ("smartmap.unfollow", "POST"):        row(LOGIN, 302, 302, 302, 302, 302, 302),
    # Only the reporter reopens (the walk's report has none that is logged in).
    ("smartmap.reopen", "POST"):          row(LOGIN, 403, 403, 403, 403, 403, 403),
    ("smartmap.change_status", "POST"):   row(LOGIN, 403, 302, 403, 403, 403, 302),
    ("smartmap.assign", "POST"):          row(LOGIN, 403, 302, 403, 403, 403, 302),
    ("smartmap.triage", "GET"):           row(LOGIN, 403, 200, 403, 403, 403, 200),
    ("smartmap.bulk", "POST"):            row(LOGIN, 403, 302, 403, 403, 403, 302),
    ("open311.discovery", "GET"):         PUBLIC,
    ("open311.service_list", "GET"):      PUBLIC,
    ("open311.service_definition", "GET"): PUBLIC,
    ("open311.request_list", "GET"):      PUBLIC,
    ("open311.single_request", "GET"):    PUBLIC,
    # Open311 clients post with an api_key, never a session: without one, 403 for everybody.
    ("open311.create_request", "POST"):   row(403, 403, 403, 403, 403, 403, 403),
}
# fmt: on

PDF = b"%PDF-1.4\n%%EOF\n"
_serial = count(1)


@dataclass
class World:
    """The objects the walk's URLs and forms name. Made afresh after every request that may
    have changed them, so one role's allowed action cannot change what the next role finds
    (a deleted attachment, a published draft); see Worlds."""

    post: Post
    other: Post
    draft: Post
    attachment: Attachment
    newcomer: User  # an unconfirmed account, for the e-mailed links
    review: ResidencyReview  # the newcomer's request to check a claimed personal number
    petitions: dict  # petitions: one per status the routes need
    ballot: Ballot  # budgeting: a knapsack ballot in its voting phase
    decided: Ballot  # budgeting: a ballot with published results
    planned: Ballot  # budgeting: a ballot in review, still editable
    question: Question  # budgeting: a survey question of the planned ballot
    proposal: Proposal  # budgeting: a resident's proposal for the planned ballot's district
    report: Report  # a smart map report in Vake, with a processed photo
    held: HeldReport  # a visitor's report waiting for its e-mail link


def _post(title: str, publish: bool) -> Post:
    data = news.PostInput(title_ka=title, body_ka="ტექსტი", title_en=title, body_en="Text")
    post = news.save_post(None, data, None)
    if publish:
        news.publish(post, None)
    return post


class Worlds:
    """One World shared by the walk's requests until one may have changed it: an allowed
    state-changing request. A refused one must change nothing (if it did, the walk already
    fails), and so do GETs. Making a World takes time: sharing it keeps the walk short."""

    def __init__(self) -> None:
        self._world: World | None = None

    def for_route(self, endpoint: str) -> World | None:
        """The shared World (in the current session) if the route needs one for its URL or form."""
        if endpoint not in URL_ARGS and endpoint not in FORMS:
            return None
        if self._world is None:
            self._world = _world()
        for value in vars(self._world).values():
            for item in value.values() if isinstance(value, dict) else [value]:
                if isinstance(item, db.Model):  # made in an earlier request's session
                    db.session.add(item)
        return self._world

    def after(self, method: str, expected) -> None:
        if method in STATE_CHANGING and expected in ALLOWED:
            self._world = None


def _world() -> World:
    draft = _post("Draft", publish=False)
    newcomer = User(
        email=f"newcomer{next(_serial)}@example.org", name="New", password_hash="-", locale="ka"
    )
    db.session.add(newcomer)
    review = ResidencyReview(
        user=newcomer, personal_number_hmac="0" * 64, district_id=by_slug("vake").id
    )
    db.session.add(review)
    world = World(
        post=_post("Published", publish=True),
        other=_post("Other", publish=True),
        draft=draft,
        attachment=news.attach_pdf(draft, "minutes.pdf", PDF, None),
        newcomer=newcomer,
        review=review,
        petitions=_petitions(newcomer),
        ballot=make_ballot(),
        decided=make_ballot(phase=Phase.RESULTS),
        planned=(planned := make_ballot(phase=Phase.REVIEW, questions=survey_questions())),
        question=planned.questions[0],
        proposal=make_proposal(planned),
        report=_report(),
        held=held.hold_report(_held_input(), "visitor@example.org", "", [], "ka"),
    )
    db.session.commit()
    return world


def _petitions(author: User) -> dict[str, Petition]:
    """petitions: one in each state a route needs, by another author than the walk's roles."""
    db.session.flush()
    made = {}
    for status in ("draft", "collecting_sponsors", "in_moderation", "open", "threshold_reached"):
        made[status] = Petition(
            author_id=author.id,
            status=status,
            title=f"Petition {status}",
            summary="Summary",
            topic="other",
            sponsor_key=f"key{next(_serial)}",
        )
        db.session.add(made[status])
    db.session.flush()
    return made


PETITION_FORM = {"title": "სათაური", "summary": "მოკლედ", "topic": "other", "language": "ka"}


def _report() -> Report:
    report = make_report("vake")
    key = storage().save("map-photos", b"jpeg", ".jpg")
    report.photos.append(Photo(storage_key=key, thumbnail_key=key + "t", processed=True))
    db.session.flush()
    return report


def _report_form(w: World) -> dict:
    lat, lon = place_in("vake")
    return {
        "category": "road",
        "description": "ორმო",
        "latitude": lat,
        "longitude": lon,
        "checked": "1",
        "email": f"visitor{next(_serial)}@example.org",  # for visitors; accounts have theirs
    }


def _held_input() -> ReportInput:
    lat, lon = place_in("vake")
    return ReportInput("road", "ორმო", lat, lon)


def _category_form(code: str) -> dict:
    return {"code": code, "name_ka": "გზა", "name_en": "Road", "target_days": "14", "active": "y"}


def _question(w: World) -> dict:
    """The walk's report's category with a question (made by the first route that needs it)."""
    category = w.report.category
    if not category.attributes:
        question = CategoryAttribute(
            code="walk", datatype="string", description_ka="რა?", description_en="What?"
        )
        category.attributes.append(question)
        db.session.commit()  # as the World is: the requests' sessions must see it
    return {"category_id": category.id, "question_id": category.attributes[0].id}


def _question_form(code: str) -> dict:
    texts = {"description_ka": "რა?", "description_en": "What?", "active": "y"}
    return {"code": code, "datatype": "string", **texts}


STATUS_FORM = {"status": "acknowledged", "public_message": "Seen"}
OPEN311 = {"fmt": "json"}

QUESTION_FORM = {"prompt_ka": "კითხვა", "kind": "single", "choices_ka": "კი\nარა"}
POST_FORM = {"title_ka": "სათაური", "body_ka": "ტექსტი", "kind": "news", "tags": "ogp"}

# How to fill each route's URL arguments, from the request's World.
URL_ARGS = {
    "static": lambda w: {"filename": "css/ghia.css"},
    "accounts.confirm": lambda w: {"token": tokens.confirmation_token(w.newcomer)},
    "accounts.confirm_post": lambda w: {"token": tokens.confirmation_token(w.newcomer)},
    "accounts.reset_password": lambda w: {"token": tokens.reset_token(w.newcomer)},
    "accounts.resolve_residency_review": lambda w: {"review_id": w.review.id},
    "news.detail": lambda w: {"post_id": w.draft.id},
    "news.edit": lambda w: {"post_id": w.draft.id},
    "news.publish": lambda w: {"post_id": w.draft.id},
    "news.unpublish": lambda w: {"post_id": w.draft.id},
    "news.attachment": lambda w: {"attachment_id": w.attachment.id, "filename": "minutes.pdf"},
    "news.delete_attachment": lambda w: {"attachment_id": w.attachment.id},
    "news_api.post": lambda w: {"post_id": w.post.id},
    "jobs_admin.retry": lambda w: {"job_id": 1},
    "districts.page": lambda w: {"slug": "vake"},
    "core.find_link": lambda w: {"ref": w.post.ref},
    "core.confirm_unlink": lambda w: {"ref": w.post.ref, "other": w.other.ref},
    # petitions
    "petitions.detail": lambda w: {"petition_id": w.petitions["in_moderation"].id},
    "petitions.count": lambda w: {"petition_id": w.petitions["in_moderation"].id},
    "petitions.sign": lambda w: {"petition_id": w.petitions["open"].id},
    "petitions.edit": lambda w: {"petition_id": w.petitions["draft"].id},
    "petitions.submit": lambda w: {"petition_id": w.petitions["draft"].id},
    "petitions.withdraw": lambda w: {"petition_id": w.petitions["open"].id},
    "petitions.sponsor": lambda w: {"key": w.petitions["collecting_sponsors"].sponsor_key},
    "petitions.sponsor_post": lambda w: {"key": w.petitions["collecting_sponsors"].sponsor_key},
    "petitions.approve": lambda w: {"petition_id": w.petitions["in_moderation"].id},
    "petitions.reject": lambda w: {"petition_id": w.petitions["in_moderation"].id},
    "petitions.respond": lambda w: {"petition_id": w.petitions["threshold_reached"].id},
    "petitions.invalidate": lambda w: {"petition_id": w.petitions["open"].id},
    "petitions_api.petition": lambda w: {"petition_id": w.petitions["open"].id},
    # budgeting
    "budgeting.cycle": lambda w: {"cycle_id": w.ballot.cycle_id},
    "budgeting.ballot": lambda w: {"ballot_id": w.ballot.id},
    "budgeting.vote": lambda w: {"ballot_id": w.ballot.id},
    "budgeting.ballot_results": lambda w: {"ballot_id": w.decided.id},
    "budgeting.download": lambda w: {"ballot_id": w.decided.id},
    "budgeting.propose": lambda w: {"cycle_id": w.planned.cycle_id},
    "budgeting.admin_cycle": lambda w: {"cycle_id": w.planned.cycle_id},
    "budgeting.move_phase": lambda w: {"cycle_id": w.planned.cycle_id},
    "budgeting.admin_ballot": lambda w: {"ballot_id": w.planned.id},
    "budgeting.review_proposal": lambda w: {"proposal_id": w.proposal.id},
    "budgeting.proposal": lambda w: {"proposal_id": w.proposal.id},
    "budget_api.ballot": lambda w: {"ballot_id": w.ballot.id},
    "budget_api.ballot_results": lambda w: {"ballot_id": w.decided.id},
    "budget_api.ballot_survey": lambda w: {"ballot_id": w.decided.id},
    "budgeting.new_question": lambda w: {"ballot_id": w.planned.id},
    "budgeting.edit_question": lambda w: {"question_id": w.question.id},
    "budgeting.move_question": lambda w: {"question_id": w.question.id},
    "budgeting.delete_question": lambda w: {"question_id": w.question.id},
    "budgeting.answers_csv": lambda w: {"ballot_id": w.decided.id},
    # smartmap
    "smartmap.detail": lambda w: {"report_id": w.report.id},
    "smartmap.photo": lambda w: {"photo_id": w.report.photos[0].id, "size": "full"},
    "smartmap.follow": lambda w: {"report_id": w.report.id},
    "smartmap.unfollow": lambda w: {"report_id": w.report.id},
    "smartmap.reopen": lambda w: {"report_id": w.report.id},
    "smartmap.change_status": lambda w: {"report_id": w.report.id},
    "smartmap.held_report": lambda w: {"token": held.token(w.held)},
    "smartmap.publish_held": lambda w: {"token": held.token(w.held)},
    "smartmap.edit_category": lambda w: {"category_id": w.report.category_id},
    "smartmap.assign": lambda w: {"report_id": w.report.id},
    "smartmap.question_list": lambda w: {"category_id": w.report.category_id},
    "smartmap.new_question": lambda w: {"category_id": w.report.category_id},
    "smartmap.edit_question": _question,
    "smartmap.move_question": _question,
    "smartmap.email_unfollow": lambda w: {"token": held.unfollow_token(w.report.id, "a@b.org")},
    "smartmap.stop_email_updates": lambda w: {"token": held.unfollow_token(w.report.id, "a@b.org")},
    "smartmap_api.reports_geojson": lambda w: {"bbox": "44.6,41.6,45,41.9", "zoom": 12},
    "open311.discovery": lambda w: OPEN311,
    "open311.service_list": lambda w: OPEN311,
    "open311.service_definition": lambda w: {"code": "road", **OPEN311},
    "open311.request_list": lambda w: OPEN311,
    "open311.single_request": lambda w: {"request_id": w.report.id, **OPEN311},
    "open311.create_request": lambda w: OPEN311,
}

# Minimal valid forms; a route not listed here is posted with only its CSRF token.
FORMS = {
    "core.add_link": lambda w: {"source": w.post.ref, "ref": w.other.ref},
    "core.remove_link": lambda w: {"source": w.post.ref, "ref": w.other.ref},
    "accounts.profile": lambda w: {"name": "Nino", "district": "0", "locale": "ka"},
    "accounts.resolve_residency_review": lambda w: {"decision": "refuse"},
    "news.new": lambda w: POST_FORM,
    "news.edit": lambda w: POST_FORM,
    # petitions
    "petitions.new": lambda w: PETITION_FORM,
    "petitions.edit": lambda w: PETITION_FORM,
    "petitions.reject": lambda w: {"reason": "unclear", "explanation": "Vague."},
    "petitions.respond": lambda w: {"response": "City Hall agrees."},
    # The preview (counting changes nothing), so each allowed role gets its page.
    "petitions.invalidate": lambda w: {"domain": "spam.example", "preview": "1"},
    "budgeting.vote": lambda w: {"option": "2"},
    "budgeting.propose": lambda w: {"title": "Benches", "description": "By the school"},
    "budgeting.admin": lambda w: {
        "title_ka": "ბიუჯეტი",
        "proposals_at": "2027-01-01",
        "review_at": "2027-02-01",
        "voting_at": "2027-03-01",
        "results_at": "2027-04-01",
    },
    "budgeting.admin_cycle": lambda w: {
        "district": by_slug("saburtalo").id,
        "title_ka": "საბურთალო",
        "kind": "approval",
        "rule": "mes",
        "budget": "1000",
    },
    "budgeting.move_phase": lambda w: {"phase": "voting"},
    "budgeting.admin_ballot": lambda w: {"name_ka": "სკვერი", "cost": "100"},
    "budgeting.review_proposal": lambda w: {"cost": "100"},
    "budgeting.new_question": lambda w: QUESTION_FORM,
    "budgeting.edit_question": lambda w: QUESTION_FORM,
    "budgeting.move_question": lambda w: {"direction": "down"},
    # smartmap
    "smartmap.new_report": _report_form,
    "smartmap.new_category": lambda w: _category_form(f"walk-{next(_serial)}"),
    "smartmap.edit_category": lambda w: _category_form("road"),
    "smartmap.change_status": lambda w: STATUS_FORM,
    "smartmap.new_question": lambda w: _question_form(f"walk-{next(_serial)}"),
    "smartmap.edit_question": lambda w: _question_form("walk"),
    "smartmap.move_question": lambda w: {"to": "up"},
    "smartmap.bulk": lambda w: {**STATUS_FORM, "report": w.report.id},
}

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# Authenticated by a key in the request, never by a cookie, so a forged request gains nothing.
CSRF_EXEMPT = {("open311.create_request", "POST")}  # smartmap


def routes(app: Flask) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def path_for(app: Flask, endpoint: str, world: World) -> str:
    (rule,) = app.url_map.iter_rules(endpoint)
    fill = URL_ARGS.get(endpoint)
    assert fill or not rule.arguments, f"add {endpoint} to URL_ARGS: it takes {rule.arguments}"
    return rule.build(fill(world) if fill else {})[1]


def form_for(endpoint: str, world: World) -> dict:
    return FORMS[endpoint](world) if endpoint in FORMS else {}


def verdict(response):
    """The answer in the table's terms: LOGIN for a redirect to log in that would come back."""
    if response.status_code == 302:
        target = urlsplit(response.location)
        if target.path == "/accounts/login" and parse_qs(target.query).get("next"):
            return LOGIN
    return response.status_code


def role_sessions(app: Flask) -> dict:
    """Per role: the session cookie of a logged-in client and a CSRF token of that session."""
    sessions = {}
    for role in ROLES:
        client = app.test_client()
        if role != ANONYMOUS:
            districts = ["vake"] if role == Role.DISTRICT_STAFF else ()
            user = make_user(role, districts=districts)
            with client.session_transaction() as session:  # as log_in does, minus argon2
                session.update(_user_id=user.get_id(), _fresh=True)
        page = client.get("/accounts/login").get_data(as_text=True)
        sessions[role] = (client.get_cookie("session").value, CSRF_INPUT.search(page).group(1))
    return sessions


def request_as(app: Flask, session: str, method: str, path: str, data: dict | None = None):
    """A client with a copy of the role's session: logging out or a changed password in one
    request leaves the role logged in for the next."""
    client = app.test_client()
    client.set_cookie("session", session)
    limiter.reset()  # rate limits are not what this walk is about
    return client.open(path, method=method, data=data)


def keep_sessions_alive() -> None:
    """Logging out (or a new password) ends every session of the account; the walk's next
    request as that role must still be logged in, so the version goes back to the cookies'."""
    db.session.execute(update(User).values(session_version=1))


def walk_mismatches(
    app: Flask, endpoint: str, method: str, sessions: dict, worlds: Worlds
) -> list[str]:
    mismatches = []
    for role, expected in EXPECTED[(endpoint, method)].items():
        session, token = sessions[role]
        with app.test_request_context():
            world = worlds.for_route(endpoint)
            path = path_for(app, endpoint, world)
            data = None
            if method in STATE_CHANGING:
                data = {**form_for(endpoint, world), "csrf_token": token}
        answer = verdict(request_as(app, session, method, path, data))
        worlds.after(method, expected)
        keep_sessions_alive()
        if answer != expected:
            mismatches.append(
                f"{endpoint} {method} {path} as {role}: expected {REASONS[expected]}, "
                f"got {REASONS.get(answer, answer)}"
            )
    return mismatches


def test_every_route_has_a_row_in_the_table(app):
    missing = sorted(routes(app) - EXPECTED.keys())
    example = "row(LOGIN, 403, 403, 403, 403, 403, 200)"
    assert not missing, (
        "Routes without a row in EXPECTED (tests/test_security.py); add one per route and "
        "method saying what each role gets, e.g.:\n"
        + "\n".join(f'    ("{endpoint}", "{method}"): {example},' for endpoint, method in missing)
    )
    stale = sorted(EXPECTED.keys() - routes(app))
    assert not stale, f"Rows in EXPECTED for routes that no longer exist: {stale}"


def test_every_route_answers_each_role_as_the_table_says(app):
    sessions, worlds = role_sessions(app), Worlds()
    mismatches = []
    for endpoint, method in sorted(routes(app) & EXPECTED.keys()):
        mismatches += walk_mismatches(app, endpoint, method, sessions, worlds)
    assert not mismatches, "\n".join(mismatches)


def test_every_state_changing_route_refuses_a_missing_or_foreign_csrf_token(app):
    sessions = role_sessions(app)
    admin, anonymous = sessions[Role.ADMIN], sessions[ANONYMOUS]
    changing = sorted(r for r in routes(app) if r[1] in STATE_CHANGING and r not in CSRF_EXEMPT)
    assert len(changing) >= 15
    accepted = []
    worlds = Worlds()
    for endpoint, method in changing:
        with app.test_request_context():
            world = worlds.for_route(endpoint)
            path = path_for(app, endpoint, world) + "?lang=en"
            form = form_for(endpoint, world)
        for session, token in [(admin[0], None), (admin[0], anonymous[1]), (anonymous[0], None)]:
            data = form if token is None else {**form, "csrf_token": token}
            response = request_as(app, session, method, path, data)
            page = response.get_data(as_text=True)
            # A post without the site's Origin is told it came from elsewhere; either way: 400.
            refused = "The form has expired" in page or "This form was not accepted" in page
            if response.status_code != 400 or not refused:
                accepted.append(f"{endpoint} {method}: {response.status_code}, token {token!r}")
    assert not accepted, "answered without a valid CSRF token:\n" + "\n".join(accepted)


def test_the_walk_notices_a_view_that_forgot_its_check(app):
    sessions = role_sessions(app)
    audit_log = app.view_functions["core.audit_log"]
    app.view_functions["core.audit_log"] = lambda: "the audit log"
    try:
        mismatches = walk_mismatches(app, "core.audit_log", "GET", sessions, Worlds())
    finally:
        app.view_functions["core.audit_log"] = audit_log
    assert len(mismatches) == 6
    assert "as resident: expected 403 (logged in without the permission), got 200" in str(
        mismatches
    )


def test_anonymous_is_sent_to_log_in_with_a_message_and_the_way_back(client):
    response = client.get("/accounts/admin/census?lang=en")
    assert verdict(response) == LOGIN
    assert parse_qs(urlsplit(response.location).query)["next"] == ["/accounts/admin/census?lang=en"]
    page = client.get(response.location).get_data(as_text=True)
    assert "Please log in to continue." in page


def test_ids_beyond_the_column_range_are_not_found(client):
    assert client.get("/news/99999999999").status_code == 404
    assert client.get("/news/attachments/99999999999/x.pdf").status_code == 404


def test_cookies_are_http_only(client):
    user = make_user()
    response = log_in(client, user)
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_admins_read_the_audit_log_and_others_cannot(app, client):
    with app.test_request_context():
        _post("Published", publish=True)
        db.session.commit()
    log_in(client, make_user(Role.EDITOR))
    assert client.get("/admin/audit").status_code == 403
    client.post("/accounts/logout")
    log_in(client, make_user(Role.ADMIN))
    page = client.get("/admin/audit?action=news.publish&lang=en").get_data(as_text=True)
    assert "news.publish" in page
    assert "news.save" not in page


def app_with_test_routes(app) -> Flask:
    fresh = create_app(
        {
            "GHIA_ENV": "testing",
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        }
    )

    @fresh.get("/needs-confirmed")
    @require_confirmed
    def needs_confirmed():
        return "ok"

    @fresh.get("/api/v1/needs-account")
    @requires(signed_in)
    def api_needs_account():
        return {"ok": True}

    return fresh


def test_unconfirmed_accounts_are_refused_where_confirmation_is_required(app):
    client = app_with_test_routes(app).test_client()
    log_in(client, make_user(confirmed=False))
    refused = client.get("/needs-confirmed?lang=en")
    assert refused.status_code == 403
    assert "Please confirm your e-mail address first." in refused.get_data(as_text=True)
    client.post("/accounts/logout")
    log_in(client, make_user())
    assert client.get("/needs-confirmed").get_data(as_text=True) == "ok"


def test_an_api_answers_anonymous_with_401_json_not_a_redirect(app):
    client = app_with_test_routes(app).test_client()
    response = client.get("/api/v1/needs-account?lang=en")
    assert response.status_code == 401
    assert response.json == {"error": {"code": 401, "message": "Please log in to continue."}}
    log_in(client, make_user())
    assert client.get("/api/v1/needs-account").json == {"ok": True}
