"""Admin pages for a category's questions: list, add, edit (and deactivate), reorder."""

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from core.errors import Refused
from core.i18n import N_, flash_later
from core.permissions import requires
from smartmap import categories, questions
from smartmap.forms import ANSWER_KINDS, QuestionForm
from smartmap.models import Category, CategoryAttribute
from smartmap.permissions import can_manage_categories
from smartmap.views import bp


def _question_of(category: Category, question_id: int) -> CategoryAttribute:
    found = next((q for q in category.attributes if q.id == question_id), None)
    if found is None:
        abort(404)
    return found


@bp.get("/categories/<int:category_id>/questions")
@requires(can_manage_categories, Category, "category_id")
def question_list(category):
    return render_template("smartmap/questions.html", category=category, answer_kinds=ANSWER_KINDS)


def _input(form: QuestionForm) -> questions.QuestionInput:
    return questions.QuestionInput(
        form.code.data,
        form.datatype.data,
        form.description_ka.data,
        form.description_en.data,
        form.choices.data,
        form.required.data,
        form.active.data,
    )


def _page(form: QuestionForm, category: Category, question=None, status: int | None = None):
    locked = question is not None and categories.in_use(category)
    page = render_template(
        "smartmap/question_form.html",
        form=form,
        category=category,
        question=question,
        locked=locked,
    )
    return page, status or (422 if form.errors else 200)


def _save(form: QuestionForm, category: Category, question: CategoryAttribute | None):
    """Add or update; a refusal re-renders the form with the message at its field."""
    try:
        if question is None:
            questions.add_question(current_user, category, _input(form))
        else:
            questions.update_question(current_user, category, question, _input(form))
    except Refused as error:
        getattr(form, error.field or "code", form.code).errors.append(error.message)
        return _page(form, category, question, error.status)
    flash_later(N_("The question is saved."), "success")
    return redirect(url_for(".question_list", category_id=category.id))


@bp.route("/categories/<int:category_id>/questions/new", methods=["GET", "POST"])
@requires(can_manage_categories, Category, "category_id")
def new_question(category):
    form = QuestionForm()
    if form.validate_on_submit():
        return _save(form, category, None)
    return _page(form, category)


@bp.route("/categories/<int:category_id>/questions/<int:question_id>", methods=["GET", "POST"])
@requires(can_manage_categories, Category, "category_id")
def edit_question(category, question_id):
    question = _question_of(category, question_id)
    form = QuestionForm(obj=question)
    if request.method == "GET":
        form.choices.data = questions.choices_text(question)
    if form.validate_on_submit():
        return _save(form, category, question)
    return _page(form, category, question)


@bp.post("/categories/<int:category_id>/questions/<int:question_id>/move")
@requires(can_manage_categories, Category, "category_id")
def move_question(category, question_id):
    question = _question_of(category, question_id)
    questions.move_question(current_user, category, question, request.form.get("to") == "up")
    flash_later(N_("The order of the questions is saved."), "success")
    return redirect(url_for(".question_list", category_id=category.id))
