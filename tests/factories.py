"""Small factories for test data."""

from functools import cache
from itertools import count

from flask_login import AnonymousUserMixin

from accounts.services import hasher
from core.db import db, utcnow
from core.districts import by_slug
from core.models import Role, RoleGrant, User
from news import services as news_services
from news.models import Post

_numbers = count(1)
PASSWORD = "correct horse battery"


@cache
def password_hash(password: str) -> str:
    """Hashed once per run: argon2 takes most of a second, and every test user shares it."""
    return hasher.hash(password)


def make_user(
    role: Role | None = None,
    *,
    confirmed: bool = True,
    districts=(),
    locale="ka",
    email: str | None = None,
    name: str = "Nino Beridze",
) -> User:
    user = User(
        email=email or f"user{next(_numbers)}@example.org",
        name=name,
        locale=locale,
        password_hash=password_hash(PASSWORD),
        email_confirmed_at=utcnow() if confirmed else None,
    )
    if role and role != Role.RESIDENT:
        for district in [by_slug(slug) for slug in districts] or [None]:
            user.grants.append(RoleGrant(role=role.value, district_id=district and district.id))
    db.session.add(user)
    db.session.commit()
    return user


def log_in(client, user: User, password: str = PASSWORD):
    from tests.conftest import submit

    response = submit(client, "/accounts/login", {"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


ANONYMOUS = "anonymous"
ROLES = (ANONYMOUS, *Role)  # the order of the columns in permission tables


def user_in_memory(role: Role | str, *, confirmed: bool = True, active: bool = True):
    """A user for permission functions, without the database (anonymous: Flask-Login's)."""
    if role == ANONYMOUS:
        return AnonymousUserMixin()
    user = User(
        email=f"user{next(_numbers)}@example.org",
        active=active,
        email_confirmed_at=utcnow() if confirmed else None,
    )
    if role != Role.RESIDENT:
        user.grants.append(
            RoleGrant(role=role.value, district_id=1 if role == "district_staff" else None)
        )
    return user


def make_post(app, publish=True, **changes) -> Post:
    data = {
        "title_ka": "ტრენინგი გამგეობებისთვის",
        "body_ka": "ტრენინგი **დაიწყო**.",
        "title_en": "Training for districts",
        "body_en": "Training **has begun**.",
        "kind": "training",
        "tags": ["ogp", "training"],
    }
    data.update(changes)
    with app.test_request_context():
        post = news_services.save_post(None, news_services.PostInput(**data), None)
        if publish:
            news_services.publish(post, None)
        db.session.commit()
    return post
