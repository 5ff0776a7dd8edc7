"""Spending lines as open data: JSON pages and the CSV download (the import's own format)."""

import csv
import io

from flask import Response
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from budgeting.spending import queries
from budgeting.spending.importer import COLUMNS
from budgeting.spending.models import FIRST_YEAR, LAST_YEAR, SpendingLine
from core.inputs import csv_row
from core.openapi import LanguageQuery, page_field, plain_text

bp = Blueprint("spending_api", __name__, description="Planned and actual budget spending.")

PER_PAGE = 100
AMOUNT = {"description": "GEL, exact, as a decimal string"}


class SpendingQuery(LanguageQuery):
    year = fields.Integer(validate=validate.Range(FIRST_YEAR, LAST_YEAR))
    district = plain_text(
        64, metadata={"description": f"A district's slug, or `{queries.CITY}` for city-wide lines"}
    )
    category = plain_text(100, metadata={"description": "A category as published"})


class SpendingPageQuery(SpendingQuery):
    page = page_field()


class SpendingLineSchema(Schema):
    year = fields.Integer(required=True)
    district = fields.String(
        required=True,
        allow_none=True,
        attribute="district_slug",
        metadata={"description": "The district's slug; null for a city-wide line"},
    )
    category = fields.String(required=True)
    category_en = fields.String(required=True)
    planned = fields.String(required=True, metadata=AMOUNT)
    actual = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "GEL spent; null while not reported yet"},
    )
    description = fields.String(required=True)
    source = fields.String(required=True)


class SpendingPageSchema(Schema):
    count = fields.Integer(required=True, metadata={"description": "Lines matching the filters"})
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    planned = fields.String(required=True, metadata=AMOUNT)
    actual = fields.String(required=True, metadata=AMOUNT)
    lines = fields.List(fields.Nested(SpendingLineSchema), required=True)


def _filters(arguments: dict) -> queries.Filters:
    return queries.checked_filters(
        arguments.get("year"), arguments.get("district"), arguments.get("category")
    )


@bp.get("/api/v1/budget/spending")
@bp.arguments(SpendingPageQuery(), location="query")
@bp.response(200, SpendingPageSchema)
def spending(arguments: dict):
    """Spending lines matching the filters, newest year first, with their totals"""
    filters, page = _filters(arguments), arguments["page"]
    total = queries.total(filters)
    return {
        "count": queries.count(filters),
        "page": page,
        "per_page": PER_PAGE,
        "planned": total.planned,
        "actual": total.actual,
        "lines": queries.lines(filters, limit=PER_PAGE, offset=(page - 1) * PER_PAGE),
    }


def line_values(line: SpendingLine) -> list:
    return [
        line.year,
        line.district.slug if line.district else queries.CITY,
        line.category,
        line.planned,
        "" if line.actual is None else line.actual,
        line.category_en,
        line.description,
        line.source,
    ]


@bp.get("/api/v1/budget/spending.csv")
@bp.arguments(SpendingQuery(), location="query")
@bp.response(200, {"type": "string"}, content_type="text/csv", description="CSV, UTF-8")
def spending_csv(arguments: dict):
    """Every spending line matching the filters as CSV, in the columns the import reads"""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(csv_row(line_values(line)) for line in queries.lines(_filters(arguments)))
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="budget-spending.csv"'},
    )
