"""Places where feature modules plug into shared pages without core importing them.

Registration is keyed by name, so building the app twice (as tests do) registers once.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class HomePanel:
    """A home-page section: `context()` returns what `template` needs."""

    order: int
    template: str
    context: Callable[[], dict]


_home_panels: dict[str, HomePanel] = {}
_demo_loaders: dict[str, tuple[int, Callable[[], str]]] = {}


def add_home_panel(name: str, order: int, template: str, context: Callable[[], dict]) -> None:
    _home_panels[name] = HomePanel(order, template, context)


def home_panels() -> list[HomePanel]:
    return sorted(_home_panels.values(), key=lambda panel: panel.order)


def add_demo_loader(name: str, order: int, loader: Callable[[], str]) -> None:
    """`loader()` loads a module's demo data idempotently and returns a line for the log."""
    _demo_loaders[name] = (order, loader)


def demo_loaders() -> list[Callable[[], str]]:
    return [loader for _, loader in sorted(_demo_loaders.values(), key=lambda item: item[0])]
