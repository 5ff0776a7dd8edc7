"""The SQLAlchemy base model with a naming convention, so migrations get stable names."""

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    CursorResult,
    DateTime,
    Executable,
    MetaData,
    false,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def authored_by(column, user) -> ColumnElement[bool]:
    """`column` (an author's id) is this user's; false for a visitor. Comparing with a visitor's
    missing id would be `IS NULL`, which matches every row whose author deleted the account."""
    user_id = getattr(user, "id", None)
    return column == user_id if user_id is not None else false()


def execute_core(statement: Executable, params: Mapping[str, Any]) -> CursorResult[Any]:
    """A Core statement on the session's connection, past the ORM's execution (which costs
    more Python time than a hot request's statement itself). Unlike the session's execute it
    does not flush pending changes first: only for statements that do not depend on what the
    session holds unflushed."""
    return db.session.connection().execute(statement, params)


def utcnow() -> datetime:
    return datetime.now(UTC)


def created_at_column() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


def enum_check(
    column: str, enum: type[StrEnum], name: str, exclude: Iterable[StrEnum] = ()
) -> CheckConstraint:
    """A CHECK that `column` holds one of the enum's values, written from the enum itself.

    A value added to the enum changes this text, so the migration test asks for a migration.
    """
    skipped = set(exclude)
    values = ", ".join(_sql_literal(member.value) for member in enum if member not in skipped)
    return CheckConstraint(f"{column} IN ({values})", name=name)


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
