"""Shared form helpers."""

import re

from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

# C0 and C1 control characters and DEL; multi-line fields may keep tab and line breaks.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control_characters(text: str, multiline: bool = False) -> bool:
    return bool((CONTROL_BUT_LINES if multiline else CONTROL).search(text or ""))


class NoControlCharacters:
    """Refuses NUL, line breaks (unless `multiline`) and other control characters."""

    def __init__(self, multiline: bool = False, message=None):
        self.multiline = multiline
        self.message = message or (
            _l("Please remove the control characters.")
            if multiline
            else _l("Please use one line without control characters.")
        )

    def __call__(self, form, field) -> None:
        if has_control_characters(field.data or "", self.multiline):
            raise ValidationError(self.message)


def form_page(template: str, form: FlaskForm, **context):
    """Render a form page; a form with errors answers 422 and keeps what the user typed."""
    return render_template(template, form=form, **context), 422 if form.errors else 200


def prefilled(form_class: type[FlaskForm], obj, **values) -> FlaskForm:
    """A form showing `obj`, where `values` win for the fields they name.

    WTForms prefers an attribute of `obj` over a keyword value of the same name, so a field
    named like a relationship or a differently stored column (a district, a list of tags, a
    UTC time shown as a local day) would show the wrong value and the next save would
    overwrite it.
    """
    form = form_class(obj=obj)
    if not form.is_submitted():
        for name, value in values.items():
            form[name].data = value
    return form
