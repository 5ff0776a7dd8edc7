"""The budget API: cycles, district ballots and their results as open data (no voter data)."""

from flask import abort
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from budgeting import queries, survey
from budgeting.models import Ballot, BallotKind, Cycle, Phase, QuestionKind, Rule
from budgeting.results import results
from core.db import db
from core.openapi import ID_RANGE, LanguageQuery, LayerProperties, geojson, layer_collection
from core.security import site_url

bp = Blueprint("budget_api", __name__, description="Budget cycles, district ballots, results.")

AMOUNT = {"description": "An exact amount in the ballot's currency, as a decimal string"}


class OptionSchema(Schema):
    code = fields.String(required=True, metadata={"description": "Project id in .pb files"})
    ref = fields.String(required=True, metadata={"description": "Reference for links"})
    name_ka = fields.String(required=True)
    name_en = fields.String(required=True)
    category = fields.String(required=True)
    cost = fields.String(required=True, allow_none=True, metadata=AMOUNT)


class QuestionChoiceSchema(Schema):
    id = fields.Integer(required=True)
    label_ka = fields.String(required=True)
    label_en = fields.String(required=True)


class QuestionSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in QuestionKind]))
    prompt_ka = fields.String(required=True)
    prompt_en = fields.String(required=True)
    required = fields.Boolean(required=True)
    min_choices = fields.Integer(required=True, metadata={"description": "Multiple choice"})
    max_choices = fields.Integer(required=True, allow_none=True)
    max_length = fields.Integer(
        required=True, allow_none=True, metadata={"description": "Free text: characters"}
    )
    choices = fields.List(fields.Nested(QuestionChoiceSchema), required=True)


class BallotSummarySchema(Schema):
    id = fields.Integer(required=True)
    ref = fields.String(required=True)
    title_ka = fields.String(required=True)
    title_en = fields.String(required=True)
    district = fields.String(required=True, allow_none=True, attribute="district.slug")
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in BallotKind]))
    rule = fields.String(required=True, validate=validate.OneOf([r.value for r in Rule]))
    budget = fields.String(required=True, metadata=AMOUNT)
    currency = fields.String(required=True)
    url = fields.Function(lambda b: site_url("budgeting.ballot", ballot_id=b.id), required=True)


class BallotSchema(BallotSummarySchema):
    max_choices = fields.Integer(required=True, allow_none=True)
    min_choices = fields.Integer(required=True)
    frozen = fields.Boolean(required=True)
    closed = fields.Boolean(required=True)
    tie_break = fields.List(fields.String(), required=True)
    options = fields.List(fields.Nested(OptionSchema), required=True)
    questions = fields.List(
        fields.Nested(QuestionSchema),
        required=True,
        metadata={"description": "Survey questions answered with the ballot, in order"},
    )


class CycleSchema(Schema):
    id = fields.Integer(required=True)
    title_ka = fields.String(required=True)
    title_en = fields.String(required=True)
    phase = fields.String(required=True, validate=validate.OneOf([p.value for p in Phase]))
    proposals_at = fields.AwareDateTime(required=True)
    review_at = fields.AwareDateTime(required=True)
    voting_at = fields.AwareDateTime(required=True)
    results_at = fields.AwareDateTime(required=True)
    ballots = fields.List(fields.Nested(BallotSummarySchema), required=True)


class ResultRowSchema(Schema):
    code = fields.String(required=True, attribute="option.code")
    name = fields.String(required=True, attribute="option.name")
    cost = fields.String(required=True, allow_none=True, attribute="option.cost", metadata=AMOUNT)
    support = fields.Function(
        lambda row: (
            str(row.support.numerator)
            if row.support.denominator == 1
            else f"{row.support.numerator}/{row.support.denominator}"
        ),
        required=True,
        metadata={"description": "Approvals, points or Borda score; a fraction when averaged"},
    )
    selected = fields.Boolean(required=True)
    amount = fields.String(required=True, allow_none=True, metadata=AMOUNT)
    reason = fields.String(required=True, metadata={"description": "Why it won or lost"})


