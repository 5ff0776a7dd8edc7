"""Demo data: a budget cycle in its voting phase with a points ballot per district and its
survey questions, and a closed past election (a small made-up .pb file) with its results."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from budgeting import elections, pabulib, services
from budgeting.models import (
    Ballot,
    BallotKind,
    Cycle,
    Option,
    Phase,
    Question,
    QuestionChoice,
    QuestionKind,
    Rule,
)
from core.db import db, utcnow
from core.districts import all_districts

DEMO_ELECTION = Path(__file__).with_name("demo_election.pb")
DEMO_TITLE = "ბიუჯეტი 2027"
PRIORITIES = [
    ("roads", "გზები და ტროტუარები", "Roads and pavements"),
    ("parks", "სკვერები და გამწვანება", "Squares and greenery"),
    ("children", "სათამაშო მოედნები", "Playgrounds"),
    ("lighting", "ქუჩის განათება", "Street lighting"),
    ("yards", "ეზოების კეთილმოწყობა", "Courtyards"),
    ("social", "სოციალური პროგრამები", "Social programmes"),
]

HEARD_FROM = [
    ("სოციალური ქსელებიდან", "Social media"),
    ("მეგობრებისგან ან მეზობლებისგან", "Friends or neighbours"),
    ("მერიის ვებგვერდიდან", "City Hall's website"),
    ("რაიონის გამგეობიდან", "The district administration"),
]
TAKE_PART = [
    ("საჯარო შეხვედრები", "Public meetings"),
    ("პროექტების შეთავაზება", "Proposing projects"),
    ("პროექტების შესრულების მონიტორინგი", "Following how projects are carried out"),
]


def _questions() -> list[Question]:
    """The survey that accompanies each demo ballot: one question of each kind."""

    def choices(pairs):
        return [QuestionChoice(position=n, label_ka=ka, label_en=en)
                for n, (ka, en) in enumerate(pairs, start=1)]  # fmt: skip

    return [
        Question(
            position=1,
            kind=QuestionKind.SINGLE.value,
            prompt_ka="საიდან შეიტყვეთ ამ გამოკითხვის შესახებ?",
            prompt_en="How did you hear about this survey?",
            choices=choices(HEARD_FROM),
        ),
        Question(
            position=2,
            kind=QuestionKind.MULTIPLE.value,
            prompt_ka="რაში მიიღებდით მონაწილეობას მომავალ წელს?",
            prompt_en="What would you take part in next year?",
            max_choices=2,
            choices=choices(TAKE_PART),
        ),
        Question(
            position=3,
            kind=QuestionKind.TEXT.value,
            prompt_ka="რა უნდა გაუმჯობესდეს თქვენს რაიონში პირველ რიგში?",
            prompt_en="What should be improved first in your district?",
            max_length=500,
        ),
    ]


def load() -> str:
    cycle = db.session.scalar(select(Cycle).where(Cycle.title_ka == DEMO_TITLE))
    made = 0
    if cycle is None:
        cycle = _cycle()
        made = len(cycle.ballots)
    imported = db.session.scalar(select(Ballot).where(Ballot.meta["unit"].astext == "Tbilisi"))
    if imported is None:
        elections.import_pb(pabulib.parse(DEMO_ELECTION.read_text(encoding="utf-8")))
    past = "kept" if imported else "imported"
    return f"budgeting: {made} district ballots made, past election {past}"


def _cycle() -> Cycle:
    now = utcnow()
    cycle = Cycle(
        title_ka=DEMO_TITLE,
        title_en="Budget 2027",
        proposals_at=now - timedelta(days=40),
        review_at=now - timedelta(days=20),
        voting_at=now - timedelta(days=2),
        results_at=now + timedelta(days=19),
    )
    for district in all_districts():
        cycle.ballots.append(
            Ballot(
                district_id=district.id,
                title_ka=f"{district.name_ka}: ბიუჯეტის პრიორიტეტები",
                title_en=f"{district.name_en}: budget priorities",
                kind=BallotKind.POINTS.value,
                rule=Rule.POINTS.value,
                budget=Decimal(2_000_000),
                options=[Option(code=c, name_ka=ka, name_en=en) for c, ka, en in PRIORITIES],
                tie_break=sorted(c for c, _, _ in PRIORITIES),
                questions=_questions(),
            )
        )
    db.session.add(cycle)
    db.session.flush()
    services.move_phase(cycle, Phase.VOTING)
    return cycle
