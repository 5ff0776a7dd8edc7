"""News jobs: an event carrying a bilingual `news` text becomes an automatic post."""

from core import events
from core.models import Event
from news import services


def _carries_news(event: Event) -> bool:
    return bool((event.payload or {}).get("news"))


@events.consequence(when=_carries_news)
def post_from_event(event: Event) -> None:
    services.post_automatically(event)
