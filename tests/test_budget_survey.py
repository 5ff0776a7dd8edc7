"""Survey questions with a district ballot, through the services and the database: managing
questions until voting opens, answers checked and stored with the vote, counts and the
free-text answers."""

import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from budgeting import answers, datarights, demo, elections, pabulib, services, survey
from budgeting.models import Ballot, BallotKind, Cycle, Phase, Question, QuestionKind, Vote
from core import audit
from core.db import db
from core.errors import Refused
from core.models import Role
from tests.budget_factories import choice_id, make_ballot, resident, survey_questions
from tests.factories import make_user


@pytest.fixture
def ctx(app):
    """Services answer in English here, so refusals can be matched by their words."""
    with app.test_request_context("/?lang=en"):
        yield


@pytest.fixture
def admin(ctx):
    return make_user(Role.BUDGET_ADMIN)


def single(prompt="Which?", choices=("A", "B"), **more) -> survey.QuestionInput:
    return survey.QuestionInput("single", prompt, choices=[(c, c.lower()) for c in choices], **more)


def prompts(ballot: Ballot) -> list[str]:
    db.session.expire(ballot, ["questions"])
    return [q.prompt_ka for q in ballot.questions]


def votes(ballot) -> list[Vote]:
    return db.session.scalars(db.select(Vote).where(Vote.ballot_id == ballot.id)).all()


# Managing questions


def test_an_admin_adds_questions_in_order_with_their_choices(admin):
    ballot = make_ballot(phase=Phase.REVIEW)
    first = survey.add_question(admin, ballot, single("First", ("Yes", "No")))
    survey.add_question(admin, ballot, survey.QuestionInput("text", "Second", max_length=50))
    survey.add_question(
        admin,
        ballot,
        survey.QuestionInput("multiple", "Third", choices=[("a", ""), ("b", ""), ("c", "")],
                             min_choices=1, max_choices=2),
    )  # fmt: skip
    assert prompts(ballot) == ["First", "Second", "Third"]
    assert [q.position for q in ballot.questions] == [1, 2, 3]
    assert [(c.label_ka, c.label_en) for c in first.choices] == [("Yes", "yes"), ("No", "no")]
    assert ballot.questions[1].max_length == 50
    assert (ballot.questions[2].min_choices, ballot.questions[2].max_choices) == (1, 2)
    added = db.session.scalars(audit.entries("budget.question_added")).all()
    assert {entry.ref for entry in added} >= {f"budget_question:{q.id}" for q in ballot.questions}


def test_limits_of_other_kinds_are_cleared(admin):
    ballot = make_ballot(phase=Phase.REVIEW)
    question = survey.add_question(
        admin, ballot, single(min_choices=1, max_choices=2, max_length=30)
    )
    assert (question.min_choices, question.max_choices, question.max_length) == (0, None, None)
    words = survey.add_question(admin, ballot, survey.QuestionInput("text", "Words?"))
    assert words.max_length == survey.DEFAULT_TEXT_LENGTH


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (survey.QuestionInput("text", " "), "prompt_ka", "write the question in Georgian"),
        (survey.QuestionInput("text", "x" * 501), "prompt_ka", "at most 500 characters"),
        (survey.QuestionInput("text", "?", "x" * 501), "prompt_en", "within 500 characters"),
        (survey.QuestionInput("text", "Why?", choices=[("a", "")]), "choices_ka", "no answers"),
        (single(choices=("Only",)), "choices_ka", "at least two"),
        (single(choices=("Same", "Same")), "choices_ka", "differ"),
        (single(choices=("x" * 301, "y")), "choices_ka", "at most 300 characters"),
        (single(choices=[str(n) for n in range(31)]), "choices_ka", "at most 30 answers"),
        (
            survey.QuestionInput("multiple", "?", choices=[("a", ""), ("b", "")],
                                 min_choices=2, max_choices=1),
            "max_choices",
            "cannot be fewer",
        ),
        (
            survey.QuestionInput("multiple", "?", choices=[("a", ""), ("b", "")], min_choices=3),
            "max_choices",
            "more answers than it offers",
        ),
    ],
)  # fmt: skip
def test_questions_that_cannot_be_asked_are_refused(admin, data, field, words):
    ballot = make_ballot(phase=Phase.REVIEW)
    with pytest.raises(Refused, match=words) as refused:
        survey.add_question(admin, ballot, data)
    assert refused.value.field == field
    assert prompts(ballot) == []


