"""A voter's answers to the survey questions of a ballot: read from the ballot form, checked
against each question's rules (the database checks the same, migration 4e7a1c9d2b35).

Entered answers, as the form sent them and the page shows them again: {question id as text:
[choice ids as text]} or {question id as text: "text"}. Checked answers, as a vote stores
them: choice ids as numbers, in the question's order; an unanswered question has no key.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _
from flask_babel import ngettext

from budgeting.models import Ballot, Question, QuestionKind
from core.errors import Refused
from core.inputs import clean_text

Entered = dict[str, list[str] | str]
Checked = dict[str, list[int] | str]


class AnswersRefused(Refused):
    """Some answers break their question's rules; `errors` says which and why."""

    def __init__(self, errors: dict[int, str]) -> None:
        super().__init__(_("Please correct your answers to the marked questions."), 422)
        self.errors = errors


def read(ballot: Ballot, form) -> Entered:
    """The answers in a submitted ballot form (a MultiDict), only for this ballot's questions."""
    entered: Entered = {}
    for question in ballot.questions:
        if question.kind == QuestionKind.TEXT:
            text = clean_text(form.get(question.field_name, "")).strip()
            if text:
                entered[str(question.id)] = text
        else:
            picked = [value for value in form.getlist(question.field_name) if value]
            if picked:
                entered[str(question.id)] = picked
    return entered


def as_entered(answers: Mapping) -> Entered:
    """A stored vote's answers as the form shows them."""
    return {
        key: value if isinstance(value, str) else [str(choice) for choice in value]
        for key, value in answers.items()
    }


def check(ballot: Ballot, entered: Mapping) -> Checked:
    """The answers as a vote stores them; refuses, per question, what breaks its rules."""
    checked: Checked = {}
    errors: dict[int, str] = {}
    for question in ballot.questions:
        try:
            answer = _answer(question, entered.get(str(question.id)))
        except Refused as refusal:
            errors[question.id] = refusal.message
            continue
        if answer is not None:
            checked[str(question.id)] = answer
    if errors:
        raise AnswersRefused(errors)
    return checked


def _answer(question: Question, value) -> list[int] | str | None:
    if not value:
        if question.required:
            raise Refused(_("Please answer this question."), 422)
        return None
    if question.kind == QuestionKind.TEXT:
        return _text(question, value)
    return _choices(question, value)


def _text(question: Question, value) -> str:
    if not isinstance(value, str):
        raise Refused(_("Please answer in words."), 422)
    if len(value) > question.max_length:
        raise Refused(
            ngettext(
                "Please keep your answer within %(num)s character.",
                "Please keep your answer within %(num)s characters.",
                question.max_length,
            ),
            422,
        )
    return value


def _choices(question: Question, value) -> list[int]:
    order = {str(choice.id): number for number, choice in enumerate(question.choices)}
    picked = [value] if isinstance(value, str) else list(value)
    if len(set(picked)) != len(picked) or not set(picked) <= order.keys():
        raise Refused(_("Please choose among the answers offered."), 422)
    if question.kind == QuestionKind.SINGLE and len(picked) > 1:
        raise Refused(_("Please choose one answer."), 422)
    if len(picked) < question.min_choices:
        raise Refused(
            ngettext(
                "Please choose at least %(num)s answer.",
                "Please choose at least %(num)s answers.",
                question.min_choices,
            ),
            422,
        )
    if question.max_choices and len(picked) > question.max_choices:
        raise Refused(
            ngettext(
                "Please choose at most %(num)s answer.",
                "Please choose at most %(num)s answers.",
                question.max_choices,
            ),
            422,
        )
    return [int(code) for code in sorted(picked, key=order.__getitem__)]
