"""Demo petitions in every state, with signatures across districts. The texts are adapted
from real UK Parliament petitions (Open Government Licence v3.0; see
/work/shared/data/petitions/SOURCES.md), moved to Tbilisi and without their authors' names."""

from datetime import timedelta

from sqlalchemy import select

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


def _signers(districts) -> list[User]:
    signers = []
    for n in range(DEMO_SIGNERS):
        email = f"petition-signer-{n}@ghia.localhost"
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(
                email=email,
                name=f"Signer {n}",
                password_hash=NO_PASSWORD,
                locale="ka",
                email_confirmed_at=utcnow(),
                district_id=districts[n % len(districts)].id,
            )
            db.session.add(user)
        signers.append(user)
    db.session.flush()
    return signers


def _signatures(petition: Petition, signers: list[User], share: float) -> None:
    """A sample of real signatures; the rest of the shown count stands for older signers."""
    target = int(settings.first_threshold() * share)
    sample = signers[: min(len(signers), target)]
    # Spread over the days it has been open, faster at first, so the chart has a shape.
    hours_open = (utcnow() - petition.opened_at).total_seconds() / 3600
    for n, user in enumerate(sample):
        signed_at = petition.opened_at + timedelta(hours=hours_open * (n / len(sample)) ** 2)
        db.session.add(
            Signature(
                petition_id=petition.id,
                user_id=user.id,
                district_id=user.district_id,
                counted=True,
                created_at=signed_at,
            )
        )
    petition.shown_count = target


def load() -> str:
    if db.session.scalar(select(Petition.id).where(Petition.author.has(email=DEMO_AUTHOR))):
        return "petitions: already there"
    author, districts = _author(), all_districts()
    signers = _signers(districts)
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
            db.session.add(Sponsor(petition_id=petition.id, user_id=signer.id))
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
