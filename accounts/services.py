"""Account rules: sign-up, confirmation, log-in, reset, profile, roles and residency.

Answers never reveal whether an e-mail address has an account.
"""

import csv
import hashlib
import hmac
import io
import re
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select

from accounts import tokens
from accounts.models import CensusEntry
from core import audit, mail
from core.db import db, utcnow
from core.districts import by_slug
from core.errors import Refused
from core.models import District, Role, RoleGrant, User

hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both answers take the same time.
_DUMMY_HASH = hasher.hash("not a real password")
PERSONAL_NUMBER = re.compile(r"^\d{11}$")
CENSUS_BATCH = 10_000


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalars(select(User).where(User.email == normalise_email(email))).first()


def _external(endpoint: str, **values) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def send_confirmation(user: User) -> None:
    link = _external("accounts.confirm", token=tokens.confirmation_token(user))
    hours = current_app.config["EMAIL_CONFIRM_MAX_AGE"] // 3600
    mail.queue(user.email, "confirm_email", user.locale, user=user, link=link, hours=hours)


def sign_up(name: str, email: str, password: str, locale: str) -> User | None:
    """Create an unconfirmed account; for a known address, tell its owner instead."""
    existing = find_user(email)
    password_hash = hasher.hash(password)  # in both branches, so both take as long
    if existing:
        mail.queue(
            existing.email,
            "signup_existing",
            existing.locale,
            user=existing,
            login=_external("accounts.login"),
            reset=_external("accounts.reset_request"),
        )
        return None
    user = User(
        name=name.strip(),
        email=normalise_email(email),
        locale=locale,
        password_hash=password_hash,
    )
    db.session.add(user)
    db.session.flush()
    send_confirmation(user)
    return user


def _link_data(purpose: str, token: str, max_age_key: str, expired: str, invalid: str) -> dict:
    """What a mailed link carries; an expired link answers 410, a forged one 404."""
    try:
        return tokens.read(purpose, token, current_app.config[max_age_key])
    except tokens.TokenExpired as error:
        raise Refused(expired, status=410) from error
    except tokens.TokenInvalid as error:
        raise Refused(invalid, status=404) from error


def confirm_email(token: str) -> User:
    data = _link_data(
        tokens.CONFIRM,
        token,
        "EMAIL_CONFIRM_MAX_AGE",
        _("This confirmation link has expired. Log in to get a new one."),
        _("This confirmation link is not valid."),
    )
    user = db.session.get(User, data["id"])
    if user is None or user.email != data.get("email"):
        raise Refused(_("This confirmation link is not valid."), status=404)
    if not user.is_confirmed:
        user.email_confirmed_at = utcnow()
    return user


def authenticate(email: str, password: str) -> User | None:
    user = find_user(email)
    try:
        hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.is_active:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


def request_password_reset(email: str) -> None:
    user = find_user(email)
    if user is None or not user.is_active:
        return
    link = _external("accounts.reset_password", token=tokens.reset_token(user))
    hours = current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600
    mail.queue(user.email, "reset_password", user.locale, user=user, link=link, hours=hours)


def user_for_reset(token: str) -> User:
    data = _link_data(
        tokens.RESET,
        token,
        "PASSWORD_RESET_MAX_AGE",
        _("This reset link has expired. Please ask for a new one."),
        _("This reset link is not valid."),
    )
    user = db.session.get(User, data["id"])
    if user is None or not tokens.matches_password(user, data):
        raise Refused(_("This reset link has already been used or is not valid."), status=404)
    return user


def _set_password(user: User, password: str) -> None:
    """A new password also ends every session of the account (the cookie's id changes)."""
    user.password_hash = hasher.hash(password)
    user.session_version += 1


def log_out(user: User) -> None:
    """Logging out ends every session of the account, on every device: with signed-cookie
    sessions there is no per-device record to end alone, and a copied session or remember-me
    cookie must stop working. It also lets someone who forgot to log out on a shared computer
    end that session from home."""
    user.session_version += 1
    audit.record(user, "account.logout", f"user:{user.id}")


def change_password(user: User, current: str, new: str) -> None:
    try:
        hasher.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError) as error:
        raise Refused(
            _("The current password is not right."), status=422, field="current_password"
        ) from error
    _set_password(user, new)
    audit.record(user, "account.password", f"user:{user.id}")


def reset_password(token: str, password: str) -> User:
    user = user_for_reset(token)
    _set_password(user, password)
    # Receiving the link proves the address, too.
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    return user


