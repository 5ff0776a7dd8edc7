"""Admin pages for the categories (Open311 services): list, create, edit."""

from flask import redirect, render_template, url_for
from flask_login import current_user

from core.db import db
from core.errors import Refused
from core.i18n import N_, flash_later
from core.permissions import requires
from smartmap import categories
from smartmap.forms import CategoryForm
from smartmap.models import Category
from smartmap.permissions import can_manage_categories
from smartmap.views import bp


@bp.get("/categories")
@requires(can_manage_categories)
def category_list():
    return render_template("smartmap/categories.html", categories=categories.all_categories())


def _input(form: CategoryForm) -> categories.CategoryInput:
    return categories.CategoryInput(
        form.code.data,
        form.name_ka.data,
        form.name_en.data,
        form.department.data,
        form.target_days.data,
        form.active.data,
    )


def _save(form: CategoryForm, category: Category | None):
    """Create or update; a refusal re-renders the form with the message at its field."""
    try:
        if category is None:
            category = categories.create_category(current_user, _input(form))
        else:
            categories.update_category(current_user, category, _input(form))
    except Refused as error:
        db.session.rollback()
        getattr(form, error.field or "code").errors.append(error.message)
        return _page(form, category, error.status)
    flash_later(N_("The category is saved."), "success")
    return redirect(url_for(".category_list"))


def _page(form: CategoryForm, category: Category | None, status: int | None = None):
    locked = category is not None and categories.in_use(category)
    page = render_template(
        "smartmap/category_form.html", form=form, category=category, code_locked=locked
    )
    return page, status or (422 if form.errors else 200)


@bp.route("/categories/new", methods=["GET", "POST"])
@requires(can_manage_categories)
def new_category():
    form = CategoryForm()
    if form.validate_on_submit():
        return _save(form, None)
    return _page(form, None)


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@requires(can_manage_categories, Category, "category_id")
def edit_category(category):
    form = CategoryForm(obj=category)
    if form.validate_on_submit():
        return _save(form, category)
    return _page(form, category)
