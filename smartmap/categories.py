"""Categories (Open311 services) for admins: create, edit, deactivate. A category in use keeps
its service code, so Open311 clients and old links go on finding its reports; deactivating
hides it from the report form and keeps every report it has."""

import re
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from core import audit
from core.db import db
from core.errors import Refused
from core.inputs import clean_text
from core.models import User
from smartmap.models import Category, HeldReport, Report
from smartmap.permissions import can_manage_categories

CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
MAX_TARGET_DAYS = 365


@dataclass
class CategoryInput:
    code: str
    name_ka: str
    name_en: str
    department: str = ""
    target_days: int | None = 14
    active: bool = True


def all_categories() -> list[Category]:
    return list(
        db.session.scalars(select(Category).order_by(Category.active.desc(), Category.code))
    )


def in_use(category: Category) -> bool:
    """Reports (published or held) name it: its code is then fixed."""
    used = exists().where(Report.category_id == category.id)
    held = exists().where(HeldReport.category_id == category.id)
    return bool(db.session.scalar(select(used | held)))


def _text(value: str | None, field: str, limit: int, required: bool = True) -> str:
    value = clean_text(value or "").strip()
    if required and not value:
        raise Refused(_("Please fill in this field."), 422, field)
    if len(value) > limit:
        raise Refused(_("This field can have at most %(n)s characters.", n=limit), 422, field)
    return value


def checked_code(value: str | None, message: str) -> str:
    """A code (of a category or of a question) as typed, or 422 with `message` at its field."""
    code = (value or "").strip()
    if not CODE.fullmatch(code):
        raise Refused(message, 422, "code")
    return code


def _code(value: str | None) -> str:
    return checked_code(
        value,
        _(
            "A service code has 1 to 40 small Latin letters, digits, hyphens or"
            " underscores, and starts with a letter or digit."
        ),
    )


def _target_days(value: int | None) -> int:
    if value is None or not 1 <= value <= MAX_TARGET_DAYS:
        raise Refused(
            _("The target must be between 1 and %(n)s days.", n=MAX_TARGET_DAYS), 422, "target_days"
        )
    return value


def _checked(data: CategoryInput) -> dict:
    return {
        "code": _code(data.code),
        "name_ka": _text(data.name_ka, "name_ka", 120),
        "name_en": _text(data.name_en, "name_en", 120),
        "department": _text(data.department, "department", 200, required=False),
        "target_days": _target_days(data.target_days),
        "active": bool(data.active),
    }


def _code_is_free(code: str, category: Category | None) -> None:
    statement = select(Category.id).where(Category.code == code)
    if category is not None:
        statement = statement.where(Category.id != category.id)
    if db.session.scalar(statement) is not None:
        raise _code_taken()


def _code_taken() -> Refused:
    return Refused(_("Another category already has this service code."), 409, "code")


def save_unique(change: Callable[[], None], taken: Callable[[], Refused]) -> None:
    """Make the change in a savepoint: an admin who saved the same code a moment earlier wins
    (the unique index decides), and this one hears `taken()` instead of meeting an error page."""
    try:
        with db.session.begin_nested():
            change()
            db.session.flush()
    except IntegrityError:
        raise taken() from None


def save_changes(item, values: dict, taken: Callable[[], Refused]) -> dict[str, list]:
    """Set each of `values` that differs on `item` (as `save_unique` does); returns them as
    {name: [old, new]} for the audit entry."""
    changed = {
        name: [getattr(item, name), value]
        for name, value in values.items()
        if getattr(item, name) != value
    }

    def change() -> None:
        for name, (_old, new) in changed.items():
            setattr(item, name, new)

    save_unique(change, taken)
    return changed


def _allowed(actor: User) -> None:
    if not can_manage_categories(actor):
        raise Refused(_("You do not have permission to do this."), 403)


def create_category(actor: User, data: CategoryInput) -> Category:
    _allowed(actor)
    values = _checked(data)
    _code_is_free(values["code"], None)
    category = Category(**values)
    save_unique(lambda: db.session.add(category), _code_taken)
    audit.record(actor, "map.category.create", f"category:{category.id}", code=category.code)
    return category


def update_category(actor: User, category: Category, data: CategoryInput) -> Category:
    """Change what was given; the code only while no report uses the category."""
    _allowed(actor)
    values = _checked(data)
    if values["code"] != category.code:
        if in_use(category):
            message = _("The service code of a category in use cannot change.")
            raise Refused(message, 409, "code")
        _code_is_free(values["code"], category)
    changed = save_changes(category, values, _code_taken)
    audit.record(actor, "map.category.update", f"category:{category.id}", changed=changed)
    return category
