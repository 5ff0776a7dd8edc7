from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from core.forms import Form, LocalDateTimeField
from petitions.models import DETAILS_MAX, SUMMARY_MAX, TITLE_MAX, TOPIC_LABELS

LANGUAGES = [("ka", _l("Georgian")), ("en", _l("English"))]


class PetitionForm(Form):
    title = StringField(
        _l("Title"),
        description=_l("What should the Mayor do? At most 80 characters."),
        validators=[DataRequired(_l("Please enter a title.")), Length(max=TITLE_MAX)],
    )
    summary = TextAreaField(
        _l("Summary"),
        description=_l("At most 300 characters."),
        validators=[DataRequired(_l("Please enter a summary.")), Length(max=SUMMARY_MAX)],
    )
    details = TextAreaField(
        _l("Details"),
        description=_l("Optional, at most 2,000 characters."),
        validators=[Optional(), Length(max=DETAILS_MAX)],
    )
    topic = SelectField(_l("Topic"), choices=[(k.value, v) for k, v in TOPIC_LABELS.items()])
    language = SelectField(_l("Language of the text"), choices=LANGUAGES)
    check = SubmitField(_l("Look for similar petitions"))
    save = SubmitField(_l("Save draft"))


class SignForm(Form):
    show_name = BooleanField(_l("Show my name on the petition's page"))
    notify = BooleanField(_l("Tell me by e-mail about its progress and the response"))
    sign = SubmitField(_l("Sign"))


class RejectForm(Form):
    reason = SelectField(_l("Reason"), validators=[DataRequired()])
    explanation = TextAreaField(
        _l("Explanation for the author (public)"),
        validators=[DataRequired(_l("Please explain the decision.")), Length(max=2000)],
    )


class ResponseForm(Form):
    response = TextAreaField(
        _l("Official response"),
        validators=[DataRequired(_l("Please write the response.")), Length(max=10_000)],
    )


class SearchForm(Form):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])


class InvalidateForm(Form):
    domain = StringField(
        _l("E-mail domain"),
        description=_l("For example @spam.example; its subdomains are included."),
        validators=[Optional(), Length(max=254)],
    )
    since = LocalDateTimeField(_l("Signed from (local time)"), validators=[Optional()])
    until = LocalDateTimeField(_l("Signed before (local time)"), validators=[Optional()])
    reason = TextAreaField(
        _l("Reason (shown publicly on the petition's page)"),
        validators=[Optional(), Length(max=500)],
    )
    preview = SubmitField(_l("Count the matching signatures"))
    confirm = SubmitField(_l("Remove the matching signatures"))
