from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.forms import Form, LocalDateField
from news.models import KIND_LABELS
from news.services import EDITABLE_KINDS

MARKDOWN_HINT = _l("Markdown: **bold**, *italic*, [link](https://…), lists with - or 1.")


class PostForm(Form):
    title_ka = StringField(
        _l("Title in Georgian"),
        validators=[DataRequired(_l("Please enter the Georgian title.")), Length(max=200)],
    )
    body_ka = TextAreaField(
        _l("Text in Georgian"),
        description=MARKDOWN_HINT,
        validators=[DataRequired(_l("Please enter the Georgian text."))],
    )
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200)])
    body_en = TextAreaField(_l("Text in English"), description=MARKDOWN_HINT)
    kind = SelectField(_l("Kind"), choices=[(k.value, KIND_LABELS[k]) for k in EDITABLE_KINDS])
    tags = StringField(_l("Tags"), description=_l("Separated by commas, e.g. ogp, training"))
    published_at = LocalDateField(
        _l("Date"),
        validators=[Optional()],
        description=_l("Leave empty to use the day of publishing."),
    )
    attachment = FileField(_l("Attach a PDF (agenda, minutes)"))
    # A signed token for a PDF chosen on an earlier try that failed (news.services.keep_pdf).
    kept_attachment = HiddenField()
    # On a published post the same two buttons read "Save as draft" (it goes offline) and
    # "Save and keep published"; the template chooses the labels.
    save = SubmitField(_l("Save draft"))
    publish = SubmitField(_l("Publish"))


class SearchForm(Form):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField(_l("Search"))
    kind = SelectField(
        _l("Kind"),
        choices=[("", _l("All kinds"))] + [(k.value, label) for k, label in KIND_LABELS.items()],
    )
    tag = StringField(_l("Tag"))
