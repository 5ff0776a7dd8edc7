"""Account pages. Sign-up, log-in and reset answer alike whether or not an address is known."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from accounts import services
from accounts.forms import (
    CensusUploadForm,
    ChangePasswordForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    ResetRequestForm,
    ResidencyForm,
    SignupForm,
)
from accounts.permissions import can_upload_census
from core.districts import all_districts
from core.errors import Refused
from core.extensions import limiter, post_only
from core.forms import form_page
from core.i18n import N_, current_language, flash_later
from core.permissions import requires, signed_in
from core.security import end_session, local_path, start_session

bp = Blueprint("accounts", __name__, url_prefix="/accounts")


def _safe_next(default: str) -> str:
    return local_path(request.args.get("next")) or default


def _district_choices(blank: str) -> list[tuple[int, str]]:
    return [(0, blank)] + [(d.id, d.name) for d in all_districts()]


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("10 per hour", exempt_when=post_only)
def signup():
    form = SignupForm()
    if form.validate_on_submit():
        services.sign_up(form.name.data, form.email.data, form.password.data, current_language())
        return render_template("accounts/check_mail.html", email=form.email.data)
    return form_page("accounts/signup.html", form)


@bp.get("/confirm/<token>")
def confirm(token):
    user = services.confirm_email(token)
    flash_later(
        N_("Thank you, %(name)s: your e-mail address is confirmed."), "success", name=user.name
    )
    return redirect(url_for("accounts.profile" if current_user.is_authenticated else ".login"))


@bp.post("/confirm/resend")
@requires(signed_in)
@limiter.limit("5 per hour")
def resend_confirmation():
    if not current_user.is_confirmed:
        services.send_confirmation(current_user)
    flash_later(N_("We have sent you a new confirmation link."), "success")
    return redirect(url_for(".profile"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per 15 minutes", exempt_when=post_only)
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
@limiter.limit("5 per hour", exempt_when=post_only)
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        return render_template("accounts/check_mail.html", email=form.email.data, reset=True)
    return form_page("accounts/reset_request.html", form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    services.user_for_reset(token)
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
    form = ProfileForm(obj=current_user, district=current_user.district_id or 0)
    form.district.choices = _district_choices(_("Not set"))
    if form.validate_on_submit():
        services.update_profile(
            current_user, form.name.data, form.district.data or None, form.locale.data
        )
        flash_later(N_("Your profile is saved."), "success")
        return redirect(url_for(".profile", lang=current_user.locale))
    return form_page("accounts/profile.html", form)


@bp.route("/password", methods=["GET", "POST"])
@requires(signed_in)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except Refused as error:
            form.current_password.errors.append(error.message)
            return form_page("accounts/password.html", form)
        start_session(current_user._get_current_object())  # this session goes on; others end
        flash_later(N_("Your new password is set. Other devices are logged out."), "success")
        return redirect(url_for(".profile"))
    return form_page("accounts/password.html", form)


@bp.route("/residency", methods=["GET", "POST"])
@requires(signed_in)
def residency():
    form = ResidencyForm(district=current_user.district_id or 0)
    form.district.choices = _district_choices(_("Choose your district"))
    if form.validate_on_submit():
        try:
            district = services.verify_residency(
                current_user, form.personal_number.data, form.district.data
            )
        except Refused as error:
            form.personal_number.errors.append(error.message)
            return render_template("accounts/residency.html", form=form), error.status
        flash_later(
            N_("You are verified as a resident of %(district)s."), "success", district=district.name
        )
        return redirect(url_for(".profile"))
    return form_page("accounts/residency.html", form)


@bp.route("/admin/census", methods=["GET", "POST"])
@requires(can_upload_census)
def census():
    form = CensusUploadForm()
    result = None
    if form.validate_on_submit():
        try:
            text = form.file.data.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Refused(_("The file must be UTF-8 text."), status=422) from None
        result = services.import_census(text, current_user)
    return form_page("accounts/census.html", form, result=result, size=services.census_size())