def test_english_answers_come_in_the_same_number_or_not_at_all(ctx):
    assert survey.choice_lines("ა\n\nბ\n", "") == [("ა", ""), ("ბ", "")]
    assert survey.choice_lines("ა\nბ", "A\nB") == [("ა", "A"), ("ბ", "B")]
    with pytest.raises(Refused, match="same number") as refused:
        survey.choice_lines("ა\nბ", "A")
    assert refused.value.field == "choices_en"


def test_a_ballot_takes_at_most_twenty_questions(admin):
    ballot = make_ballot(phase=Phase.REVIEW)
    for number in range(survey.MAX_QUESTIONS):
        survey.add_question(admin, ballot, single(f"Q{number}"))
    with pytest.raises(Refused, match="at most 20 questions"):
        survey.add_question(admin, ballot, single("One too many"))


def test_an_admin_edits_a_question_and_its_choices(admin):
    ballot = make_ballot(phase=Phase.REVIEW)
    question = survey.add_question(admin, ballot, single("Old", ("A", "B")))
    survey.edit_question(
        admin,
        question,
        survey.QuestionInput("multiple", "New", "New en", True, [("C", ""), ("D", ""), ("E", "")],
                             max_choices=2),
    )  # fmt: skip
    db.session.expire_all()
    question = db.session.get(Question, question.id)
    assert (question.kind, question.prompt_ka, question.prompt_en, question.required) == (
        "multiple", "New", "New en", True,
    )  # fmt: skip
    assert [c.label_ka for c in question.choices] == ["C", "D", "E"]
    assert [c.position for c in question.choices] == [1, 2, 3]


def test_questions_move_up_and_down_and_stay_at_the_ends(admin):
    ballot = make_ballot(phase=Phase.REVIEW)
    a, b, c = (survey.add_question(admin, ballot, single(p)) for p in "ABC")
    survey.move_question(admin, c, -1)
    assert prompts(ballot) == ["A", "C", "B"]
    survey.move_question(admin, a, 1)
    assert prompts(ballot) == ["C", "A", "B"]
    survey.move_question(admin, b, 1)  # already last
    survey.move_question(admin, c, -1)  # already first
    assert prompts(ballot) == ["C", "A", "B"]


def test_an_admin_deletes_a_question(admin):
    ballot = make_ballot(phase=Phase.REVIEW)
    first = survey.add_question(admin, ballot, single("A"))
    survey.add_question(admin, ballot, single("B"))
    survey.delete_question(admin, first)
    assert prompts(ballot) == ["B"]
    survey.add_question(admin, ballot, single("C"))  # after the last, never on a taken place
    assert prompts(ballot) == ["B", "C"]


def test_questions_are_frozen_once_voting_opens(admin):
    ballot = make_ballot(phase=Phase.VOTING, questions=survey_questions())
    question = ballot.questions[0]
    for change in (
        lambda: survey.add_question(admin, ballot, single()),
        lambda: survey.edit_question(admin, question, single("Changed")),
        lambda: survey.move_question(admin, ballot.questions[1], -1),
        lambda: survey.delete_question(admin, question),
    ):
        with pytest.raises(Refused, match="frozen") as refused:
            change()
        assert refused.value.status == 409
    assert prompts(ballot) == ["როგორ მოხვედით?", "რა გინდათ?", "რა გავაუმჯობესოთ?"]


def test_opening_the_vote_freezes_the_questions_added_before(admin):
    ballot = make_ballot(phase=Phase.REVIEW)
    survey.add_question(admin, ballot, single("Before"))
    services.move_phase(ballot.cycle, Phase.VOTING)
    with pytest.raises(Refused, match="frozen"):
        survey.add_question(admin, ballot, single("After"))


