"""Shared form helpers: the base form every form uses, and the date field in the city's time."""

from datetime import datetime

from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DateTimeLocalField, PasswordField, StringField
from wtforms.validators import StopValidation, ValidationError

from core.i18n import from_local, to_local
from core.inputs import CONTROL, CONTROL_IN_TEXT, clean_text, day_in_range, out_of_range_message


def _refuses_control_characters(unbound_field) -> bool:
    validators = unbound_field.kwargs.get("validators", ())
    return any(isinstance(validator, NoControlCharacters) for validator in validators)


class Form(FlaskForm):
    """A form whose text fields drop control characters (see `core.inputs`), except fields
    that refuse them with a message instead (`NoControlCharacters`, e.g. names)."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            if (
                issubclass(field_class, StringField)
                and not issubclass(field_class, PasswordField)
                and not _refuses_control_characters(unbound_field)
            ):
                filters = [*unbound_field.kwargs.get("filters", ()), clean_text]
                options = {**options, "filters": filters}
            return unbound_field.bind(form=form, **options)


class LocalDateField(DateField):
    """A calendar day in `TIMEZONE`, stored as that day's local midnight in UTC.

    Filled from a UTC moment, it shows the local day; `moment` turns the day back into UTC,
    so saving a form unchanged never moves a date.
    """

    def process_data(self, value):
        super().process_data(to_local(value).date() if isinstance(value, datetime) else value)

    def pre_validate(self, form):
        if self.data is not None and not day_in_range(self.data):
            raise StopValidation(out_of_range_message())

    @property
    def moment(self) -> datetime | None:
        return from_local(self.data)


class LocalDateTimeField(DateTimeLocalField):
    """A moment typed in `TIMEZONE` (`<input type="datetime-local">`), within the sane range of
    days, so turning it into UTC can neither overflow (year 1) nor reach the database absurd."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format="%Y-%m-%dT%H:%M", **kwargs)

    def pre_validate(self, form):
        if self.data is not None and not day_in_range(self.data.date()):
            raise StopValidation(out_of_range_message())

    @property
    def moment(self) -> datetime | None:
        return from_local(self.data)


def has_control_characters(text: str, multiline: bool = False) -> bool:
    return bool((CONTROL_IN_TEXT if multiline else CONTROL).search(text or ""))


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
            form[name].process_data(value)  # as a field fills itself: a local day from UTC
    return form
