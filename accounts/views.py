"""Account pages. Sign-up, log-in and reset answer alike whether or not an address is known.

Rate limits: generous per address (one address can be a whole kiosk or campus), tight per
typed e-mail address or per account.
"""

import json

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from accounts import census as census_list
from accounts import datarights, services
from accounts import residency as residency_rules
from accounts.forms import (
    CensusUploadForm,
    ChangePasswordForm,
    DeleteAccountForm,
    LoginForm,
    ResetPasswordForm,
    ResetRequestForm,
    ResidencyForm,
    ResidencyReviewForm,
    SignupForm,
    mail_field,
    profile_form_class,
)
from accounts.models import ResidencyReview
from accounts.permissions import can_review_residency, can_upload_census
from core.districts import all_districts
from core.errors import Refused
from core.extensions import limiter, post_only
from core.forms import form_page, prefilled
from core.i18n import N_, current_language, flash_later
from core.permissions import requires, signed_in
from core.registry import current_registry
from core.security import account_key, end_session, local_path, start_session, typed_email_key
from core.transactions import keep_despite_refusal

bp = Blueprint("accounts", __name__, url_prefix="/accounts")

ADDRESS_LIMIT = "50 per hour"
ACCOUNT_LIMIT = "5 per 15 minutes"


def _safe_next(default: str) -> str:
    return local_path(request.args.get("next")) or default


def _district_choices(blank: str) -> list[tuple[int, str]]:
    return [(0, blank)] + [(d.id, d.name) for d in all_districts()]


def refused_on(form, error: Refused, template: str, **context):
    """Show a service's refusal on the field it names, with the form as typed."""
    target = getattr(form, error.field or "", None) or next(iter(form))
    target.errors = [*target.errors, error.message]
    return render_template(template, form=form, **context), error.status


def link_problem(kind: str, error: Refused):
    """An expired or broken mailed link: what happened and where to get a new one."""
    return render_template("accounts/link_problem.html", kind=kind, message=error.message), (
        error.status
    )


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(ADDRESS_LIMIT, exempt_when=post_only)
@limiter.limit("5 per hour", key_func=typed_email_key, exempt_when=post_only)
def signup():
    form = SignupForm()
    if form.validate_on_submit():
        try:
            services.sign_up(
                form.name.data,
                form.email.data,
                form.password.data,
                current_language(),
                form.accept_terms.data,
            )
        except Refused as error:
            return refused_on(form, error, "accounts/signup.html")
        return render_template("accounts/check_mail.html", email=form.email.data)
    return form_page("accounts/signup.html", form)


@bp.get("/confirm/<token>")
def confirm(token):
    """Shows a button: a mail scanner that opens the link confirms nothing."""
    try:
        user = services.user_for_confirmation(token)
    except Refused as error:
        return link_problem("confirm", error)
    return _confirm_page(user)


def _confirm_page(user, error: str | None = None):
    needs_password = services.needs_password_to_confirm(user, current_user)
    page = render_template(
        "accounts/confirm.html", user=user, needs_password=needs_password, error=error
    )
    return page, 422 if error else 200


@bp.post("/confirm/<token>")
@limiter.limit(ACCOUNT_LIMIT, key_func=lambda: "confirm:" + request.view_args["token"])
def confirm_post(token):
    try:
        user = services.confirm_email(token, current_user, request.form.get("password"))
    except Refused as error:
        if error.field != "password":
            return link_problem("confirm", error)
        return _confirm_page(services.user_for_confirmation(token), error.message)
    flash_later(
        N_("Thank you, %(name)s: your e-mail address is confirmed."), "success", name=user.name
    )
    return redirect(url_for("accounts.profile" if current_user.is_authenticated else ".login"))


@bp.post("/confirm/resend")
@requires(signed_in)
@limiter.limit(ADDRESS_LIMIT)
@limiter.limit("5 per hour", key_func=account_key)
def resend_confirmation():
    if not current_user.is_confirmed:
        services.send_confirmation(current_user)
    flash_later(N_("We have sent you a new confirmation link."), "success")
    return redirect(_safe_next(url_for(".profile")))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("100 per 15 minutes", exempt_when=post_only)
