from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp

from core.forms import Form

LANGUAGE_CHOICES = [("ka", "ქართული"), ("en", "English")]
PASSWORD_MIN_LENGTH = 10

# `autocomplete` on every account field, so browsers and password managers fill them in
# (https://html.spec.whatwg.org/multipage/form-control-infrastructure.html#autofill).


def _autocomplete(token: str) -> dict:
    return {"autocomplete": token}


def _new_password(label):
    """A password being chosen: its rules are shown under the field before the first try."""
    return PasswordField(
        label,
        description=_l("At least %(num)s characters.", num=PASSWORD_MIN_LENGTH),
        validators=[
            DataRequired(_l("Please enter a password.")),
            Length(
                min=PASSWORD_MIN_LENGTH,
                max=200,
                message=_l("Use at least %(num)s characters.", num=PASSWORD_MIN_LENGTH),
            ),
        ],
        render_kw=_autocomplete("new-password"),
    )


def _repeat_password():
    return PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("password", message=_l("The two passwords differ."))],
        render_kw=_autocomplete("new-password"),
    )


def _current_password(label):
    return PasswordField(
        label,
        validators=[DataRequired(_l("Please enter your password."))],
        render_kw=_autocomplete("current-password"),
    )


def _email(autocomplete: str = "email"):
    return EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(_l("Please enter your e-mail address.")),
            Email(_l("This does not look like an e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
        render_kw=_autocomplete(autocomplete),
    )


def _name():
    return StringField(
        _l("Name"),
        validators=[DataRequired(_l("Please enter your name.")), Length(max=120)],
        render_kw=_autocomplete("name"),
    )


class SignupForm(Form):
    name = _name()
    email = _email()
    password = _new_password(_l("Password"))


class LoginForm(Form):
    # "username": password managers pair the saved address with the password by this token.
    email = _email("username")
    password = _current_password(_l("Password"))
    remember = BooleanField(_l("Keep me logged in"))


class ResetRequestForm(Form):
    email = _email("username")


class ResetPasswordForm(Form):
    password = _new_password(_l("New password"))
    confirm = _repeat_password()


class ChangePasswordForm(Form):
    current_password = _current_password(_l("Current password"))
    password = _new_password(_l("New password"))
    confirm = _repeat_password()


class ProfileForm(Form):
    name = _name()
    district = SelectField(
        _l("District where you live"), coerce=int, render_kw=_autocomplete("off")
    )
    locale = SelectField(
        _l("Language"), choices=LANGUAGE_CHOICES, render_kw=_autocomplete("language")
    )


class ResidencyForm(Form):
    # "off": a personal number is not something a browser should remember.
    personal_number = StringField(
        _l("Personal number"),
        description=_l("The 11 digits on your ID card. We keep only a keyed fingerprint of it."),
        validators=[
            DataRequired(_l("Please enter your personal number.")),
            Regexp(r"^\s*\d{11}\s*$", message=_l("A personal number has 11 digits.")),
        ],
        render_kw={"autocomplete": "off", "inputmode": "numeric"},
    )
    district = SelectField(
        _l("District of registration"), coerce=int, render_kw=_autocomplete("off")
    )


class CensusUploadForm(Form):
    file = FileField(
        _l("Census list (CSV)"),
        description=_l("Columns: personal_number, district (the district's short name)."),
        validators=[
            FileRequired(_l("Please choose a CSV file.")),
            FileAllowed(["csv", "txt"], _l("Please choose a CSV file.")),
        ],
    )
