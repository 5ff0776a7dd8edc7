"""Counting signatures (SPEC §4 "Counting under load"): a single job adds the uncounted
signatures to each petition's shown count and to its tallies by day and district, in batches,
so that signing never updates the petition row; then progress notices and thresholds, each
recorded once. A nightly reconciliation recounts everything from the signatures."""

from collections import Counter
from datetime import timedelta

from sqlalchemy import bindparam, delete, select, text
from sqlalchemy.dialects.postgresql import insert

from core import events
from core.db import db, utcnow
from core.i18n import city_zone
from petitions import announcements, settings
from petitions.models import Petition, SignatureTally, Status, ThresholdCrossing
from petitions.services import move

PROGRESS_STEPS = (33, 66, 100)  # per cent of the first threshold, told once each
COUNT_BATCH = 50_000

# The counter's statements, in the order every writer locks: signatures, then the petition
# row, then its tallies (a removal does the same, so neither waits on the other in a circle).
MARK_COUNTED = text(
    """
    WITH batch AS (
        SELECT id FROM petition_signature WHERE NOT counted AND invalidation_id IS NULL
        ORDER BY id LIMIT :batch FOR UPDATE SKIP LOCKED
    ), marked AS (
        UPDATE petition_signature s SET counted = true FROM batch
        WHERE s.id = batch.id RETURNING s.petition_id, s.district_id, s.created_at
    )
    SELECT petition_id, date(timezone(:zone, created_at)), district_id, count(*)
    FROM marked GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    """
)
ADD_TO_COUNTS = text(
    """
    UPDATE petition p SET shown_count = p.shown_count + added.n
    FROM unnest(CAST(:ids AS integer[]), CAST(:ns AS integer[])) AS added(id, n)
    WHERE p.id = added.id
    RETURNING p.id, p.shown_count - added.n AS before, p.shown_count AS after
    """
)


def _add_to_tallies(rows: list) -> None:
    table = SignatureTally.__table__
    statement = insert(table).values(
        petition_id=bindparam("the_petition"),
        day=bindparam("the_day"),
        district_id=bindparam("the_district"),
        signatures=bindparam("added"),
    )
    statement = statement.on_conflict_do_update(
        index_elements=["petition_id", "day", "district_id"],
        set_={"signatures": table.c.signatures + statement.excluded.signatures},
    )
    values = ("the_petition", "the_day", "the_district", "added")
    db.session.execute(statement, [dict(zip(values, row, strict=True)) for row in rows])


def _count_batch(batch: int) -> list:
    """Count one batch: (petition id, count before, count after) of each petition moved."""
    rows = db.session.execute(MARK_COUNTED, {"batch": batch, "zone": city_zone().key}).all()
    if not rows:
        return []
    added = Counter()
    for petition_id, _day, _district, n in rows:
        added[petition_id] += n
    ids = sorted(added)
    moved = db.session.execute(ADD_TO_COUNTS, {"ids": ids, "ns": [added[i] for i in ids]}).all()
    _add_to_tallies(rows)
    return moved


def count_new_signatures(batch: int = COUNT_BATCH) -> int:
    """Add new signatures to the shown counts and the tallies by day and district, a batch at
    a time; then thresholds and progress notices for the petitions that moved. Returns the
    number of signatures counted."""
    total = 0
    while True:
        moved = _count_batch(batch)
        counted = sum(after - before for _, before, after in moved)
        for petition_id, before, after in moved:
            _after_count(db.session.get(Petition, petition_id), before, after)
        total += counted
        if counted < batch:
            db.session.flush()
            return total


RECOUNT = text(
    """
    UPDATE petition p SET shown_count = c.n
    FROM (SELECT p2.id, count(s.id) AS n FROM petition p2
          LEFT JOIN petition_signature s
            ON s.petition_id = p2.id AND s.counted AND s.invalidation_id IS NULL
          GROUP BY p2.id) c
    WHERE p.id = c.id AND p.shown_count <> c.n
    """
)
RETALLY = text(
    """
    INSERT INTO petition_signature_tally (petition_id, day, district_id, signatures)
    SELECT petition_id, date(timezone(:zone, created_at)), district_id, count(*)
    FROM petition_signature
    WHERE counted AND invalidation_id IS NULL
      AND (CAST(:petition_id AS integer) IS NULL OR petition_id = :petition_id)
    GROUP BY 1, 2, 3
    """
)


def reconcile() -> int:
    """Nightly: recount every petition from its counted signatures and rebuild the tallies by
    day and district; returns how many shown counts changed."""
    # Petitions locked first (not against signing's key-share locks), so the recount, a
    # statement of its own, sees every removal committed before it and none can slip between.
    db.session.execute(select(Petition.id).order_by(Petition.id).with_for_update(key_share=True))
    changed = db.session.execute(RECOUNT).rowcount
    retally()  # petitions, then tallies: the order the counter and removals lock them in
    return changed


def retally(petition_id: int | None = None) -> None:
    """Rebuild the tallies by day and district from the counted signatures (of one petition,
    or of all)."""
    rows = select(SignatureTally.id)
    if petition_id is not None:
        rows = rows.where(SignatureTally.petition_id == petition_id)
    # Locked in the order the counter and removals lock them, so none waits on the other.
    order = (SignatureTally.petition_id, SignatureTally.day, SignatureTally.district_id)
    locked = db.session.scalars(rows.order_by(*order).with_for_update()).all()
    db.session.execute(delete(SignatureTally).where(SignatureTally.id.in_(locked)))
    db.session.execute(RETALLY, {"zone": city_zone().key, "petition_id": petition_id})


def _after_count(petition: Petition, before: int, after: int) -> None:
    db.session.refresh(petition, ["shown_count"])
    thresholds = settings.thresholds()
    for step in PROGRESS_STEPS:
        mark = -(-thresholds[0] * step // 100)  # rounded up
        if before < mark <= after:
            _progress_notice(petition, step)
    for threshold in thresholds:
        if before < threshold <= after:
            cross_threshold(petition, threshold, after)


def _progress_notice(petition: Petition, step: int) -> None:
    events.emit(
        "petition.progress",
        petition.ref,
        {"petition_id": petition.id, "percent": step},
        once_key=f"{petition.ref}:progress:{step}",
    )


def cross_threshold(petition: Petition, threshold: int, count: int) -> bool:
    """Record a crossing once (a unique row); only the first records its consequences."""
    crossing = db.session.execute(
        insert(ThresholdCrossing)
        .values(petition_id=petition.id, threshold=threshold, count_at_crossing=count)
        .on_conflict_do_nothing()
        .returning(ThresholdCrossing.id)
    ).scalar_one_or_none()
    if petition.status == Status.OPEN:  # also again, after removed signatures took it back
        petition.response_due_at = utcnow() + timedelta(days=settings.response_days())
        move(petition, Status.THRESHOLD_REACHED, None, "threshold_reached", threshold=threshold)
    if crossing is None:
        return False
    events.emit(
        "petition.threshold",
        petition.ref,
        {
            "petition_id": petition.id,
            "threshold": threshold,
            "news": announcements.threshold_reached(petition, threshold),
        },
        once_key=f"{petition.ref}:threshold:{threshold}",
    )
    return True
