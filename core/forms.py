"""Shared form helpers: the base form every form uses, and the date field in the city's time."""

from datetime import datetime

from flask import render_template
from flask_wtf import FlaskForm
from wtforms import DateField, PasswordField, StringField
from wtforms.validators import StopValidation

from core.i18n import from_local, to_local
from core.inputs import clean_text, day_in_range, out_of_range_message


class Form(FlaskForm):
    """A form whose text fields drop control characters (see `core.inputs`)."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
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


def form_page(template: str, form: FlaskForm, **context):
    """Render a form page; a form with errors answers 422 and keeps what the user typed."""
    return render_template(template, form=form, **context), 422 if form.errors else 200
