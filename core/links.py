"""The link registry: every object has a reference (`news:7`, `petition:42`), each module tells
how to show its objects, and any two objects can be linked."""

import re
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, or_, select
from sqlalchemy.dialects.postgresql import insert

from core import audit
from core.db import db
from core.errors import Refused
from core.inputs import is_id
from core.models import Link, User

REF_PATTERN = re.compile(r"^([a-z_]+):(\d{1,12})$")


@dataclass(frozen=True)
class LinkTarget:
    ref: str
    kind_label: str
    title: str
    url: str
    status: str | None = None


Resolver = Callable[[int], LinkTarget | None]
_resolvers: dict[str, Resolver] = {}


def register(kind: str, resolver: Resolver) -> None:
    _resolvers[kind] = resolver


def parse_ref(ref: str) -> tuple[str, int]:
    match = REF_PATTERN.match((ref or "").strip())
    if not match or match.group(1) not in _resolvers or not is_id(int(match.group(2))):
        raise Refused(_("“%(ref)s” is not a known reference.", ref=ref), field="ref")
    return match.group(1), int(match.group(2))


def resolve(ref: str) -> LinkTarget | None:
    kind, object_id = parse_ref(ref)
    return _resolvers[kind](object_id)


def related(ref: str) -> list[LinkTarget]:
    """What `ref` is linked with, in either direction; objects that no longer exist are skipped."""
    rows = db.session.execute(
        select(Link.a_ref, Link.b_ref).where(or_(Link.a_ref == ref, Link.b_ref == ref))
    )
    targets = []
    for a_ref, b_ref in rows:
        other = b_ref if a_ref == ref else a_ref
        try:
            target = resolve(other)
        except Refused:
            continue
        if target:
            targets.append(target)
    return sorted(targets, key=lambda t: (t.kind_label, t.title))


def link(first: str, second: str, actor: User | None = None) -> None:
    """Link two existing objects; linking twice changes nothing."""
    first, second = first.strip(), second.strip()
    if first == second:
        raise Refused(_("An object cannot be linked to itself."), field="ref")
    for ref in (first, second):
        if resolve(ref) is None:
            raise Refused(_("“%(ref)s” does not exist.", ref=ref), status=404, field="ref")
    a_ref, b_ref = sorted((first, second))
    db.session.execute(
        insert(Link)
        .values(a_ref=a_ref, b_ref=b_ref, created_by_id=actor.id if actor else None)
        .on_conflict_do_nothing()
    )
    audit.record(actor, "link.add", a_ref, other=b_ref)


def unlink(first: str, second: str, actor: User | None = None) -> None:
    a_ref, b_ref = sorted((first.strip(), second.strip()))
    db.session.execute(delete(Link).where(Link.a_ref == a_ref, Link.b_ref == b_ref))
    audit.record(actor, "link.remove", a_ref, other=b_ref)
