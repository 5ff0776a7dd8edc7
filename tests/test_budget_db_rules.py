"""The database holds the budget rules itself: raw SQL past the services is refused, a frozen
ballot cannot change, and parallel submissions stay one valid ballot per person."""

import json
import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from budgeting import services
from budgeting.models import Ballot, BallotKind, Phase, Vote
from core.db import db
from core.errors import Refused
from core.models import User
from tests.budget_factories import make_ballot, resident

INSERT_VOTE = text(
    "INSERT INTO budget_vote (ballot_id, voter_id, voter_code, choices)"
    " VALUES (:ballot, :voter, md5(random()::text), CAST(:choices AS jsonb))"
)


@pytest.fixture
def ctx(app):
    with app.test_request_context("/?lang=en"):
        yield


def raw_vote(ballot, choices, voter=None) -> None:
    """A vote written past the services, in a savepoint so the test can go on."""
    with db.session.begin_nested():
        db.session.execute(
            INSERT_VOTE,
            {"ballot": ballot.id, "voter": voter, "choices": json.dumps(choices)},
        )


def refused_by(rule: str, write) -> None:
    with pytest.raises(IntegrityError) as raised:
        write()
    assert raised.value.orig.diag.constraint_name == rule


def vote_count(ballot) -> int:
    return db.session.scalar(select(func.count(Vote.id)).where(Vote.ballot_id == ballot.id))


@pytest.mark.parametrize(
    ("kind", "limits", "choices", "rule"),
    [
        (BallotKind.KNAPSACK, {}, ["1", "3"], "budget_vote_within_budget"),
        (BallotKind.KNAPSACK, {}, ["1", "9"], "budget_vote_known_options"),
        (BallotKind.KNAPSACK, {}, ["2", "2"], "budget_vote_known_options"),
        (BallotKind.KNAPSACK, {}, {"1": 100}, "budget_vote_known_options"),
        (BallotKind.APPROVAL, {"max_choices": 2}, ["1", "2", "3"], "budget_vote_within_limits"),
        (BallotKind.APPROVAL, {"min_choices": 2}, ["1"], "budget_vote_within_limits"),
        (BallotKind.RANKING, {"max_choices": 1}, ["3", "1"], "budget_vote_within_limits"),
        (BallotKind.POINTS, {}, {"1": 60, "2": 30}, "budget_vote_points_total"),
        (BallotKind.POINTS, {}, {"1": 101, "2": -1}, "budget_vote_known_options"),
        (BallotKind.POINTS, {}, {"1": 50.5, "2": 49.5}, "budget_vote_known_options"),
        (BallotKind.POINTS, {}, {"1": "100"}, "budget_vote_known_options"),
        (BallotKind.POINTS, {}, {"9": 100}, "budget_vote_known_options"),
    ],
)
def test_raw_sql_votes_that_break_the_rules_are_refused(ctx, kind, limits, choices, rule):
    ballot = make_ballot(kind, **limits)
    refused_by(rule, lambda: raw_vote(ballot, choices))
    assert vote_count(ballot) == 0


@pytest.mark.parametrize(
    ("kind", "choices"),
    [
        (BallotKind.KNAPSACK, ["1", "2"]),
        (BallotKind.KNAPSACK, []),
        (BallotKind.APPROVAL, ["1", "2", "3"]),
        (BallotKind.POINTS, {"1": 70, "2": 30}),
        (BallotKind.POINTS, {}),
    ],
)
def test_raw_sql_votes_within_the_rules_are_stored(ctx, kind, choices):
    ballot = make_ballot(kind)
    raw_vote(ballot, choices)
    assert vote_count(ballot) == 1


def test_a_vote_changed_by_raw_sql_must_still_fit(ctx):
    ballot = make_ballot()
    services.cast_vote(resident(), ballot, ["1", "2"])

    def overspend():
        with db.session.begin_nested():
            db.session.execute(
                text('UPDATE budget_vote SET choices = \'["1", "3"]\' WHERE ballot_id = :b'),
                {"b": ballot.id},
            )

    refused_by("budget_vote_within_budget", overspend)
    assert db.session.scalar(select(Vote.choices).where(Vote.ballot_id == ballot.id)) == [
        "1",
        "2",
    ]


def test_no_vote_before_the_ballot_is_frozen(ctx):
    ballot = make_ballot(phase=Phase.REVIEW)
    refused_by("budget_vote_ballot_frozen", lambda: raw_vote(ballot, ["1"]))


