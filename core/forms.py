"""Shared form helpers."""

from flask import render_template
from flask_wtf import FlaskForm


def form_page(template: str, form: FlaskForm, **context):
    """Render a form page; a form with errors answers 422 and keeps what the user typed."""
    return render_template(template, form=form, **context), 422 if form.errors else 200
