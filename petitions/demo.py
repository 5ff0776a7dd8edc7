"""Demo petitions in every state, with signatures across districts. The texts are adapted
from real UK Parliament petitions (Open Government Licence v3.0; see
/work/shared/data/petitions/SOURCES.md), moved to Tbilisi and without their authors' names."""

from datetime import timedelta

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as upsert

from core.db import db, utcnow
from core.districts import all_districts
from core.models import User
from petitions import settings
from petitions.models import Petition, Signature, Sponsor, Status

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
    petition has been open (faster at first), so its count, chart and map agree and the
    nightly recount changes nothing."""
    sample = signers[: int(settings.first_threshold() * share)]
    opened, hours_open = petition.opened_at, (utcnow() - petition.opened_at).total_seconds() / 3600
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


def load() -> str:
    if db.session.scalar(select(Petition.id).where(Petition.author.has(email=DEMO_AUTHOR))):
        return "petitions: already there"
    author, districts = _author(), all_districts()
    most = max(share for *_, share in PETITIONS)
    signers = _signers(districts, max(int(settings.first_threshold() * most), DEMO_SIGNERS))
    now = utcnow()
    for i, (title, summary, topic, status, share) in enumerate(PETITIONS):
        language = "en" if title.isascii() else "ka"
        petition = Petition(
            author_id=author.id,
            district_id=districts[i % len(districts)].id,
            title=title,
            summary=summary,
            topic=topic,
            language=language,
            status=status.value,
            sponsor_key=f"demo-{i}-{now.timestamp():.0f}"[:32],
        )
        db.session.add(petition)
        db.session.flush()
        for signer in signers[: settings.sponsors_needed()]:
            db.session.add(Sponsor(petition_id=petition.id, user_id=signer[0]))
        if status in (Status.OPEN, Status.RESPONDED):
            petition.opened_at = now - timedelta(days=10 + i)
            petition.deadline = petition.opened_at + timedelta(days=settings.open_days())
            _signatures(petition, signers, share)
        if status == Status.RESPONDED:
            petition.response_due_at = now + timedelta(days=settings.response_days())
            petition.response_text = (
                "მერია იზიარებს პეტიციის მოთხოვნას: ყველა სერვისი ხელმისაწვდომი დარჩება "
                "ციფრული პირადობის გარეშეც."
            )
            petition.responded_at = now
        if status == Status.REJECTED:
            petition.rejection_reason = "unclear"
            petition.rejection_explanation = "The petition does not say what City Hall can do."
    db.session.flush()
    return f"petitions: {len(PETITIONS)} petitions loaded"
