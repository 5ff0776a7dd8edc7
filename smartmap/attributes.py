"""Open311 service attributes: a category's questions (its service definition) and the
checking of a client's answers, sent as `attribute[code]=value` and, for a multivaluelist,
`attribute[code][]=value` repeated."""

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from core.errors import Refused
from core.i18n import localized
from core.inputs import clean_text
from smartmap.models import AttributeType, Category, CategoryAttribute

ANSWER_KEY = re.compile(r"^attribute\[([^\[\]]{1,40})\](\[\])?$")
MAX_ANSWER = 500
LISTS = {AttributeType.SINGLE, AttributeType.MULTIPLE}


def definition(category: Category) -> list[dict]:
    """The attributes asked now, as the specification's service definition lists them."""
    return [_attribute(attribute) for attribute in category.questions]


def _attribute(attribute: CategoryAttribute) -> dict:
    row = {
        "variable": True,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": None,
        "order": attribute.order,
        "description": attribute.description,
    }
    if attribute.datatype in LISTS:
        row["values"] = [
            {"key": choice["key"], "name": localized(choice["name_ka"], choice["name_en"])}
            for choice in attribute.choices
        ]
    return row


def sent_answers(form: MultiDict, prefix: str = "") -> dict[str, list[str]]:
    """{code: [values]} from the form's `attribute[…]` fields; other fields are ignored. The
    report form asks every category's questions, each field named `<category>:attribute[…]`."""
    answers: dict[str, list[str]] = {}
    for key in form:
        match = ANSWER_KEY.match(key.removeprefix(prefix)) if key.startswith(prefix) else None
        if match:
            values = [value for value in form.getlist(key) if value.strip()]
            answers.setdefault(match.group(1), []).extend(values)
    return answers


def api_name(attribute: CategoryAttribute) -> str:
    return f"attribute[{attribute.code}]"


def form_name(attribute: CategoryAttribute) -> str:
    return f"„{attribute.description}“"


@dataclass
class Asking:
    """How the answers came: from an Open311 client (400, fields named `attribute[code]`,
    unknown ones refused) or from the report form (422, questions named by their text)."""

    status: int = 400
    name: Callable[[CategoryAttribute], str] = api_name
    strict: bool = True


OPEN311 = Asking()
REPORT_FORM = Asking(422, form_name, strict=False)


def checked_answers(category: Category, sent: dict[str, list[str]], asking=OPEN311) -> dict:
    """The answers as stored on the report ({code: value, or [values] for a multivaluelist}),
    or a refusal naming the first attribute that is unknown, missing or wrong."""
    known = {attribute.code: attribute for attribute in category.questions}
    for code in sent:
        if code not in known and asking.strict:
            message = _("attribute[%(code)s] is not asked for this service.", code=code)
            raise Refused(message, asking.status)
    answers = {}
    for code, attribute in known.items():
        values = sent.get(code, [])
        if not values:
            if attribute.required:
                message = _("%(name)s is required.", name=asking.name(attribute))
                raise Refused(message, asking.status, f"question:{code}")
            continue
        answers[code] = _checked(attribute, values, asking)
    return answers


def _checked(attribute: CategoryAttribute, values: list[str], asking: Asking):
    kind, name = AttributeType(attribute.datatype), asking.name(attribute)
    field = f"question:{attribute.code}"
    if kind != AttributeType.MULTIPLE and len(values) > 1:
        raise Refused(_("%(name)s takes one value.", name=name), asking.status, field)
    if kind in LISTS:
        keys = {str(choice["key"]) for choice in attribute.choices}
        if not set(values) <= keys:
            message = _("%(name)s must be one of: %(keys)s.", name=name, keys=", ".join(keys))
            raise Refused(message, asking.status, field)
        return sorted(set(values)) if kind == AttributeType.MULTIPLE else values[0]
    if kind == AttributeType.NUMBER:
        return _number(name, values[0], asking.status, field)
    text = clean_text(values[0]).strip()
    if len(text) > MAX_ANSWER:
        message = _("%(name)s can have at most %(n)s characters.", name=name, n=MAX_ANSWER)
        raise Refused(message, asking.status, field)
    return text


def _number(name: str, text: str, status: int, field: str) -> float | int:
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise Refused(_("%(name)s must be a number.", name=name), status, field)
    return int(number) if number.is_integer() else number
