"""Survey questions that accompany a district ballot (SPEC §5): budget admins add, edit,
reorder and delete them until voting opens; afterwards the counts of the choice questions
are public with the results, and the free-text answers go to budget admins only.

Answers are read and checked in budgeting/answers.py and stored with the vote
(budgeting/services.py `cast_vote`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import case, func, select, text, update

from budgeting import services
from budgeting.models import Ballot, Phase, Question, QuestionChoice, QuestionKind
from core import audit
from core.db import db
from core.errors import Refused

MAX_QUESTIONS = 20
MAX_CHOICES = 30
PROMPT_LENGTH = 500
LABEL_LENGTH = 300
DEFAULT_TEXT_LENGTH = 1000


@dataclass
class QuestionInput:
    """What the staff form gives for a question; `choices` as (Georgian, English) labels."""

    kind: str
    prompt_ka: str
    prompt_en: str = ""
    required: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)
    min_choices: int = 0
    max_choices: int | None = None
    max_length: int | None = None


def choice_lines(ka_text: str, en_text: str) -> list[tuple[str, str]]:
    """Choices typed one a line in each language; the English lines are optional."""
    ka = [line.strip() for line in (ka_text or "").splitlines() if line.strip()]
    en = [line.strip() for line in (en_text or "").splitlines() if line.strip()]
    if en and len(en) != len(ka):
        raise Refused(
            _("Please give the English answers in the same number and order as the Georgian "
              "ones, or none."),
            422,
            "choices_en",
        )  # fmt: skip
    return list(zip(ka, en or [""] * len(ka), strict=True))


def _lock_editable(ballot: Ballot) -> None:
    """Waits for a concurrent edit or freeze of the ballot, then refuses if it is frozen."""
    db.session.execute(select(Ballot.id).where(Ballot.id == ballot.id).with_for_update())
    db.session.refresh(ballot, ["frozen", "closed"])
    services.check_editable(ballot)


def _checked(data: QuestionInput) -> QuestionInput:
    """The input with the limits of other kinds cleared; refuses what cannot be asked."""
    _check_prompt(data)
    kind = QuestionKind(data.kind)
    if kind == QuestionKind.TEXT:
        if data.choices:
            raise Refused(
                _("A free-text question has no answers to choose from; please empty the list."),
                422,
                "choices_ka",
            )
        return QuestionInput(kind, data.prompt_ka, data.prompt_en, data.required,
                             max_length=data.max_length or DEFAULT_TEXT_LENGTH)  # fmt: skip
    _check_choices(data.choices)
    if kind == QuestionKind.SINGLE:
        return QuestionInput(kind, data.prompt_ka, data.prompt_en, data.required, data.choices)
    _check_limits(data)
    return QuestionInput(kind, data.prompt_ka, data.prompt_en, data.required, data.choices,
                         data.min_choices or 0, data.max_choices)  # fmt: skip


def _check_prompt(data: QuestionInput) -> None:
    if not data.prompt_ka.strip() or len(data.prompt_ka) > PROMPT_LENGTH:
        raise Refused(
            _("Please write the question in Georgian, in at most %(num)s characters.",
              num=PROMPT_LENGTH),
            422,
            "prompt_ka",
        )  # fmt: skip
    if len(data.prompt_en) > PROMPT_LENGTH:
        raise Refused(
            _("Please keep the question within %(num)s characters.", num=PROMPT_LENGTH),
            422,
            "prompt_en",
        )


def _check_choices(choices: list[tuple[str, str]]) -> None:
    if len(choices) < 2:
        raise Refused(_("Please give at least two answers to choose from."), 422, "choices_ka")
    if len(choices) > MAX_CHOICES:
        raise Refused(
            _("A question can offer at most %(num)s answers.", num=MAX_CHOICES), 422, "choices_ka"
        )
    if any(len(label) > LABEL_LENGTH for pair in choices for label in pair):
        raise Refused(
            _("Each answer can be at most %(num)s characters long.", num=LABEL_LENGTH),
            422,
            "choices_ka",
        )
    if len({ka for ka, _en in choices}) != len(choices):
        raise Refused(_("Each answer must differ from the others."), 422, "choices_ka")


def _check_limits(data: QuestionInput) -> None:
    least, most = data.min_choices or 0, data.max_choices
    if most is not None and most < max(least, 1):
        raise Refused(_("The most choices cannot be fewer than the least."), 422, "max_choices")
    if max(least, most or 0) > len(data.choices):
        raise Refused(
            _("A question cannot ask for more answers than it offers."), 422, "max_choices"
        )


def _set_choices(question: Question, choices: list[tuple[str, str]]) -> None:
    question.choices = [
        QuestionChoice(position=number, label_ka=ka, label_en=en)
        for number, (ka, en) in enumerate(choices, start=1)
    ]


def add_question(admin, ballot: Ballot, data: QuestionInput) -> Question:
    _lock_editable(ballot)
    data = _checked(data)
    last = db.session.scalar(
        select(func.max(Question.position)).where(Question.ballot_id == ballot.id)
    )
    count = db.session.scalar(select(func.count()).where(Question.ballot_id == ballot.id))
    if count >= MAX_QUESTIONS:
        raise Refused(_("A ballot can have at most %(num)s questions.", num=MAX_QUESTIONS), 409)
    question = Question(ballot_id=ballot.id, position=(last or 0) + 1)
    _fill(question, data)
    with services.database_rules():
        db.session.add(question)
        db.session.flush()
    db.session.expire(ballot, ["questions"])
    audit.record(admin, "budget.question_added", f"budget_question:{question.id}")
    return question


def _fill(question: Question, data: QuestionInput) -> None:
    question.kind = data.kind
    question.prompt_ka, question.prompt_en = data.prompt_ka, data.prompt_en
    question.required = data.required
    question.min_choices, question.max_choices = data.min_choices, data.max_choices
    question.max_length = data.max_length
    _set_choices(question, data.choices)


def edit_question(admin, question: Question, data: QuestionInput) -> Question:
    _lock_editable(question.ballot)
    data = _checked(data)
    with services.database_rules():
        question.choices.clear()  # the old rows go first: positions are unique
        db.session.flush()
        _fill(question, data)
        db.session.flush()
    audit.record(admin, "budget.question_changed", f"budget_question:{question.id}")
    return question


def move_question(admin, question: Question, step: int) -> None:
    """Swaps the question with its neighbour before (step -1) or after (step 1); at either
    end nothing moves."""
    ballot = question.ballot
    _lock_editable(ballot)
    order = [q.id for q in ballot.questions]
    place = order.index(question.id) + step
    if not 0 <= place < len(order):
        return
    other = ballot.questions[place]
    positions = {question.id: other.position, other.id: question.position}
    with services.database_rules():  # one statement: the unique position is checked after it
        db.session.execute(
            update(Question)
            .where(Question.id.in_(positions))
            .values(position=case(positions, value=Question.id))
            .execution_options(synchronize_session=False)
        )
    db.session.expire(question)
    db.session.expire(other)
    db.session.expire(ballot, ["questions"])
    audit.record(admin, "budget.question_moved", f"budget_question:{question.id}")


def delete_question(admin, question: Question) -> None:
    ballot = question.ballot
    _lock_editable(ballot)
    ref = f"budget_question:{question.id}"
    with services.database_rules():
        db.session.delete(question)
        db.session.flush()
    db.session.expire(ballot, ["questions"])
    audit.record(admin, "budget.question_deleted", ref)


def kind_label(kind: str) -> str:
    return {
        QuestionKind.SINGLE: _("Single choice"),
        QuestionKind.MULTIPLE: _("Multiple choice"),
        QuestionKind.TEXT: _("Free text"),
    }[QuestionKind(kind)]


def limits_hint(question: Question) -> str:
    """The rule a voter must follow, in words; empty when there is none to say."""
    if question.kind == QuestionKind.TEXT:
        return ngettext(
            "At most %(num)s character.", "At most %(num)s characters.", question.max_length
        )
    if question.kind == QuestionKind.SINGLE:
        return _("Choose one.")
    parts = []
    if question.min_choices:
        parts.append(_("At least %(num)s.", num=question.min_choices))
    if question.max_choices:
        parts.append(_("At most %(num)s.", num=question.max_choices))
    return " ".join(parts)


# Results: counts per choice, and the free-text answers for budget admins.

CHOICE_COUNTS = text(
    """
    SELECT a.key::int AS question_id, e.choice::int AS choice_id, count(*) AS votes
      FROM budget_vote v
     CROSS JOIN LATERAL jsonb_each(v.answers) AS a(key, value)
     CROSS JOIN LATERAL jsonb_array_elements(
         CASE WHEN jsonb_typeof(a.value) = 'array' THEN a.value ELSE '[]' END) AS e(choice)
     WHERE v.ballot_id = :ballot
     GROUP BY 1, 2
    """
)
ANSWERED = text(
    """
    SELECT a.key::int AS question_id, count(*) AS votes
      FROM budget_vote v CROSS JOIN LATERAL jsonb_object_keys(v.answers) AS a(key)
     WHERE v.ballot_id = :ballot
     GROUP BY 1
    """
)
# Sorted by question and text, never by vote: the order says nothing about who wrote what.
TEXT_ANSWERS = text(
    """
    SELECT a.key::int AS question_id, a.value #>> '{}' AS answer
      FROM budget_vote v CROSS JOIN LATERAL jsonb_each(v.answers) AS a(key, value)
     WHERE v.ballot_id = :ballot AND jsonb_typeof(a.value) = 'string'
     ORDER BY 1, 2
    """
)


@dataclass
class ChoiceCount:
    choice: QuestionChoice
    ballots: int  # ballots that chose it


@dataclass
class QuestionCounts:
    question: Question
    answered: int  # ballots that answered it
    choices: list[ChoiceCount]  # empty for free text


def counts(ballot: Ballot) -> list[QuestionCounts]:
    """Per question, how many ballots answered it and how often each answer was chosen."""
    if not ballot.questions:
        return []
    params = {"ballot": ballot.id}
    picked = {(q, c): n for q, c, n in db.session.execute(CHOICE_COUNTS, params)}
    answered = dict(db.session.execute(ANSWERED, params).all())
    return [
        QuestionCounts(
            question,
            answered.get(question.id, 0),
            [ChoiceCount(c, picked.get((question.id, c.id), 0)) for c in question.choices],
        )
        for question in ballot.questions
    ]


TEXT_ANSWER_COLUMNS = ("question", "question_ka", "question_en", "answer")


def answers_public(ballot: Ballot) -> bool:
    """Survey results, like the ballot's own, once voting has closed."""
    return ballot.closed or (ballot.cycle is not None and ballot.cycle.phase == Phase.RESULTS)


def download_text_answers(admin, ballot: Ballot) -> list[tuple]:
    """The free-text answers for a budget admin's download, once voting has closed; each
    download is audited, as the answers may hold personal data."""
    if not answers_public(ballot):
        raise Refused(_("The answers can be downloaded once voting has closed."), 409)
    audit.record(admin, "budget.answers_downloaded", ballot.ref)
    number = {question.id: n for n, question in enumerate(ballot.questions, start=1)}
    return [
        (number[question.id], question.prompt_ka, question.prompt_en, answer)
        for question, answer in text_answers(ballot)
    ]


def text_answers(ballot: Ballot) -> list[tuple[Question, str]]:
    """Every free-text answer with its question, without anything about who gave it."""
    questions = {question.id: question for question in ballot.questions}
    rows = db.session.execute(TEXT_ANSWERS, {"ballot": ballot.id}) if questions else []
    return [(questions[question_id], answer) for question_id, answer in rows]
