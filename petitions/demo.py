"""Demo petitions in every state, with signatures across districts. The texts are adapted
from real UK Parliament petitions (Open Government Licence v3.0; see
/work/shared/data/petitions/SOURCES.md), moved to Tbilisi and without their authors' names."""

from datetime import timedelta

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as upsert

from core.db import db, utcnow
from core.districts import all_districts
from core.models import User
from petitions import counting, settings
from petitions.models import Petition, Signature, Sponsor, Status, ThresholdCrossing

DEMO_AUTHOR = "petition-demo@ghia.localhost"
PETITIONS = [
    # title, summary, topic, status, signatures (share of the first threshold)
    (
        "ციფრული პირადობის მოწმობა ნებაყოფლობითი იყოს",
        "ვითხოვთ, რომ მერიის სერვისებზე წვდომა ციფრული პირადობის გარეშეც შენარჩუნდეს.",
        "social",
        Status.RESPONDED,
        1.05,
    ),
    (
        "Fund endometriosis clinics in city polyclinics",
        "We ask City Hall to fund specialist endometriosis clinics in municipal polyclinics.",
        "social",
        Status.OPEN,
        0.4,
    ),
    (
        "საბრძოლო ხელოვნების სექციები სკოლებში",
        "ვითხოვთ მუნიციპალური სპორტული სექციების გახსნას საჯარო სკოლებში.",
        "culture",
        Status.OPEN,
        0.1,
    ),
    (
        "Add a bus lane on Chavchavadze Avenue",
        "A dedicated bus lane would shorten the commute for thousands of residents.",
        "transport",
        Status.IN_MODERATION,
        0,
    ),
    (
        "Ban all cars from the city",
        "All private cars should be banned from Tbilisi tomorrow.",
        "transport",
        Status.REJECTED,
        0,
    ),
    (
        "უფასო სასმელი წყლის ონკანები პარკებში",
        "ვითხოვთ სასმელი წყლის ონკანების დამონტაჟებას ქალაქის ყველა დიდ პარკში.",
        "environment",
        Status.THRESHOLD_REACHED,
        1.2,
    ),
    (
        "Keep public libraries open on Sundays",
        "We ask City Hall to open the municipal libraries on Sundays as well.",
        "culture",
        Status.AWAITING_RESPONSE,
        1.1,
    ),
    (
        "ძაღლების სასეირნო მოედნები ყველა რაიონში",
        "ვითხოვთ თითო შემოღობილ სასეირნო მოედანს ძაღლებისთვის თბილისის ყველა რაიონში.",
        "environment",
        Status.CLOSED,
        0.3,
    ),
    (
        "More benches along the Mtkvari embankment",
        "Residents walking along the embankment need more places to rest.",
        "urban_planning",
        Status.COLLECTING_SPONSORS,
        0,
    ),
    (
        "საჯარო ტუალეტები მეტროს სადგურებთან",
        "ვითხოვთ სუფთა საჯარო ტუალეტებს მეტროს ყველა სადგურთან.",
        "urban_planning",
        Status.DRAFT,
        0,
    ),
    (
        "Night buses on weekends",
        "We ask for night bus routes on Friday and Saturday nights.",
        "transport",
        Status.WITHDRAWN,
        0,
    ),
]
DEMO_SIGNERS = 60
NO_PASSWORD = "!"  # noqa: S105 - no hash matches it: demo signers cannot log in


def _author() -> User:
    user = db.session.scalar(select(User).where(User.email == DEMO_AUTHOR))
    if user is None:
        user = User(
            email=DEMO_AUTHOR,
            name="Demo",
            password_hash=NO_PASSWORD,
            locale="ka",
            email_confirmed_at=utcnow(),
        )
        db.session.add(user)
        db.session.flush()
    return user


def _signers(districts, count: int) -> list[tuple[int, int]]:
    """(user id, district id) of `count` demo signers, made in one statement. Some districts
    sign more than others, so the map by district has something to show."""
    rows = [
        {
            "email": f"petition-signer-{n}@ghia.localhost",
            "name": f"Signer {n}",
            "password_hash": NO_PASSWORD,
            "locale": "ka",
            "email_confirmed_at": utcnow(),
            "district_id": districts[int(len(districts) * ((n * 0.618034) % 1) ** 1.7)].id,
        }
        for n in range(count)
    ]
    db.session.execute(upsert(User).on_conflict_do_nothing(), rows)  # batched by SQLAlchemy
    emails = [row["email"] for row in rows]
    found = db.session.execute(
        select(User.email, User.id, User.district_id).where(User.email.in_(emails))
    )
    by_email = {email: (user_id, district_id) for email, user_id, district_id in found}
    return [by_email[email] for email in emails]


