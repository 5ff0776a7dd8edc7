"""Open311 service attributes: a category's questions (its service definition) and the
checking of a client's answers, sent as `attribute[code]=value` and, for a multivaluelist,
`attribute[code][]=value` repeated."""

import math
import re

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
    """The attributes as the specification's service definition lists them."""
    return [_attribute(attribute) for attribute in category.attributes]


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


def sent_answers(form: MultiDict) -> dict[str, list[str]]:
    """{code: [values]} from the form's `attribute[…]` fields; other fields are ignored."""
    answers: dict[str, list[str]] = {}
    for key in form:
        match = ANSWER_KEY.match(key)
        if match:
            values = [value for value in form.getlist(key) if value.strip()]
            answers.setdefault(match.group(1), []).extend(values)
    return answers


def checked_answers(category: Category, sent: dict[str, list[str]]) -> dict:
    """The answers as stored on the report ({code: value, or [values] for a multivaluelist}),
    or a refusal naming the first attribute that is unknown, missing or wrong."""
    known = {attribute.code: attribute for attribute in category.attributes}
    for code in sent:
        if code not in known:
            raise Refused(_("attribute[%(code)s] is not asked for this service.", code=code), 400)
    answers = {}
    for code, attribute in known.items():
        values = sent.get(code, [])
        if not values:
            if attribute.required:
                raise Refused(_("attribute[%(code)s] is required.", code=code), 400)
            continue
        answers[code] = _checked(attribute, values)
    return answers


def _checked(attribute: CategoryAttribute, values: list[str]):
    code, kind = attribute.code, AttributeType(attribute.datatype)
    if kind != AttributeType.MULTIPLE and len(values) > 1:
        raise Refused(_("attribute[%(code)s] takes one value.", code=code), 400)
    if kind in LISTS:
        keys = {str(choice["key"]) for choice in attribute.choices}
        if not set(values) <= keys:
            raise Refused(
                _("attribute[%(code)s] must be one of: %(keys)s.", code=code, keys=", ".join(keys)),
                400,
            )
        return sorted(set(values)) if kind == AttributeType.MULTIPLE else values[0]
    if kind == AttributeType.NUMBER:
        return _number(code, values[0])
    text = clean_text(values[0]).strip()
    if len(text) > MAX_ANSWER:
        raise Refused(
            _("attribute[%(code)s] can have at most %(n)s characters.", code=code, n=MAX_ANSWER),
            400,
        )
    return text


def _number(code: str, text: str) -> float | int:
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise Refused(_("attribute[%(code)s] must be a number.", code=code), 400)
    return int(number) if number.is_integer() else number
