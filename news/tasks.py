"""News jobs: an event carrying a bilingual `news` text becomes an automatic post; PDFs kept
from failed editor forms are pruned."""

from datetime import timedelta

from core import events, tasks
from core.models import Event
from core.storage import storage
from news import services


def _carries_news(event: Event) -> bool:
    return bool((event.payload or {}).get("news"))


@events.consequence(when=_carries_news)
def post_from_event(event: Event) -> None:
    services.post_automatically(event)


@tasks.periodic("17 * * * *")
@tasks.job("news.prune_kept_pdfs")
def prune_kept_pdfs(timestamp: int | None = None) -> None:
    """PDFs kept for an editor form's next try, left a day unused, are dropped."""
    storage().prune(services.KEPT_AREA, older_than=timedelta(days=1))
