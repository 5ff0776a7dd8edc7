"""Smart map pages: the map, reporting, report detail, the public list, the triage desk."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core import links
from core.db import db
from core.districts import all_districts, district_places
from core.errors import Refused
from core.extensions import limiter, post_only
from core.forms import form_page
from core.i18n import N_, current_language, flash_later
from core.inputs import is_id, page_number
from core.models import User
from core.permissions import authorize, requires
from core.security import account_key, typed_email_key
from core.storage import storage
from smartmap import attributes, held, queries, services
from smartmap.forms import HeldReportForm, ReopenForm, ReportForm, StatusForm
from smartmap.models import STATUS_LABELS, Photo, Report, ReportStatus
from smartmap.permissions import (
    NOT_FIXED_REFUSAL,
    can_follow,
    can_open_report_form,
    can_reopen,
    can_triage,
    can_use_triage_desk,
)

bp = Blueprint("smartmap", __name__, url_prefix="/map")
MAX_AGE_DAYS = 3650
REPORT_LIMIT = "20 per hour"  # per account (per address when not logged in)
HELD_EMAIL_LIMIT = "5 per hour"  # reports sent by a visitor with one e-mail address
HELD_THANKS = N_(
    "Thank you. Please open the link we have sent to your e-mail address: "
    "your report is published once you confirm it."
)


@bp.get("/")
def index():
    config = current_app.config
    return render_template(
        "smartmap/index.html",
        districts=district_places(),
        tile_url=config["TILE_URL"],
        tile_attribution=config["TILE_ATTRIBUTION"],
    )


def _int_arg(name: str, maximum: int = 2**31 - 1) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and 0 < int(value) <= maximum else None


def _filters() -> queries.Filters:
    return queries.Filters(
        status=request.args.get("status") or None,
        category=request.args.get("category") or None,
        district=request.args.get("district") or None,
        assignee=_int_arg("assignee"),
        older_than_days=_int_arg("older_than", MAX_AGE_DAYS),
    )


def _filter_choices() -> dict:
    return {
        "statuses": STATUS_LABELS,
        "categories": services.active_categories(),
        "districts": sorted(all_districts(), key=lambda d: d.name),
    }


@bp.get("/reports")
def reports():
    filters = _filters()
    page = queries.public_page(page_number(), filters)
    return render_template("smartmap/list.html", page=page, filters=filters, **_filter_choices())


def _report_form() -> ReportForm:
    form = ReportForm() if current_user.is_authenticated else HeldReportForm()
    form.category.choices = [("", _("Choose…"))] + [
        (c.code, c.name) for c in services.active_categories()
    ]
    return form


def _question_sets() -> list:
    """Each active category that has questions, with them as its service definition says."""
    return [(c, attributes.definition(c)) for c in services.active_categories() if c.questions]


def _form_page(form: ReportForm, suggestions=(), status: int | None = None, question_error=None):
    context = {
        "suggestions": suggestions,
        "question_sets": _question_sets(),
        "question_error": question_error,
        "sent": request.form,
        "geocoder_url": current_app.config["GEOCODER_URL"],
        "tile_url": current_app.config["TILE_URL"],
        "tile_attribution": current_app.config["TILE_ATTRIBUTION"],
    }
    if status:
        return render_template("smartmap/report_form.html", form=form, **context), status
    return form_page("smartmap/report_form.html", form, **context)


def _photo_contents(form: ReportForm) -> list[bytes]:
    return [upload.read() for upload in (form.photos.data or []) if upload and upload.filename]


def _accepted(response) -> bool:
    """Only a report sent on (a redirect) counts against the limits: a mistake corrected, or
    the "is it one of these?" step, is no reason to lock someone out for an hour."""
    return response.status_code == 302


def _logged_in_or_get() -> bool:
    return request.method != "POST" or current_user.is_authenticated


@bp.route("/report", methods=["GET", "POST"])
@requires(can_open_report_form, refusal=_l("Please confirm your e-mail address first."))
@limiter.limit(REPORT_LIMIT, key_func=account_key, exempt_when=post_only, deduct_when=_accepted)
@limiter.limit(
    HELD_EMAIL_LIMIT, key_func=typed_email_key, exempt_when=_logged_in_or_get, deduct_when=_accepted
)
def new_report():
    form = _report_form()
    if not form.validate_on_submit():
        return _form_page(form)
    data = services.ReportInput(
        form.category.data,
        form.description.data,
        form.latitude.data,
        form.longitude.data,
        form.anonymous.data,
        attributes.sent_answers(request.form, f"{form.category.data}:"),
    )
    try:
        if not form.checked.data:
            nearby = services.nearby_open_reports(data.category_code, data.latitude, data.longitude)
            if nearby:
                form.checked.data = "1"
                return _form_page(form, suggestions=nearby)
        return _send(form, data)
    except Refused as error:  # the unit of work rolls back whatever was flushed
        return _refused(form, error)


def _refused(form: ReportForm, error: Refused):
    """The message at the field it concerns (a category's question, or one of the form's)."""
    if (error.field or "").startswith("question:"):
        key = f"{form.category.data}:{error.field.removeprefix('question:')}"
        problem = {"key": key, "message": error.message}
        return _form_page(form, status=error.status, question_error=problem)
    getattr(form, error.field or "description", form.description).errors.append(error.message)
    return _form_page(form, status=error.status)


def _send(form: ReportForm, data: services.ReportInput):
    """Publish a logged-in resident's report; hold a visitor's until the e-mail link."""
    if not current_user.is_authenticated:
        contents = _photo_contents(form)
        held.hold_report(data, form.email.data, form.name.data, contents, current_language())
        flash_later(HELD_THANKS, "success")
        return redirect(url_for(".index"))
    report = services.create_report(data, current_user)
    services.add_photos(report, _photo_contents(form), current_user)
    flash_later(N_("Thank you: your report is in the district's queue."), "success")
    return redirect(url_for(".detail", report_id=report.id))


@bp.get("/held/<token>")
def held_report(token):
    """Shows a button: a mail scanner that opens the link publishes nothing."""
    waiting = held.held_for_token(token)
    if waiting.report_id is not None:
        return redirect(url_for(".detail", report_id=waiting.report_id))
    return render_template("smartmap/held.html", held=waiting, token=token)


@bp.post("/held/<token>")
@limiter.limit("10 per hour", key_func=lambda: "held:" + request.view_args["token"])
def publish_held(token):
    report = held.publish(held.held_for_token(token))
    flash_later(N_("Thank you: your report is published and in the district's queue."), "success")
    return redirect(url_for(".detail", report_id=report.id))


@bp.get("/unfollow/<token>")
def email_unfollow(token):
    """From an update mail to a sender without an account; a button, so a mail scanner that
    opens the link stops nothing."""
    report_id, _sender = held.email_follower_for(token)
    return render_template("smartmap/email_unfollow.html", report_id=report_id, token=token)


@bp.post("/unfollow/<token>")
def stop_email_updates(token):
    report_id = held.stop_mail(token)
    flash_later(N_("You will get no more e-mail about this report; your address is deleted."))
    return redirect(url_for(".detail", report_id=report_id))


def _report_or_404(report_id: int) -> Report:
    report = queries.detail(report_id) if is_id(report_id) else None
    if report is None:
        abort(404)
    return report


@bp.get("/reports/<int:report_id>")
def detail(report_id):
    report = _report_or_404(report_id)
    lon, lat = queries.lon_lat(report)
    status_form = StatusForm(formdata=None, status=report.status)
    return render_template(
        "smartmap/detail.html",
        report=report,
        lon=lon,
        lat=lat,
        following=services.is_following(report, current_user),
        status_form=status_form,
        reopen_form=ReopenForm(formdata=None),
        colleagues=queries.colleagues(report) if can_triage(current_user, report) else [],
        related=links.related(report.ref, current_user),
    )


@bp.get("/photos/<int:photo_id>/<size>.jpg")
def photo(photo_id, size):
    photo = db.session.get(Photo, photo_id)
    if photo is None or not photo.processed or size not in ("full", "thumbnail"):
        abort(404)
    key = photo.thumbnail_key if size == "thumbnail" else photo.storage_key
    return storage().serve(key, f"report-{photo.report_id}-{photo.id}.jpg", "image/jpeg")


@bp.post("/reports/<int:report_id>/follow")
@requires(can_follow, Report, "report_id")
def follow(report):
    services.follow(report, current_user)
    flash_later(N_("You follow this report: we will write to you when it changes."), "success")
    return redirect(url_for(".detail", report_id=report.id))


@bp.post("/reports/<int:report_id>/unfollow")
@requires(can_follow, Report, "report_id")
def unfollow(report):
    services.unfollow(report, current_user)
    flash_later(N_("You no longer follow this report."), "success")
    return redirect(url_for(".detail", report_id=report.id))


@bp.post("/reports/<int:report_id>/reopen")
@requires(can_reopen, Report, "report_id", refusal=NOT_FIXED_REFUSAL)
def reopen(report):
    form = ReopenForm()
    if not form.validate():
        raise Refused(_("The message is too long."), 422)
    services.reopen(report, current_user, form.message.data or "")
    flash_later(N_("The report is open again and back in the district's queue."), "success")
    return redirect(url_for(".detail", report_id=report.id))


def _original(form_value: str | None) -> Report | None:
    value = (form_value or "").strip().lstrip("#")
    return db.session.get(Report, int(value)) if value.isdigit() and is_id(int(value)) else None


@bp.post("/reports/<int:report_id>/status")
@requires(can_triage, Report, "report_id")
def change_status(report):
    form = StatusForm()
    if not form.validate():
        raise Refused(_("Please check the status, the message and the note."), 422)
    original = _original(form.duplicate_of.data)
    if form.status.data == ReportStatus.DUPLICATE and original is not None:
        services.merge_duplicate(report, original, current_user, form.public_message.data)
    else:
        services.change_status(
            report,
            current_user,
            form.status.data,
            form.public_message.data,
            form.internal_note.data,
            duplicate_of=original,
        )
    flash_later(N_("The status is changed."), "success")
    return redirect(url_for(".detail", report_id=report.id))


@bp.post("/reports/<int:report_id>/assign")
@requires(can_triage, Report, "report_id")
def assign(report):
    value = request.form.get("assignee", "")
    assignee = db.session.get(User, int(value)) if value.isdigit() and is_id(int(value)) else None
    if value and assignee is None:
        raise Refused(_("Please choose a colleague from the list."), 422)
    services.assign(report, current_user, assignee)
    flash_later(N_("The report is assigned."), "success")
    return redirect(url_for(".detail", report_id=report.id))


@bp.get("/triage")
@requires(can_use_triage_desk)
def triage():
    filters = _filters()
    page, overdue = queries.queue_page(current_user, page_number(), filters)
    return render_template(
        "smartmap/triage.html",
        page=page,
        overdue=overdue,
        filters=filters,
        status_form=StatusForm(formdata=None),
        **_filter_choices(),
    )


@bp.post("/triage/bulk")
@requires(can_use_triage_desk)
def bulk():
    """One status change for the chosen reports; only those the user may triage are touched."""
    form = StatusForm()
    ids = [int(v) for v in request.form.getlist("report") if v.isdigit() and is_id(int(v))][:100]
    if not form.validate() or not ids:
        raise Refused(_("Please choose reports and a status."), 422)
    reports = queries.scoped_reports(current_user, ids)
    for report in reports:
        authorize(can_triage, report)
        services.change_status(
            report,
            current_user,
            form.status.data,
            form.public_message.data,
            form.internal_note.data,
        )
    flash_later(N_("%(num)s reports changed."), "success", num=len(reports))
    return redirect(url_for(".triage"))


@bp.get("/statistics")
def statistics():
    return render_template("smartmap/statistics.html", rows=queries.district_statistics())