@limiter.limit("10 per 15 minutes", key_func=typed_email_key, exempt_when=post_only)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user:
            start_session(user, remember=form.remember.data)
            return redirect(_safe_next(url_for("core.home")))
        form.password.errors.append(_("The e-mail address or the password is not right."))
    return form_page("accounts/login.html", form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        services.log_out(current_user)
    end_session()
    flash_later(N_("You are logged out on every device."), "success")
    return redirect(url_for("core.home"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(ADDRESS_LIMIT, exempt_when=post_only)
@limiter.limit("5 per hour", key_func=typed_email_key, exempt_when=post_only)
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        return render_template("accounts/check_mail.html", email=form.email.data, reset=True)
    return form_page("accounts/reset_request.html", form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    try:
        services.user_for_reset(token)
    except Refused as error:
        return link_problem("reset", error)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user = services.reset_password(token, form.password.data)
        start_session(user)
        flash_later(N_("Your new password is set."), "success")
        return redirect(url_for(".profile"))
    return form_page("accounts/reset_password.html", form)


@bp.route("/profile", methods=["GET", "POST"])
@requires(signed_in)
def profile():
    wishes = services.mail_wishes(current_user)
    # The form's `district` is the user's district_id; `obj` alone would not select it.
    form = prefilled(
        profile_form_class(current_registry().mail_choices()),
        current_user,
        district=current_user.district_id or 0,
        **{mail_field(name): wanted for name, wanted in wishes.items()},
    )
    form.district.choices = _district_choices(_("Not set"))
    if form.validate_on_submit():
        try:
            services.update_profile(
                current_user, form.name.data, form.district.data or None, form.locale.data
            )
        except Refused as error:
            return refused_on(form, error, "accounts/profile.html")
        services.choose_mail(current_user, {name: form[mail_field(name)].data for name in wishes})
        flash_later(N_("Your profile is saved."), "success")
        return redirect(url_for(".profile", lang=current_user.locale))
    return form_page("accounts/profile.html", form)


@bp.route("/password", methods=["GET", "POST"])
@requires(signed_in)
@limiter.limit(ADDRESS_LIMIT, exempt_when=post_only)
@limiter.limit(ACCOUNT_LIMIT, key_func=account_key, exempt_when=post_only)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except Refused as error:
            return refused_on(form, error, "accounts/password.html")
        start_session(current_user._get_current_object())  # this session goes on; others end
        flash_later(N_("Your new password is set. Other devices are logged out."), "success")
        return redirect(url_for(".profile"))
    return form_page("accounts/password.html", form)


def _census_page(form, result=None):
    page = render_template(
        "accounts/census.html", form=form, result=result, size=census_list.census_size()
    )
    return page, 422 if form.errors or (result and result.refused) else 200


@bp.route("/admin/census", methods=["GET", "POST"])
@requires(can_upload_census)
def census():
    form = CensusUploadForm()
    if not form.validate_on_submit():
        return _census_page(form)
    try:
        text = form.file.data.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused(_("The file must be UTF-8 text."), status=422) from None
    return _census_page(form, census_list.import_census(text, current_user))


def residency_form(form_class=ResidencyForm):
    form = form_class(district=current_user.district_id or 0)
    form.district.choices = _district_choices(_("Choose your district"))
    return form


def personal_number_key() -> str:
    number = (request.form.get("personal_number") or "").strip()
    return "number:" + residency_rules.personal_number_hmac(number) if number else account_key()


@bp.route("/residency", methods=["GET", "POST"])
@requires(signed_in)
@limiter.limit("30 per hour", exempt_when=post_only)
@limiter.limit("5 per hour;10 per day", key_func=account_key, exempt_when=post_only)
@limiter.limit("10 per day", key_func=personal_number_key, exempt_when=post_only)
def residency():
    form = residency_form()
    if form.validate_on_submit():
        try:
            district = residency_rules.verify_residency(
                current_user, form.personal_number.data, form.district.data
            )
        except Refused as error:
            keep_despite_refusal()  # the audit entry of the refused attempt stays
            failed = error.reason == residency_rules.NOT_CONFIRMED  # offer a review
            return refused_on(form, error, "accounts/residency.html", failed=failed)
        flash_later(
            N_("Your place of registration is confirmed: %(district)s."),
            "success",
            district=district.name,
        )
        return redirect(url_for(".profile"))
    return form_page("accounts/residency.html", form)


@bp.route("/residency/review", methods=["GET", "POST"])
@requires(signed_in)
@limiter.limit("3 per day", key_func=account_key, exempt_when=post_only)
def residency_review():
    form = residency_form(ResidencyReviewForm)
    if form.validate_on_submit():
        try:
            residency_rules.request_review(
                current_user, form.personal_number.data, form.district.data, form.note.data
            )
        except Refused as error:
            return refused_on(form, error, "accounts/residency_review.html")
        flash_later(N_("Your request is sent. Staff will check it and write to you."), "success")
        return redirect(url_for(".profile"))
    return form_page("accounts/residency_review.html", form)


@bp.get("/admin/residency-reviews")
@requires(can_review_residency)
def residency_reviews():
    cases = residency_rules.pending_reviews()
    return render_template("accounts/residency_reviews.html", cases=cases)


@bp.post("/admin/residency-reviews/<int:review_id>")
@requires(can_review_residency, ResidencyReview, "review_id")
def resolve_residency_review(review):
    decision = request.form.get("decision")
    if decision not in ("release", "refuse"):
        abort(400)
    residency_rules.resolve_review(review, decision == "release", current_user)
    if decision == "release":
        flash_later(N_("The place of registration is confirmed for the requester."), "success")
    else:
        flash_later(N_("The request is refused."), "success")
    return redirect(url_for(".residency_reviews"))


@bp.get("/data")
@requires(signed_in)
@limiter.limit("10 per hour", key_func=account_key)
def download_data():
    body = json.dumps(datarights.export(current_user), ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="ghia-my-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/delete", methods=["GET", "POST"])
@requires(signed_in)
@limiter.limit(ADDRESS_LIMIT, exempt_when=post_only)
@limiter.limit(ACCOUNT_LIMIT, key_func=account_key, exempt_when=post_only)
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            datarights.delete_account(current_user, form.current_password.data)
        except Refused as error:
            return refused_on(form, error, "accounts/delete.html")
        end_session()
        flash_later(N_("Your account is deleted."), "success")
        return redirect(url_for("core.home"))
    return form_page("accounts/delete.html", form)


legal_bp = Blueprint("legal", __name__)


@legal_bp.get("/privacy")
def privacy():
    return render_template("accounts/privacy.html", version=services.terms_date())


@legal_bp.get("/terms")
def terms():
    return render_template("accounts/terms.html", version=services.terms_date())
