from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp, ValidationError

from accounts.services import password_problem
from core.forms import NoControlCharacters

LANGUAGE_CHOICES = [("ka", "ქართული"), ("en", "English")]
# Phones open the numeric keypad; the number is not worth remembering in a browser's store.
PERSONAL_NUMBER_INPUT = {
    "inputmode": "numeric",
    "pattern": "[0-9]{11}",
    "maxlength": "11",
    "autocomplete": "off",
}


def _not_common(form, field) -> None:
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def _password(label):
    return PasswordField(
        label,
        validators=[
            DataRequired(_l("Please enter a password.")),
            Length(max=200),
            _not_common,
        ],
    )


def _name():
    return StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Please enter your name.")),
            Length(max=120),
            NoControlCharacters(),
        ],
    )


def _personal_number():
    return StringField(
        _l("Personal number"),
        description=_l("The 11 digits on your ID card. We keep only a keyed fingerprint of it."),
        validators=[
            DataRequired(_l("Please enter your personal number.")),
            Regexp(r"^\s*\d{11}\s*$", message=_l("A personal number has 11 digits.")),
        ],
        render_kw=PERSONAL_NUMBER_INPUT,
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


class SignupForm(FlaskForm):
    name = _name()
    email = _email()
    password = _password(_l("Password"))
    accept_terms = BooleanField(
        _l("I accept the terms of use and have read the privacy notice."),
        validators=[DataRequired(_l("Please accept the terms to sign up."))],
    )


class LoginForm(FlaskForm):
    email = _email()
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Please enter your password."))]
    )
    remember = BooleanField(_l("Keep me logged in"))


class ResetRequestForm(FlaskForm):
    email = _email()


class ResetPasswordForm(FlaskForm):
    password = _password(_l("New password"))
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("password", message=_l("The two passwords differ."))],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Please enter your password."))]
    )
    password = _password(_l("New password"))
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[EqualTo("password", message=_l("The two passwords differ."))],
    )


class ProfileForm(FlaskForm):
    name = _name()
    district = SelectField(_l("District where you live"), coerce=int)
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)


class ResidencyForm(FlaskForm):
    personal_number = _personal_number()
    district = SelectField(_l("District of registration"), coerce=int)


class ResidencyReviewForm(ResidencyForm):
    note = TextAreaField(
        _l("What should staff know? (optional)"),
        validators=[Length(max=1000), NoControlCharacters(multiline=True)],
    )


class DeleteAccountForm(FlaskForm):
    current_password = PasswordField(
        _l("Your password"), validators=[DataRequired(_l("Please enter your password."))]
    )
    understood = BooleanField(
        _l("I understand that this cannot be undone."),
        validators=[DataRequired(_l("Please confirm that you want to delete the account."))],
    )


class CensusUploadForm(FlaskForm):
    file = FileField(
        _l("Census list (CSV)"),
        description=_l("Columns: personal_number, district (the district's short name)."),
        validators=[
            FileRequired(_l("Please choose a CSV file.")),
            FileAllowed(["csv", "txt"], _l("Please choose a CSV file.")),
        ],
    )
