"""Reads for the petition pages, the API, the home panel and the link registry."""

import re

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from core import links
from core.db import db
from core.links import LinkTarget
from core.openapi import point_feature
from core.security import site_url
from petitions.models import Petition, Status, public_clause
from petitions.permissions import can_moderate_petitions

PER_PAGE = 20
WORD = re.compile(r"\w+", re.UNICODE)
SORTS = ("signatures", "newest", "ending")


def _search(statement, query: str):
    """Whole words or word beginnings, since Georgian words inflect (as news does)."""
    words = WORD.findall(query)
    if not words:
        return statement
    prefixes = func.to_tsquery("simple", " & ".join(f"{word}:*" for word in words))
    exact = func.websearch_to_tsquery("simple", query)
    return statement.where(or_(Petition.search.op("@@")(exact), Petition.search.op("@@")(prefixes)))


def public(status=None, district_id=None, topic=None, query=None, sort="signatures"):
    statement = select(Petition).where(public_clause())
    if status:
        statement = statement.where(Petition.status == status)
    if district_id:
        statement = statement.where(Petition.district_id == district_id)
    if topic:
        statement = statement.where(Petition.topic == topic)
    if query:
        statement = _search(statement, query)
    if sort == "newest":
        order = (Petition.opened_at.desc().nulls_last(),)
    elif sort == "ending":
        statement = statement.where(Petition.status.in_([Status.OPEN, Status.THRESHOLD_REACHED]))
        order = (Petition.deadline.asc(),)
    else:
        order = (Petition.shown_count.desc(),)
    return statement.order_by(*order, Petition.id.desc())


def page_of_public(page: int, per_page: int = PER_PAGE, **filters):
    return db.paginate(public(**filters), page=page, per_page=per_page, error_out=False)


def signable(limit: int = 3) -> list[Petition]:
    statement = public(status=Status.OPEN).limit(limit)
    return list(db.session.scalars(statement))


def moderation_queue() -> list[Petition]:
    statement = (
        select(Petition)
        .where(Petition.status == Status.IN_MODERATION)
        .order_by(Petition.updated_at)
    )
    return list(db.session.scalars(statement))


def mine(user) -> list[Petition]:
    statement = select(Petition).where(Petition.author_id == user.id).order_by(Petition.id.desc())
    return list(db.session.scalars(statement))


def link_targets(ids: list[int], user) -> list[LinkTarget]:
    """The petitions among `ids` as "related" entries, in one query; unmoderated ones only for
    moderators and their author."""
    statement = select(Petition).where(Petition.id.in_(ids))
    if not can_moderate_petitions(user):
        author = Petition.author_id == getattr(user, "id", None)
        statement = statement.where(or_(public_clause(), author))
    return [
        LinkTarget(
            petition.ref,
            _("Petition"),
            petition.title,
            url_for("petitions.detail", petition_id=petition.id),
            petition.status_label,
        )
        for petition in db.session.scalars(statement)
    ]


def map_layer() -> dict:
    """Signable petitions started from an object with a place (a map report) as a GeoJSON
    FeatureCollection, each at its origin's point."""
    statement = select(Petition).where(
        Petition.status.in_([Status.OPEN, Status.THRESHOLD_REACHED]),
        Petition.origin_ref.is_not(None),
    )
    petitions = list(db.session.scalars(statement.order_by(Petition.id)))
    points = links.locate(p.origin_ref for p in petitions)
    return {
        "type": "FeatureCollection",
        "features": [
            _feature(petition, points[petition.origin_ref])
            for petition in petitions
            if petition.origin_ref in points
        ],
    }


def _feature(petition: Petition, point: tuple[float, float]) -> dict:
    return point_feature(
        point,
        {
            "ref": petition.ref,
            "title": petition.title,
            "status": petition.status_label,
            "signatures": petition.shown_count,
            "url": site_url("petitions.detail", petition_id=petition.id),
        },
    )