def _signatures(petition: Petition, signers: list[tuple[int, int]], share: float) -> None:
    """Real, counted signatures up to `share` of the first threshold, spread over the days the
    petition was open until now or its deadline (faster at first), so its count, chart and map
    agree and the nightly recount changes nothing."""
    sample = signers[: int(settings.first_threshold() * share)]
    opened = petition.opened_at
    hours_open = (min(utcnow(), petition.deadline) - opened).total_seconds() / 3600
    rows = [
        {
            "petition_id": petition.id,
            "user_id": user_id,
            "district_id": district_id,
            "counted": True,
            "created_at": opened + timedelta(hours=hours_open * (n / len(sample)) ** 2),
        }
        for n, (user_id, district_id) in enumerate(sample)
    ]
    db.session.execute(insert(Signature), rows)
    petition.shown_count = len(sample)
    counting.retally(petition.id)


OPENED = {  # opened so many days ago: the closed ones ran past their deadline
    Status.OPEN: 10,
    Status.THRESHOLD_REACHED: 12,
    Status.RESPONDED: 50,
    Status.AWAITING_RESPONSE: 40,
    Status.CLOSED: 45,
}
CROSSED = {  # crossed the threshold so many days after opening
    Status.THRESHOLD_REACHED: 5,
    Status.AWAITING_RESPONSE: 25,
    Status.RESPONDED: 5,
}
ENDED = {Status.CLOSED, Status.AWAITING_RESPONSE, Status.REJECTED, Status.WITHDRAWN}


def _new_petition(author: User, number: int, item: tuple, districts) -> Petition:
    title, summary, topic, status, _share = item
    petition = Petition(
        author_id=author.id,
        district_id=districts[number % len(districts)].id,
        title=title,
        summary=summary,
        topic=topic,
        language="en" if title.isascii() else "ka",
        status=status.value,
        sponsor_key=f"demo-{number}-{utcnow().timestamp():.0f}"[:32],
    )
    db.session.add(petition)
    db.session.flush()
    return petition


def _sponsors(petition: Petition, status: Status, signers) -> None:
    """Enough supporters for moderation; one fewer while still collecting them."""
    if status == Status.DRAFT:
        return
    needed = settings.sponsors_needed()
    wanted = max(needed - 1, 0) if status == Status.COLLECTING_SPONSORS else needed
    for user_id, _district_id in signers[:wanted]:
        db.session.add(Sponsor(petition_id=petition.id, user_id=user_id))


def _open(petition: Petition, status: Status, signers, share: float) -> None:
    now = utcnow()
    petition.opened_at = now - timedelta(days=OPENED[status])
    petition.deadline = petition.opened_at + timedelta(days=settings.open_days())
    _signatures(petition, signers, share)
    if status in CROSSED:
        crossed_at = petition.opened_at + timedelta(days=CROSSED[status])
        petition.response_due_at = crossed_at + timedelta(days=settings.response_days())
        threshold = settings.first_threshold()
        db.session.execute(
            upsert(ThresholdCrossing)
            .values(petition_id=petition.id, threshold=threshold, count_at_crossing=threshold)
            .on_conflict_do_nothing()
        )


def _finish(petition: Petition, status: Status) -> None:
    """What the later steps leave: a closing moment, the response, the rejection's reason."""
    now = utcnow()
    if status in ENDED:
        petition.closed_at = min(now, petition.deadline) if petition.deadline else now
    if status == Status.RESPONDED:
        petition.closed_at = petition.deadline
        petition.response_text = (
            "მერია იზიარებს პეტიციის მოთხოვნას: ყველა სერვისი ხელმისაწვდომი დარჩება "
            "ციფრული პირადობის გარეშეც."
        )
        petition.responded_at = petition.deadline + timedelta(days=3)
    if status == Status.REJECTED:
        petition.rejection_reason = "unclear"
        petition.rejection_explanation = "The petition does not say what City Hall can do."


def _add(author: User, number: int, item: tuple, districts, signers) -> None:
    status, share = item[3], item[4]
    petition = _new_petition(author, number, item, districts)
    _sponsors(petition, status, signers)
    if status in OPENED:
        _open(petition, status, signers, share)
    _finish(petition, status)


def load() -> str:
    """Adds each demo petition that is not there yet (by title), so a database loaded by an
    earlier version gains the new ones and a second run adds nothing."""
    author, districts = _author(), all_districts()
    there = set(db.session.scalars(select(Petition.title).where(Petition.author_id == author.id)))
    missing = [(n, item) for n, item in enumerate(PETITIONS) if item[0] not in there]
    if not missing:
        return "petitions: already there"
    most = max(share for *_, share in PETITIONS)
    signers = _signers(districts, max(int(settings.first_threshold() * most), DEMO_SIGNERS))
    for number, item in missing:
        _add(author, number, item, districts, signers)
    db.session.flush()
    return f"petitions: {len(missing)} petitions loaded"
