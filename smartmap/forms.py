from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from core.forms import Form, NoControlCharacters
from smartmap.models import STATUS_LABELS, AttributeType

ANSWER_KINDS = {
    AttributeType.STRING: _l("Text"),
    AttributeType.NUMBER: _l("Number"),
    AttributeType.SINGLE: _l("One choice from a list"),
    AttributeType.MULTIPLE: _l("Several choices from a list"),
}


class ReportForm(Form):
    category = SelectField(_l("Category"), validators=[DataRequired()])
    description = TextAreaField(
        _l("What is the problem?"), validators=[DataRequired(), Length(max=2000)]
    )
    latitude = StringField(_l("Latitude"), validators=[DataRequired(), Length(max=40)])
    longitude = StringField(_l("Longitude"), validators=[DataRequired(), Length(max=40)])
    photos = MultipleFileField(_l("Photos (up to 3: JPEG, PNG or WebP)"))
    anonymous = BooleanField(_l("Do not show my name in public"))
    # Set once the resident has seen the nearby reports ("is it one of these?").
    checked = HiddenField()


class HeldReportForm(ReportForm):
    """The report form for someone not logged in: the report waits for their e-mail link."""

    email = EmailField(
        _l("Your e-mail address (not shown in public)"),
        validators=[
            DataRequired(_l("Please enter your e-mail address.")),
            Email(_l("This does not look like an e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
        render_kw={"autocomplete": "email"},
    )
    name = StringField(
        _l("Your name (optional)"),
        validators=[Optional(), NoControlCharacters(), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )


class StatusForm(Form):
    status = SelectField(
        _l("New status"), choices=[(s.value, label) for s, label in STATUS_LABELS.items()]
    )
    public_message = TextAreaField(_l("Public message"), validators=[Optional(), Length(max=2000)])
    internal_note = TextAreaField(
        _l("Internal note (staff only)"), validators=[Optional(), Length(max=2000)]
    )
    duplicate_of = StringField(
        _l("Original report number (for duplicates)"), validators=[Optional()]
    )


class ReopenForm(Form):
    message = TextAreaField(_l("What is still wrong?"), validators=[Optional(), Length(max=500)])


class CategoryForm(Form):
    code = StringField(
        _l("Service code"),
        description=_l(
            "Open311 clients know the category by it: small Latin letters, digits, hyphens. "
            "It cannot change once a report uses the category."
        ),
        validators=[DataRequired(), Length(max=40)],
    )
    name_ka = StringField(_l("Name in Georgian"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=120)])
    department = StringField(_l("Responsible department"), validators=[Length(max=200)])
    target_days = IntegerField(
        _l("Target: fixed within this many days"),
        default=14,
        validators=[InputRequired(), NumberRange(min=1, max=365)],
    )
    active = BooleanField(
        _l("Active (offered on the report form)"),
        default=True,
        description=_l(
            "An inactive category keeps its reports; nobody can choose it for new ones."
        ),
    )


class QuestionForm(Form):
    """A category's question (an Open311 service definition attribute)."""

    code = StringField(
        _l("Code"),
        description=_l(
            "Open311 clients send the answer as attribute[code]: small Latin letters, digits,"
            " hyphens. It cannot change once a report uses the category."
        ),
        validators=[DataRequired(), Length(max=40)],
    )
    datatype = SelectField(
        _l("Kind of answer"), choices=[(kind.value, label) for kind, label in ANSWER_KINDS.items()]
    )
    description_ka = StringField(
        _l("The question in Georgian"), validators=[DataRequired(), Length(max=300)]
    )
    description_en = StringField(
        _l("The question in English"), validators=[DataRequired(), Length(max=300)]
    )
    choices = TextAreaField(
        _l("Choices (for answers from a list)"),
        description=_l("One a line: key | name in Georgian | name in English"),
        validators=[Length(max=8000)],
    )
    required = BooleanField(_l("An answer is required"))
    active = BooleanField(
        _l("Active (asked on the report form)"),
        default=True,
        description=_l("An inactive question is no longer asked; the answers given stay."),
    )