def test_an_imported_ballot_takes_no_questions(admin):
    ballot = make_ballot(phase=Phase.REVIEW)
    ballot.closed = True
    db.session.flush()
    with pytest.raises(Refused, match="frozen"):
        survey.add_question(admin, ballot, single())


# The database holds the same rules.


def refused_by(rule: str, sql: str, **params) -> None:
    with pytest.raises(IntegrityError) as raised, db.session.begin_nested():
        db.session.execute(text(sql), params)
    assert raised.value.orig.diag.constraint_name == rule


def test_the_database_refuses_changing_the_questions_of_a_frozen_ballot(ctx):
    ballot = make_ballot(questions=survey_questions())
    question, choice = ballot.questions[0], ballot.questions[0].choices[0]
    refused_by(
        "budget_ballot_frozen",
        "INSERT INTO budget_question (ballot_id, position, kind, prompt_ka, max_length)"
        " VALUES (:ballot, 9, 'text', 'x', 10)",
        ballot=ballot.id,
    )
    refused_by("budget_ballot_frozen", "UPDATE budget_question SET prompt_ka = 'x' WHERE id = :q",
               q=question.id)  # fmt: skip
    refused_by("budget_ballot_frozen", "DELETE FROM budget_question WHERE id = :q", q=question.id)
    refused_by(
        "budget_ballot_frozen",
        "UPDATE budget_question_choice SET label_ka = 'x' WHERE id = :c",
        c=choice.id,
    )
    refused_by(
        "budget_ballot_frozen",
        "INSERT INTO budget_question_choice (question_id, position, label_ka) VALUES (:q, 9, 'x')",
        q=question.id,
    )


def test_deleting_a_cycle_takes_its_frozen_questions_along(ctx):
    ballot = make_ballot(phase=Phase.RESULTS, questions=survey_questions())
    count = text("SELECT count(*) FROM budget_question WHERE ballot_id = :b")
    assert db.session.scalar(count, {"b": ballot.id}) == 3
    db.session.execute(text("DELETE FROM budget_cycle WHERE id = :c"), {"c": ballot.cycle_id})
    assert db.session.scalar(count, {"b": ballot.id}) == 0


def bad_answers(ballot: Ballot) -> list[dict]:
    """Answers that break the questions of `survey_questions`, one rule each."""
    single_q, multiple_q, text_q = (str(q.id) for q in ballot.questions)
    bus, metro = (int(choice_id(ballot, label)) for label in ("Bus", "Metro"))
    trees, benches, lights = (int(choice_id(ballot, label)) for label in ("Trees", "Benches",
                                                                          "Lights"))  # fmt: skip
    return [
        {},  # the required question unanswered
        {single_q: [bus, metro]},  # two answers to a single choice
        {single_q: [trees]},  # an answer of another question
        {single_q: [bus], multiple_q: [trees, benches, lights]},  # more than two
        {single_q: [bus], multiple_q: []},  # fewer than one
        {single_q: [bus], multiple_q: [trees, trees]},  # twice the same
        {single_q: "Bus"},  # words for a choice
        {single_q: [bus], text_q: ["Bus"]},  # a choice for words
        {single_q: [bus], text_q: "x" * 21},  # too long
        {single_q: [bus], text_q: ""},  # empty words
        {single_q: [bus], "999999": "x"},  # no such question
    ]


def test_the_database_refuses_answers_that_break_the_questions(ctx):
    ballot = make_ballot(questions=survey_questions())
    voter = resident()
    for number, wrong in enumerate(bad_answers(ballot)):
        refused_by(
            "budget_vote_answers_fit",
            "INSERT INTO budget_vote (ballot_id, voter_id, voter_code, choices, answers)"
            " VALUES (:ballot, :voter, :code, '[]', CAST(:answers AS jsonb))",
            ballot=ballot.id,
            voter=voter.id,
            code=f"bad-{number}",
            answers=json.dumps(wrong),
        )
    assert votes(ballot) == []


# Answering with the ballot