FROZEN_CHANGES = [
    "UPDATE budget_ballot SET budget = 1 WHERE id = :b",
    "UPDATE budget_ballot SET kind = 'approval' WHERE id = :b",
    "UPDATE budget_ballot SET max_choices = 1 WHERE id = :b",
    "UPDATE budget_ballot SET min_choices = 2 WHERE id = :b",
    'UPDATE budget_ballot SET tie_break = \'["3", "2", "1"]\' WHERE id = :b',
    "UPDATE budget_ballot SET frozen = false WHERE id = :b",
    "UPDATE budget_option SET cost = 1 WHERE ballot_id = :b",
    "UPDATE budget_option SET code = 'x' WHERE ballot_id = :b AND code = '1'",
    "DELETE FROM budget_option WHERE ballot_id = :b AND code = '1'",
    "INSERT INTO budget_option (ballot_id, code, name_ka, cost) VALUES (:b, '4', 'ახალი', 5)",
]


@pytest.mark.parametrize("statement", FROZEN_CHANGES)
def test_a_frozen_ballot_cannot_change(ctx, statement):
    ballot = make_ballot()

    def change():
        with db.session.begin_nested():
            db.session.execute(text(statement), {"b": ballot.id})

    refused_by("budget_ballot_frozen", change)
    db.session.expire_all()
    assert ballot.budget == 100000
    assert sorted((o.code, o.cost) for o in ballot.options) == [
        ("1", 60000),
        ("2", 30000),
        ("3", 50000),
    ]


def test_a_frozen_ballot_keeps_its_words_editable(ctx):
    """Titles and descriptions are not what a vote counts on; fixing a typo stays possible."""
    ballot = make_ballot()
    db.session.execute(
        text("UPDATE budget_option SET name_en = 'Park' WHERE ballot_id = :b AND code = '1'"),
        {"b": ballot.id},
    )
    db.session.execute(
        text("UPDATE budget_ballot SET title_en = 'Vake' WHERE id = :b"), {"b": ballot.id}
    )
    db.session.expire_all()
    assert ballot.title_en == "Vake"


def test_the_service_answers_a_database_refusal_with_a_409(ctx):
    ballot = make_ballot(phase=Phase.REVIEW)
    # Another process froze it after this one read it (the loaded ballot still says unfrozen).
    db.session.execute(
        text("UPDATE budget_ballot SET frozen = true WHERE id = :b"), {"b": ballot.id}
    )
    assert not ballot.frozen
    with pytest.raises(Refused, match="frozen") as raised:
        services.add_option(None, ballot, name_ka="ახალი", cost=5)
    assert raised.value.status == 409


def test_an_unfrozen_ballot_can_change_and_a_cycle_can_be_deleted(ctx):
    ballot = make_ballot(phase=Phase.REVIEW)
    db.session.execute(
        text("UPDATE budget_option SET cost = 1 WHERE ballot_id = :b"), {"b": ballot.id}
    )
    frozen = make_ballot(district="saburtalo")
    raw_vote(frozen, ["1"])
    db.session.execute(text("DELETE FROM budget_cycle WHERE id = :c"), {"c": frozen.cycle_id})
    assert db.session.get(Ballot, frozen.id, populate_existing=True) is None


THREADS = 8


def race(app, work) -> list[Exception]:
    """`work(number)` in THREADS threads at once, each committing in its own session."""
    barrier = threading.Barrier(THREADS)
    errors = []

    def run(number):
        with app.test_request_context("/?lang=en"):
            barrier.wait()
            try:
                work(number)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - the test looks at them
                db.session.rollback()
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.fixture
def committed_ballot(app):
    with app.test_request_context("/?lang=en"):
        ballot = make_ballot()
        voters = [resident().id for _ in range(THREADS)]
        db.session.commit()
        return ballot.id, voters


@pytest.mark.live
def test_parallel_submissions_by_one_voter_give_one_ballot(app, committed_ballot):
    ballot_id, voters = committed_ballot
    choices = [["1"], ["2"], ["3"], ["1", "2"], ["2", "3"], [], ["3"], ["2"]]

    def vote(number):
        services.cast_vote(
            db.session.get(User, voters[0]), db.session.get(Ballot, ballot_id), choices[number]
        )

    assert race(app, vote) == []
    with app.app_context():
        stored = db.session.scalars(select(Vote).where(Vote.ballot_id == ballot_id)).all()
        assert len(stored) == 1
        assert stored[0].choices in choices


@pytest.mark.live
def test_parallel_over_budget_votes_are_all_refused(app, committed_ballot):
    ballot_id, voters = committed_ballot

    def overspend(number):
        db.session.execute(
            INSERT_VOTE,
            {"ballot": ballot_id, "voter": voters[number], "choices": '["1", "2", "3"]'},
        )

    errors = race(app, overspend)
    assert len(errors) == THREADS
    assert {e.orig.diag.constraint_name for e in errors} == {"budget_vote_within_budget"}
    with app.app_context():
        assert db.session.scalar(select(func.count(Vote.id))) == 0
