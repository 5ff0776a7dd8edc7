"""The JSON API: what it answers, how it refuses, and that it does what its document says."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis import GenerationMode

from core.db import db
from news import services
from tests.factories import make_post

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


BUDGET = {GenerationMode.POSITIVE: 30, GenerationMode.NEGATIVE: 15}  # requests per operation


@pytest.fixture
def _posts_to_find(app):
    """A published post with a PDF and a draft, so answers have content to check."""
    post = make_post(app)
    with app.test_request_context():
        services.attach_pdf(post, "agenda.pdf", PDF, None)
        db.session.commit()
    make_post(app, publish=False, title_en="Secret draft")


def check_operation(operation, mode: GenerationMode) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=BUDGET[mode],
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def answers_as_documented(case):
        case.call_and_validate()

    answers_as_documented()


@pytest.mark.usefixtures("_posts_to_find")
def test_every_operation_answers_as_its_document_says(app):
    """Schemathesis generates valid and invalid requests from /api/v1/openapi.json: no 5xx,
    invalid ones are refused, and every answer (errors included) matches its documented status,
    media type and schema. The budget is bounded (BUDGET requests per operation and mode)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        check_operation(operation, GenerationMode.POSITIVE)
        if operation.query or operation.path_parameters:  # something to get wrong
            check_operation(operation, GenerationMode.NEGATIVE)
    assert len(operations) >= 5


def test_the_document_is_valid_openapi_and_lists_each_module_s_operations(client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    assert {
        "/api/v1/districts.geojson",
        "/healthz",
        "/api/v1/news",
        "/api/v1/news/{post_id}",
        "/news/feed.atom",
    } <= set(document["paths"])
    assert document["components"]["schemas"]["Error"]["required"] == ["error"]


def test_news_list_shows_published_posts_only(app, client):
    make_post(app, title_en="Open budget training")
    make_post(app, publish=False, title_en="Secret draft")
    answer = client.get("/api/v1/news").get_json()
    assert [item["title_en"] for item in answer["items"]] == ["Open budget training"]
    assert (answer["total"], answer["page"], answer["pages"]) == (1, 1, 1)
    assert answer["items"][0]["url"].endswith(f"/news/{answer['items'][0]['id']}")


def test_news_list_filters_by_kind(app, client):
    make_post(app, kind="meeting", title_en="Council meeting")
    make_post(app, kind="training")
    answer = client.get("/api/v1/news?kind=meeting").get_json()
    assert [item["title_en"] for item in answer["items"]] == ["Council meeting"]


def test_a_draft_is_not_found_through_the_api(app, client):
    draft = make_post(app, publish=False)
    answer = client.get(f"/api/v1/news/{draft.id}")
    assert answer.status_code == 404
    assert answer.get_json()["error"]["code"] == 404


def test_validation_errors_are_json_in_the_user_s_language(client):
    english = client.get("/api/v1/news?page=0&kind=gossip&lang=en")
    assert english.status_code == 422
    error = english.get_json()["error"]
    assert error["code"] == 422
    assert error["message"] == "Some values in the request are not valid."
    assert set(error["fields"]) == {"page", "kind"}
    georgian = client.get("/api/v1/news?page=0&lang=ka").get_json()["error"]
    assert georgian["message"] != error["message"]
    assert set(georgian["fields"]) == {"page"}


def test_an_invalid_feed_filter_is_refused_in_json(client):
    answer = client.get("/news/feed.atom?kind=gossip")
    assert answer.status_code == 422
    assert set(answer.get_json()["error"]["fields"]) == {"kind"}


def test_a_wrong_method_says_which_ones_are_allowed(client):
    answer = client.delete("/api/v1/news")
    assert answer.status_code == 405
    assert "GET" in answer.headers["Allow"]
    assert answer.get_json()["error"]["code"] == 405
