"""Spending pages: the public publication with its charts, and the staff upload."""

from flask import render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from budgeting.permissions import can_publish_spending
from budgeting.spending import importer, queries
from budgeting.spending.forms import SpendingUploadForm
from budgeting.views import bp
from core.districts import all_districts
from core.errors import Refused
from core.permissions import requires

SHOWN_LINES = 200  # on the page; the CSV has them all


def _year_argument() -> int | None:
    raw = request.args.get("year", "").strip()
    if not raw:
        return None
    if not (raw.isdigit() and raw.isascii() and len(raw) == 4):
        raise Refused(_("Please choose a year from the list."), status=422, field="year")
    return int(raw)


def requested_filters() -> queries.Filters:
    return queries.checked_filters(
        _year_argument(),
        request.args.get("district", "").strip()[:64],
        request.args.get("category", "").strip()[:100],
    )


@bp.get("/spending")
def spending():
    filters = requested_filters()
    return render_template(
        "budgeting/spending.html",
        filters=filters,
        total=queries.total(filters),
        by_district=queries.by_district(filters),
        by_category=queries.by_category(filters),
        by_year=queries.by_year(filters),
        lines=queries.lines(filters, limit=SHOWN_LINES),
        count=queries.count(filters),
        shown=SHOWN_LINES,
        years=queries.years(),
        categories=queries.categories(),
        districts=all_districts(),
        city=queries.CITY,
    )


def _upload_page(form, result=None):
    page = render_template("budgeting/spending_upload.html", form=form, result=result)
    return page, 422 if form.errors or (result and result.refused) else 200


@bp.route("/admin/spending", methods=["GET", "POST"])
@requires(can_publish_spending)
def spending_upload():
    form = SpendingUploadForm()
    if not form.validate_on_submit():
        return _upload_page(form)
    try:
        text = _uploaded_text(form.file.data)
        result = importer.import_spending(text, current_user)
    except Refused as refusal:  # the whole file: said at the file field, the form shown again
        form.file.errors = [refusal.message]
        return _upload_page(form)
    return _upload_page(form, result)


def _uploaded_text(upload) -> str:
    try:
        return upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused(_("The file must be UTF-8 text."), status=422) from None
