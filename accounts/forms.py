from flask_babel import lazy_gettext as _l
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

from accounts.services import MIN_PASSWORD_LENGTH, password_problem
from core.forms import Form, NoControlCharacters

LANGUAGE_CHOICES = [("ka", "ქართული"), ("en", "English")]

# `autocomplete` on every account field, so browsers and password managers fill them in
# (https://html.spec.whatwg.org/multipage/form-control-infrastructure.html#autofill).

# Phones open the numeric keypad; the number is not worth remembering in a browser's store.
PERSONAL_NUMBER_INPUT = {
    "inputmode": "numeric",
    "pattern": "[0-9]{11}",
    "maxlength": "11",
    "autocomplete": "off",
}


def _autocomplete(token: str) -> dict:
    return {"autocomplete": token}


def _not_common(form, field) -> None:
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def _new_password(label):
    """A password being chosen: its rules are shown under the field before the first try."""
    return PasswordField(
        label,
        description=_l("At least %(num)s characters.", num=MIN_PASSWORD_LENGTH),
        validators=[DataRequired(_l("Please enter a password.")), Length(max=200), _not_common],
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
        validators=[
            DataRequired(_l("Please enter your name.")),
            Length(max=120),
            NoControlCharacters(),
        ],
        render_kw=_autocomplete("name"),
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


class SignupForm(Form):
    name = _name()
    email = _email()
    password = _new_password(_l("Password"))
    accept_terms = BooleanField(
        _l("I accept the terms of use and have read the privacy notice."),
        validators=[DataRequired(_l("Please accept the terms to sign up."))],
    )


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


def mail_field(name: str) -> str:
    return f"mail_{name}"


def profile_form_class(mail_choices) -> type[ProfileForm]:
    """The profile form with a box for each kind of mail the modules offer (core registry)."""
    boxes = {
        mail_field(choice.name): BooleanField(choice.label, description=choice.hint)
        for choice in mail_choices
    }
    return type("ProfileWithMailForm", (ProfileForm,), boxes)


class ResidencyForm(Form):
    personal_number = _personal_number()
    district = SelectField(
        _l("District of registration"), coerce=int, render_kw=_autocomplete("off")
    )


class ResidencyReviewForm(ResidencyForm):
    note = TextAreaField(
        _l("What should staff know? (optional)"),
        validators=[Length(max=1000), NoControlCharacters(multiline=True)],
    )


class DeleteAccountForm(Form):
    current_password = _current_password(_l("Your password"))
    understood = BooleanField(
        _l("I understand that this cannot be undone."),
        validators=[DataRequired(_l("Please confirm that you want to delete the account."))],
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
