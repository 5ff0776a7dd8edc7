"""Small factories for test data."""

from itertools import count

from accounts.services import hasher
from core.db import db, utcnow
from core.districts import by_slug
from core.models import Role, RoleGrant, User
from news import services as news_services
from news.models import Post

_numbers = count(1)
PASSWORD = "correct horse battery"


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
        password_hash=hasher.hash(PASSWORD),
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
