"""Budget cycles and ballots for tests."""

from datetime import timedelta
from decimal import Decimal

from budgeting.models import (
    Ballot,
    BallotKind,
    Cycle,
    Option,
    Phase,
    Proposal,
    Question,
    QuestionChoice,
    QuestionKind,
)
from core.db import db, utcnow
from core.districts import by_slug
from tests.factories import make_user


def make_ballot(
    kind=BallotKind.KNAPSACK, phase=Phase.VOTING, district="vake", questions=(), **limits
) -> Ballot:
    now = utcnow()
    cycle = Cycle(
        title_ka="ბიუჯეტი 2027",
        title_en="Budget 2027",
        phase=Phase.DRAFT.value,
        proposals_at=now - timedelta(days=30),
        review_at=now - timedelta(days=20),
        voting_at=now - timedelta(days=1),
        results_at=now + timedelta(days=10),
    )
    ballot = Ballot(
        cycle=cycle,
        district_id=by_slug(district).id,
        title_ka="ვაკის ბიუჯეტი",
        title_en="Vake budget",
        kind=kind.value,
        rule="points" if kind == BallotKind.POINTS else "greedy",
        budget=Decimal(100000),
        options=[
            Option(code="1", name_ka="სკვერი", name_en="Square", cost=Decimal(60000)),
            Option(code="2", name_ka="სკამები", name_en="Benches", cost=Decimal(30000)),
            Option(code="3", name_ka="განათება", name_en="Lights", cost=Decimal(50000)),
        ],
        tie_break=["1", "2", "3"],
        questions=list(questions),
        **limits,
    )
    db.session.add(cycle)
    db.session.flush()
    # The state itself, as the services leave it (they need an app context for events).
    cycle.phase = phase.value
    ballot.frozen = phase in (Phase.VOTING, Phase.RESULTS)
    db.session.flush()
    return ballot


def resident(district="vake"):
    user = make_user()
    user.verified_district_id = by_slug(district).id
    db.session.flush()
    return user


def make_proposal(ballot: Ballot) -> Proposal:
    proposal = Proposal(
        cycle_id=ballot.cycle_id,
        district_id=ballot.district_id,
        title="სკამები",
        description="სკოლასთან",
    )
    db.session.add(proposal)
    db.session.flush()
    return proposal


def survey_questions() -> list[Question]:
    """One question of each kind, for `make_ballot(questions=...)`: a required single choice
    (Bus, Metro, Walk), a multiple choice of one or two (Trees, Benches, Lights) and an
    optional free text of at most 20 characters."""

    def choices(*labels):
        return [
            QuestionChoice(position=n, label_ka=f"{label} ka", label_en=label)
            for n, label in enumerate(labels, start=1)
        ]

    return [
        Question(position=1, kind=QuestionKind.SINGLE.value, prompt_ka="როგორ მოხვედით?",
                 prompt_en="How did you come?", required=True,
                 choices=choices("Bus", "Metro", "Walk")),
        Question(position=2, kind=QuestionKind.MULTIPLE.value, prompt_ka="რა გინდათ?",
                 prompt_en="What do you want?", min_choices=1, max_choices=2,
                 choices=choices("Trees", "Benches", "Lights")),
        Question(position=3, kind=QuestionKind.TEXT.value, prompt_ka="რა გავაუმჯობესოთ?",
                 prompt_en="What should we improve?", max_length=20),
    ]  # fmt: skip


def choice_id(ballot: Ballot, label: str) -> str:
    """The form value of the answer labelled `label` (English) among the ballot's questions."""
    return next(str(c.id) for q in ballot.questions for c in q.choices if c.label_en == label)