def update_profile(user: User, name: str, district_id: int | None, locale: str) -> None:
    if district_id is not None and db.session.get(District, district_id) is None:
        raise Refused(_("Please choose a district from the list."), field="district")
    user.name, user.district_id, user.locale = name.strip(), district_id, locale


def create_user(email: str, name: str, password: str, role: Role, district_slugs=()) -> User:
    """An account made by an administrator: confirmed, with its role."""
    if find_user(email):
        raise Refused(_("An account with this e-mail address already exists."))
    user = User(
        email=normalise_email(email),
        name=name,
        password_hash=hasher.hash(password),
        email_confirmed_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    grant_role(user, role, district_slugs)
    return user


def grant_role(user: User, role: Role, district_slugs=(), actor: User | None = None) -> None:
    if role == Role.RESIDENT:
        return
    if role == Role.DISTRICT_STAFF and not district_slugs:
        raise Refused(_("District staff need at least one district."))
    if role != Role.DISTRICT_STAFF and district_slugs:
        raise Refused(_("Only district staff are scoped to districts."))
    districts = []
    for slug in district_slugs:
        district = by_slug(slug)
        if district is None:
            raise Refused(_("Unknown district “%(slug)s”.", slug=slug))
        districts.append(district)
    existing = {(g.role, g.district_id) for g in user.grants}
    for district in districts or [None]:
        key = (role.value, district.id if district else None)
        if key not in existing:
            user.grants.append(RoleGrant(role=key[0], district_id=key[1]))
    db.session.flush()
    audit.record(
        actor, "role.grant", f"user:{user.id}", role=role.value, districts=list(district_slugs)
    )


def personal_number_hmac(personal_number: str) -> str:
    key = current_app.config["PERSONAL_NUMBER_KEY"].encode()
    return hmac.new(key, personal_number.encode(), hashlib.sha256).hexdigest()


@dataclass
class CensusImport:
    imported: int = 0
    problems: list[str] = field(default_factory=list)


def _census_rows(text: str):
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"personal_number", "district"} <= set(reader.fieldnames):
        raise Refused(_("The CSV needs the columns personal_number and district."))
    yield from enumerate(reader, start=2)


def import_census(text: str, actor: User) -> CensusImport:
    """Replace the census list; lines with problems are reported and skipped."""
    districts = {d.slug: d.id for d in db.session.scalars(select(District))}
    entries: dict[str, int] = {}
    result = CensusImport()
    for line, row in _census_rows(text):
        number = (row.get("personal_number") or "").strip()
        slug = (row.get("district") or "").strip()
        if not PERSONAL_NUMBER.match(number):
            result.problems.append(
                _("Line %(line)s: the personal number must have 11 digits.", line=line)
            )
        elif slug not in districts:
            result.problems.append(
                _("Line %(line)s: unknown district “%(slug)s”.", line=line, slug=slug)
            )
        else:
            entries[personal_number_hmac(number)] = districts[slug]
    db.session.execute(delete(CensusEntry))
    rows = [{"personal_number_hmac": h, "district_id": d} for h, d in entries.items()]
    for start in range(0, len(rows), CENSUS_BATCH):  # a city's list has about a million lines
        db.session.execute(insert(CensusEntry), rows[start : start + CENSUS_BATCH])
    result.imported = len(rows)
    audit.record(
        actor, "census.import", None, imported=result.imported, problems=len(result.problems)
    )
    return result


def census_size() -> int:
    return db.session.scalar(select(func.count()).select_from(CensusEntry))


def verify_residency(user: User, personal_number: str, district_id: int) -> District:
    number = personal_number.strip()
    if not PERSONAL_NUMBER.match(number):
        raise Refused(_("A personal number has 11 digits."), field="personal_number")
    digest = personal_number_hmac(number)
    entry = db.session.scalars(
        select(CensusEntry).where(
            CensusEntry.personal_number_hmac == digest, CensusEntry.district_id == district_id
        )
    ).first()
    if entry is None:
        raise Refused(
            _("This personal number and district do not match the census list."),
            status=422,
            field="personal_number",
        )
    holder = db.session.scalars(select(User).where(User.personal_number_hmac == digest)).first()
    if holder is not None and holder.id != user.id:
        raise Refused(
            _("This personal number already verifies another account."),
            status=409,
            field="personal_number",
        )
    user.personal_number_hmac, user.verified_district_id = digest, district_id
    user.residency_verified_at = utcnow()
    user.district_id = user.district_id or district_id
    db.session.flush()
    return user.verified_district