def test_a_voter_answers_with_the_ballot_and_changes_both_keeping_one(ctx):
    ballot = make_ballot(questions=survey_questions())
    voter = resident()
    single_q, multiple_q, text_q = (str(q.id) for q in ballot.questions)
    said = {single_q: [choice_id(ballot, "Metro")], multiple_q: [choice_id(ballot, "Lights"),
            choice_id(ballot, "Trees")], text_q: "More trees"}  # fmt: skip
    services.cast_vote(voter, ballot, ["1"], said)
    services.cast_vote(voter, ballot, ["2"], {single_q: [choice_id(ballot, "Walk")]})
    (vote,) = votes(ballot)
    assert vote.choices == ["2"]
    assert vote.answers == {single_q: [int(choice_id(ballot, "Walk"))]}  # the old set is gone
    services.cast_vote(voter, ballot, ["2"], said)
    (vote,) = votes(ballot)
    # Choices are kept in the question's order, whatever order they came in.
    assert vote.answers[multiple_q] == [int(choice_id(ballot, "Trees")),
                                        int(choice_id(ballot, "Lights"))]  # fmt: skip
    assert vote.answers[text_q] == "More trees"


def test_a_blank_ballot_with_answers_is_allowed(ctx):
    ballot = make_ballot(BallotKind.APPROVAL, min_choices=2, questions=survey_questions())
    single_q = str(ballot.questions[0].id)
    services.cast_vote(resident(), ballot, [], {single_q: [choice_id(ballot, "Bus")]})
    (vote,) = votes(ballot)
    assert vote.choices == []
    assert vote.answers == {single_q: [int(choice_id(ballot, "Bus"))]}


@pytest.mark.parametrize(
    ("make_answers", "question", "words"),
    [
        (lambda b, s, m, t: {}, 0, "Please answer this question"),
        (lambda b, s, m, t: {s: ["999999"]}, 0, "among the answers offered"),
        (lambda b, s, m, t: {s: [choice_id(b, "Bus"), choice_id(b, "Walk")]}, 0, "one answer"),
        (lambda b, s, m, t: {s: [choice_id(b, "Bus")], m: [choice_id(b, c) for c in
                             ("Trees", "Benches", "Lights")]}, 1, "at most 2 answers"),
        (lambda b, s, m, t: {s: [choice_id(b, "Bus")], t: "x" * 21}, 2, "within 20 characters"),
        (lambda b, s, m, t: {s: [choice_id(b, "Bus")], t: ["x"]}, 2, "in words"),
        (lambda b, s, m, t: {s: "abc"}, 0, "among the answers offered"),
    ],
)  # fmt: skip
def test_answers_that_break_a_question_are_refused_at_that_question(
    ctx, make_answers, question, words
):
    ballot = make_ballot(questions=survey_questions())
    keys = [str(q.id) for q in ballot.questions]
    with pytest.raises(answers.AnswersRefused) as refused:
        services.cast_vote(resident(), ballot, ["1"], make_answers(ballot, *keys))
    assert refused.value.status == 422
    assert words in refused.value.errors[ballot.questions[question].id]
    assert len(refused.value.errors) == 1
    assert votes(ballot) == []


def test_every_wrong_answer_is_named_at_once(ctx):
    ballot = make_ballot(questions=survey_questions())
    single_q, multiple_q, _text_q = (str(q.id) for q in ballot.questions)
    with pytest.raises(answers.AnswersRefused) as refused:
        services.cast_vote(resident(), ballot, ["1"], {multiple_q: ["0"]})
    assert set(refused.value.errors) == {ballot.questions[0].id, ballot.questions[1].id}


def test_a_multiple_choice_needs_its_least_number_of_answers(ctx):
    questions = survey_questions()
    questions[1].min_choices = 2
    ballot = make_ballot(questions=questions)
    single_q, multiple_q, _text_q = (str(q.id) for q in ballot.questions)
    said = {single_q: [choice_id(ballot, "Bus")], multiple_q: [choice_id(ballot, "Trees")]}
    with pytest.raises(answers.AnswersRefused) as refused:
        services.cast_vote(resident(), ballot, [], said)
    assert "at least 2 answers" in refused.value.errors[ballot.questions[1].id]