class ResultsSchema(Schema):
    ballot = fields.Integer(required=True, attribute="ballot.id")
    rule = fields.String(required=True)
    funds_used = fields.String(required=True, metadata=AMOUNT)
    turnout = fields.Integer(required=True, metadata={"description": "Ballots cast"})
    eligible = fields.Integer(required=True, allow_none=True)
    rows = fields.List(fields.Nested(ResultRowSchema), required=True)
    ballots_pb = fields.Function(
        lambda r: site_url("budgeting.download", ballot_id=r.ballot.id), required=True
    )


def _public_ballot(ballot_id: int) -> Ballot:
    ballot = db.session.get(Ballot, ballot_id)
    if ballot is None or (ballot.cycle is not None and ballot.cycle.phase == Phase.DRAFT):
        abort(404)
    return ballot


@bp.get("/api/v1/budget/cycles")
@bp.arguments(LanguageQuery(), location="query", as_kwargs=True)
@bp.response(200, CycleSchema(many=True))
def cycles(lang: str | None = None):
    """Budget cycles past their draft, newest first, with their district ballots"""
    return db.session.scalars(
        select(Cycle).where(Cycle.phase != Phase.DRAFT).order_by(Cycle.voting_at.desc())
    ).all()


@bp.get(f"/api/v1/budget/ballots/<{ID_RANGE}:ballot_id>")
@bp.arguments(LanguageQuery(), location="query", as_kwargs=True)
@bp.response(200, BallotSchema)
def ballot(ballot_id: int, lang: str | None = None):
    """One district ballot with its options and limits"""
    return _public_ballot(ballot_id)


@bp.get(f"/api/v1/budget/ballots/<{ID_RANGE}:ballot_id>/results")
@bp.arguments(LanguageQuery(), location="query", as_kwargs=True)
@bp.response(200, ResultsSchema)
def ballot_results(ballot_id: int, lang: str | None = None):
    """A ballot's results once published: winners, support, turnout and reasons"""
    found = _public_ballot(ballot_id)
    if not (found.closed or (found.cycle and found.cycle.phase == Phase.RESULTS)):
        abort(404)
    return results(found)


class ChoiceCountSchema(Schema):
    id = fields.Integer(required=True, attribute="choice.id")
    label_ka = fields.String(required=True, attribute="choice.label_ka")
    label_en = fields.String(required=True, attribute="choice.label_en")
    ballots = fields.Integer(required=True, metadata={"description": "Ballots that chose it"})


class QuestionCountsSchema(Schema):
    id = fields.Integer(required=True, attribute="question.id")
    kind = fields.String(required=True, attribute="question.kind")
    prompt_ka = fields.String(required=True, attribute="question.prompt_ka")
    prompt_en = fields.String(required=True, attribute="question.prompt_en")
    answered = fields.Integer(required=True, metadata={"description": "Ballots that answered"})
    choices = fields.List(
        fields.Nested(ChoiceCountSchema),
        required=True,
        metadata={"description": "Per answer to choose from; empty for free text, whose "
                  "answers are not published"},
    )  # fmt: skip


@bp.get(f"/api/v1/budget/ballots/<{ID_RANGE}:ballot_id>/survey")
@bp.arguments(LanguageQuery(), location="query", as_kwargs=True)
@bp.response(200, QuestionCountsSchema(many=True))
def ballot_survey(ballot_id: int, lang: str | None = None):
    """Once results are published: per survey question, how many ballots chose each answer"""
    found = _public_ballot(ballot_id)
    if not survey.answers_public(found):
        abort(404)
    return survey.counts(found)


class ProjectLayerProperties(LayerProperties):
    cost = fields.String(required=True, metadata={"description": "Formatted in the language"})


@bp.get("/api/v1/budget/projects.geojson")
@bp.arguments(LanguageQuery(), location="query", as_kwargs=True)
@bp.response(
    200,
    layer_collection("ProjectLayer", ProjectLayerProperties),
    content_type="application/geo+json",
)
def projects_layer(lang: str | None = None):
    """Projects with a place on the map, of the budget cycles past their draft"""
    return geojson(queries.map_layer())
