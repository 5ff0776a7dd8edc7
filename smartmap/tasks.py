"""Smart map jobs: photo processing and follower mail, after the action that asked commits."""

from core import tasks
from core.db import db
from core.storage import storage
from smartmap import held, photos, queries, services
from smartmap.models import Photo

PHOTO_AREA = "map-photos"


@tasks.job("smartmap.process_photo")
def process_photo(photo_id: int) -> None:
    """Replace the upload with its clean re-encoding and add a thumbnail; once."""
    photo = db.session.get(Photo, photo_id)
    if photo is None or photo.processed:
        return
    original_key = photo.storage_key
    clean, thumbnail = photos.reencode(storage().read(original_key))
    photo.storage_key = storage().save(PHOTO_AREA, clean, ".jpg")
    photo.thumbnail_key = storage().save(PHOTO_AREA, thumbnail, ".jpg")
    photo.processed = True
    storage().delete(original_key)  # after the commit


@tasks.job("smartmap.mail_followers")
def mail_followers(update_id: int) -> None:
    services.queue_follower_mail(update_id)
    held.mail_senders(update_id)


@tasks.periodic("* * * * *")
@tasks.job("smartmap.refresh_grid", lock="smartmap.refresh_grid", retry=None)
def refresh_grid(timestamp: int | None = None) -> None:
    """Recount reports per grid cell for zoomed-out maps of a big city (queries.GRID)."""
    queries.refresh_grid()


@tasks.periodic("*/15 * * * *", periodic_id="map-held-purge")
@tasks.job("smartmap.purge_held", lock="map-held-purge", retry=0)
def purge_held(timestamp: int | None = None) -> int:
    """Delete reports whose sender never confirmed the e-mail link, photos included."""
    return held.purge()