def test_the_form_is_read_for_the_ballots_questions_only(ctx):
    from werkzeug.datastructures import MultiDict

    ballot = make_ballot(questions=survey_questions())
    single_q, multiple_q, text_q = ballot.questions
    form = MultiDict(
        [
            (single_q.field_name, ""),  # "No answer"
            (multiple_q.field_name, "5"),
            (multiple_q.field_name, "6"),
            (text_q.field_name, "  Lights\x0b please  "),
            ("question-999999", "x"),
        ]
    )
    assert answers.read(ballot, form) == {str(multiple_q.id): ["5", "6"],
                                          str(text_q.id): "Lights please"}  # fmt: skip


# Counts and free-text answers


def answered_ballot() -> Ballot:
    """Three voters: Bus, Bus and Metro; Trees twice and Lights once; two free texts."""
    ballot = make_ballot(questions=survey_questions())
    single_q, multiple_q, text_q = (str(q.id) for q in ballot.questions)
    for single_choice, many, words in [
        ("Bus", ["Trees", "Lights"], "Zebra crossing"),
        ("Bus", ["Trees"], None),
        ("Metro", [], "A bench"),
    ]:
        said = {single_q: [choice_id(ballot, single_choice)]}
        if many:
            said[multiple_q] = [choice_id(ballot, c) for c in many]
        if words:
            said[text_q] = words
        services.cast_vote(resident(), ballot, ["1"], said)
    return ballot


def test_counts_per_answer_and_per_question(ctx):
    ballot = answered_ballot()
    single_q, multiple_q, text_q = survey.counts(ballot)
    assert single_q.answered == 3
    assert [(c.choice.label_en, c.ballots) for c in single_q.choices] == [
        ("Bus", 2), ("Metro", 1), ("Walk", 0),
    ]  # fmt: skip
    assert multiple_q.answered == 2
    assert [c.ballots for c in multiple_q.choices] == [2, 0, 1]
    assert (text_q.answered, text_q.choices) == (2, [])


def test_free_text_answers_go_to_admins_once_voting_closed_without_voters(admin):
    ballot = answered_ballot()
    with pytest.raises(Refused, match="once voting has closed") as refused:
        survey.download_text_answers(admin, ballot)
    assert refused.value.status == 409
    ballot.cycle.phase = Phase.RESULTS.value
    rows = survey.download_text_answers(admin, ballot)
    assert rows == [
        (3, "რა გავაუმჯობესოთ?", "What should we improve?", "A bench"),
        (3, "რა გავაუმჯობესოთ?", "What should we improve?", "Zebra crossing"),
    ]
    assert (
        len(db.session.scalars(audit.entries("budget.answers_downloaded", ballot.ref)).all()) == 1
    )


def test_the_anonymised_ballots_file_carries_no_answer(ctx):
    ballot = answered_ballot()
    exported = pabulib.write(elections.export_pb(ballot))
    assert "Zebra crossing" not in exported
    assert "answers" not in exported


def test_erasing_an_account_removes_its_words_and_keeps_its_choices(ctx):
    questions = survey_questions()
    questions[2].required = True  # even a required answer goes: the words may name the voter
    ballot = make_ballot(questions=questions)
    voter = resident()
    single_q, _multiple_q, text_q = (str(q.id) for q in ballot.questions)
    services.cast_vote(voter, ballot, ["2"], {single_q: [choice_id(ballot, "Bus")],
                                             text_q: "I am Nino from Vake"})  # fmt: skip
    datarights.erase(voter)
    db.session.expire_all()
    (vote,) = votes(ballot)
    assert vote.voter_id is None
    assert vote.answers == {single_q: [int(choice_id(ballot, "Bus"))]}
    assert "Nino" not in repr(datarights.export(voter))


def test_the_demo_ballots_carry_one_question_of_each_kind_once(ctx):
    demo.load()
    demo.load()
    cycle = db.session.scalars(db.select(Cycle).where(Cycle.title_ka == demo.DEMO_TITLE)).one()
    for ballot in cycle.ballots:
        assert [q.kind for q in ballot.questions] == [k.value for k in QuestionKind]
        assert all(q.prompt_en for q in ballot.questions)
