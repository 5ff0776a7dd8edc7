from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp

from core.forms import Form

LANGUAGE_CHOICES = [("ka", "ქართული"), ("en", "English")]


def _password(label):
    return PasswordField(
        label,
        validators=[
            DataRequired(_l("Please enter a password.")),
            Length(min=10, max=200, message=_l("Use at least 10 characters.")),
        ],
    )


def _email():
    return EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(_l("Please enter your e-mail address.")),
            Email(_l("This does not look like an e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
    )


class SignupForm(Form):
    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Please enter your name.")), Length(max=120)]
    )
    email = _email()
    password = _password(_l("Password"))


class LoginForm(Form):
    email = _email()
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Please enter your password."))]
    )
    remember = BooleanField(_l("Keep me logged in"))


class ResetRequestForm(Form):
    email = _email()


class ResetPasswordForm(Form):
    password = _password(_l("New password"))
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("password", message=_l("The two passwords differ."))],
    )


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Please enter your password."))]
    )
    password = _password(_l("New password"))
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("password", message=_l("The two passwords differ."))],
    )


class ProfileForm(Form):
    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Please enter your name.")), Length(max=120)]
    )
    district = SelectField(_l("District where you live"), coerce=int)
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)


class ResidencyForm(Form):
    personal_number = StringField(
        _l("Personal number"),
        description=_l("The 11 digits on your ID card. We keep only a keyed fingerprint of it."),
        validators=[
            DataRequired(_l("Please enter your personal number.")),
            Regexp(r"^\s*\d{11}\s*$", message=_l("A personal number has 11 digits.")),
        ],
    )
    district = SelectField(_l("District of registration"), coerce=int)


class CensusUploadForm(Form):
    file = FileField(
        _l("Census list (CSV)"),
        description=_l("Columns: personal_number, district (the district's short name)."),
        validators=[
            FileRequired(_l("Please choose a CSV file.")),
            FileAllowed(["csv", "txt"], _l("Please choose a CSV file.")),
        ],
    )
