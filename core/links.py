"""The link registry: every object has a reference (`news:7`, `petition:42`), each module tells
how to show its objects (`registry.add_link_kind`), and any two objects can be linked."""

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import request
from flask_babel import gettext as _
from sqlalchemy import delete, or_, select
from sqlalchemy.dialects.postgresql import insert

from core import audit
from core.db import db
from core.errors import Refused
from core.inputs import is_id
from core.models import Link, User
from core.registry import current_registry

REF_PATTERN = re.compile(r"^([a-z_]+):(\d{1,12})$")


@dataclass(frozen=True)
class LinkTarget:
    ref: str
    kind_label: str
    title: str
    url: str
    status: str | None = None


Resolver = Callable[[list[int], Any], list[LinkTarget]]
"""`resolver(ids, user)`: the targets among `ids` that exist and `user` may see, in one query."""


class _Platform:
    """The viewer for actions of the platform itself (events, commands): it sees every object,
    drafts included, so an automatic link never fails for want of a role."""

    is_authenticated = is_active = True

    def has_role(self, *roles) -> bool:
        return True


PLATFORM = _Platform()


def _kinds() -> dict[str, Resolver]:
    return current_registry().link_kinds


def _split(ref: str) -> tuple[str, int] | None:
    match = REF_PATTERN.match((ref or "").strip())
    if not match or match.group(1) not in _kinds() or not is_id(int(match.group(2))):
        return None
    return match.group(1), int(match.group(2))


def parse_ref(ref: str) -> tuple[str, int]:
    parsed = _split(ref)
    if parsed is None:
        raise Refused(_("“%(ref)s” is not a known reference.", ref=ref), field="ref")
    return parsed


def resolve_many(refs: Iterable[str], user) -> dict[str, LinkTarget]:
    """The objects behind `refs` that exist and `user` may see, by reference: one query per
    kind, however many references. Unknown kinds and malformed references are left out."""
    ids_by_kind: dict[str, set[int]] = defaultdict(set)
    for parsed in filter(None, map(_split, refs)):
        ids_by_kind[parsed[0]].add(parsed[1])
    kinds = _kinds()
    return {
        target.ref: target
        for kind, ids in ids_by_kind.items()
        for target in kinds[kind](sorted(ids), user)
    }


def resolve(ref: str, user) -> LinkTarget | None:
    kind, object_id = parse_ref(ref)
    return resolve_many([ref], user).get(f"{kind}:{object_id}")


def looks_like_ref(text: str) -> bool:
    return REF_PATTERN.match((text or "").strip()) is not None


def search(words: str, user, exclude: str = "", limit: int = 10) -> list[LinkTarget]:
    """Objects of every searchable kind whose title matches `words`, as `user` may see them;
    `exclude` (the object being linked) is left out. A reference finds its object."""
    if looks_like_ref(words):
        return [t for t in resolve_many([words.strip()], user).values() if t.ref != exclude]
    found = [
        target
        for find in current_registry().link_searches.values()
        for target in find(words.strip(), user, limit)
        if target.ref != exclude
    ]
    return found[:limit]


def related(ref: str, user) -> list[LinkTarget]:
    """What `ref` is linked with, in either direction, as `user` may see it; objects that no
    longer exist are skipped."""
    rows = db.session.execute(
        select(Link.a_ref, Link.b_ref).where(or_(Link.a_ref == ref, Link.b_ref == ref))
    )
    others = [b_ref if a_ref == ref else a_ref for a_ref, b_ref in rows]
    targets = resolve_many(others, user).values()
    return sorted(targets, key=lambda t: (t.kind_label, t.title))


def link(first: str, second: str, actor: User | None = None) -> None:
    """Link two existing objects; linking twice changes nothing."""
    _insert(first.strip(), second.strip(), actor, actor or PLATFORM)


def link_started(new_ref: str, origin_ref: str, actor: User) -> None:
    """Link a new object with the one it was started from (see `origin`): its author may be
    the only one to see it yet (a draft), so both are looked up as the platform would."""
    _insert(new_ref, origin_ref, actor, PLATFORM)


def _insert(first: str, second: str, actor: User | None, viewer) -> None:
    if first == second:
        raise Refused(_("An object cannot be linked to itself."), field="ref")
    for ref in (first, second):
        if resolve(ref, viewer) is None:
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


def origin(value: str | None, user, starter: str) -> LinkTarget | None:
    """What a new object of `starter` (e.g. "petition") starts from, given as `?origin=<ref>`:
    None without one; refused (4xx) when the reference is malformed or too large, of a kind
    that `starter` does not start from, or of an object that `user` may not see. On a form
    being sent, such an origin is dropped instead: what was typed is worth more than the link
    (the object may have been hidden since the form was opened)."""
    if not value:
        return None
    if request.method == "POST":
        try:
            return _origin(value, user, starter)
        except Refused:
            return None
    return _origin(value, user, starter)


def _origin(value: str, user, starter: str) -> LinkTarget:
    parsed = _split(value)
    if parsed is None or len(value) > 40:
        raise Refused(_("The object to start from is not a valid reference."), 400, "origin")
    if parsed[0] not in current_registry().starters[starter].kinds:
        raise Refused(_("Nothing of this kind can be started from that object."), 400, "origin")
    found = resolve_many([value], user).get(f"{parsed[0]}:{parsed[1]}")
    if found is None:
        raise Refused(_("The object to start from does not exist."), 404, "origin")
    return found


def locate(refs: Iterable[str]) -> dict[str, tuple[float, float]]:
    """Where the public objects behind `refs` are, as (longitude, latitude) by reference: one
    query per kind; objects without a place, and kinds that have none, are left out."""
    ids_by_kind: dict[str, set[int]] = defaultdict(set)
    for kind, object_id in filter(None, map(_split, refs)):
        ids_by_kind[kind].add(object_id)
    locators = current_registry().link_locators
    return {
        f"{kind}:{object_id}": point
        for kind, ids in ids_by_kind.items()
        if kind in locators
        for object_id, point in locators[kind](sorted(ids)).items()
    }
