"""A category's questions (its Open311 service definition) for admins: add, edit, reorder,
deactivate. Reports store answers by the question's code, so the code and the kind of answer
stay once reports use the category; deactivating stops asking and keeps the answers given."""

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from core import audit
from core.db import db
from core.errors import Refused
from core.inputs import clean_text
from core.models import User
from smartmap.categories import checked_code, in_use, save_changes, save_unique
from smartmap.models import AttributeType, Category, CategoryAttribute
from smartmap.permissions import can_manage_categories

LISTS = {AttributeType.SINGLE, AttributeType.MULTIPLE}
MAX_QUESTIONS = 20
MAX_CHOICES = 30
MAX_DESCRIPTION = 300
MAX_CHOICE_NAME = 120
CHOICE_KEY = re.compile(r"[^\[\]|\s]{1,40}")


@dataclass
class QuestionInput:
    code: str
    datatype: str
    description_ka: str
    description_en: str
    choices: str = ""  # one a line: key | name in Georgian | name in English
    required: bool = False
    active: bool = True


def choices_text(question: CategoryAttribute) -> str:
    """The choices as the form shows them, one a line."""
    return "\n".join(f"{c['key']} | {c['name_ka']} | {c['name_en']}" for c in question.choices)


def _allowed(actor: User) -> None:
    if not can_manage_categories(actor):
        raise Refused(_("You do not have permission to do this."), 403)


def _code(value: str | None) -> str:
    return checked_code(
        value,
        _(
            "A question's code has 1 to 40 small Latin letters, digits, hyphens or"
            " underscores, and starts with a letter or digit."
        ),
    )


def _datatype(value: str | None) -> AttributeType:
    try:
        return AttributeType(value or "")
    except ValueError:
        raise Refused(_("Please choose a kind of answer from the list."), 422, "datatype") from None


def _description(value: str | None, field: str) -> str:
    text = clean_text(value or "").strip()
    if not text:
        raise Refused(_("Please fill in this field."), 422, field)
    if len(text) > MAX_DESCRIPTION:
        message = _("This field can have at most %(n)s characters.", n=MAX_DESCRIPTION)
        raise Refused(message, 422, field)
    return text


def _choice(line: str, number: int) -> dict:
    parts = [part.strip() for part in line.split("|")]
    if len(parts) != 3 or not CHOICE_KEY.fullmatch(parts[0]) or not all(parts[1:]):
        message = _(
            "Line %(n)s: please write a choice as „key | name in Georgian | name in English“;"
            " the key has no spaces.",
            n=number,
        )
        raise Refused(message, 422, "choices")
    if max(len(parts[1]), len(parts[2])) > MAX_CHOICE_NAME:
        message = _(
            "Line %(n)s: a name can have at most %(max)s characters.", n=number, max=MAX_CHOICE_NAME
        )
        raise Refused(message, 422, "choices")
    return {"key": parts[0], "name_ka": parts[1], "name_en": parts[2]}


def _choices(text: str | None, kind: AttributeType) -> list[dict]:
    lines = [line for line in clean_text(text or "").splitlines() if line.strip()]
    if kind not in LISTS:
        if lines:
            message = _("Only a question answered from a list has choices.")
            raise Refused(message, 422, "choices")
        return []
    if not lines:
        raise Refused(_("Please write the choices, one a line."), 422, "choices")
    if len(lines) > MAX_CHOICES:
        raise Refused(
            _("A question can have at most %(n)s choices.", n=MAX_CHOICES), 422, "choices"
        )
    choices = [_choice(line, number) for number, line in enumerate(lines, 1)]
    if len({choice["key"] for choice in choices}) < len(choices):
        raise Refused(_("Each choice needs a key of its own."), 422, "choices")
    return choices


def _checked(data: QuestionInput) -> dict:
    kind = _datatype(data.datatype)
    return {
        "code": _code(data.code),
        "datatype": kind.value,
        "description_ka": _description(data.description_ka, "description_ka"),
        "description_en": _description(data.description_en, "description_en"),
        "choices": _choices(data.choices, kind),
        "required": bool(data.required),
        "active": bool(data.active),
    }


def _code_taken() -> Refused:
    return Refused(_("Another question of this category already has this code."), 409, "code")


def _code_is_free(category: Category, code: str, question: CategoryAttribute | None) -> None:
    if any(other.code == code and other is not question for other in category.attributes):
        raise _code_taken()


def add_question(actor: User, category: Category, data: QuestionInput) -> CategoryAttribute:
    _allowed(actor)
    values = _checked(data)
    if len(category.attributes) >= MAX_QUESTIONS:
        message = _("A category can have at most %(n)s questions.", n=MAX_QUESTIONS)
        raise Refused(message, 422, "code")
    _code_is_free(category, values["code"], None)
    order = max((question.order for question in category.attributes), default=0) + 1
    question = CategoryAttribute(category_id=category.id, order=order, **values)
    save_unique(lambda: db.session.add(question), _code_taken)
    db.session.refresh(category)
    audit.record(actor, "map.question.add", f"category:{category.id}", code=question.code)
    return question


def _check_fixed_parts(category: Category, question: CategoryAttribute, values: dict) -> None:
    """Answers are stored by code and read by kind: both stay once reports use the category."""
    if values["code"] == question.code and values["datatype"] == question.datatype:
        return
    if in_use(category):
        message = _("Reports use this category, so a question's code and kind of answer stay.")
        raise Refused(message, 409, "code")


def update_question(
    actor: User, category: Category, question: CategoryAttribute, data: QuestionInput
) -> CategoryAttribute:
    _allowed(actor)
    values = _checked(data)
    _check_fixed_parts(category, question, values)
    _code_is_free(category, values["code"], question)
    changed = save_changes(question, values, _code_taken)
    audit.record(
        actor, "map.question.update", f"category:{category.id}", code=question.code, changed=changed
    )
    return question


def move_question(actor: User, category: Category, question: CategoryAttribute, up: bool) -> None:
    """One place up or down among the category's questions (numbered 1… afresh)."""
    _allowed(actor)
    ordered = list(
        db.session.scalars(
            select(CategoryAttribute)
            .where(CategoryAttribute.category_id == category.id)
            .order_by(CategoryAttribute.order, CategoryAttribute.id)
            .with_for_update()
        )
    )
    index = ordered.index(question)
    other = index - 1 if up else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for number, each in enumerate(ordered, 1):
        each.order = number
    db.session.flush()
    db.session.refresh(category)
    audit.record(actor, "map.question.move", f"category:{category.id}", code=question.code, up=up)
