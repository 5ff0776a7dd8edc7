"""Data rights: what each module gives for "download my data" and does for "delete my account".

Modules register by name (building the app twice registers once):

- an exporter `fn(user) -> JSON-ready value`, put under its name in the download;
- an eraser `fn(user) -> bool`, run when the account is deleted: it deletes the module's
  personal data about `user` or anonymises what must stay, and answers True when rows that
  must stay still point at the account (a signature that counts), so the account row is
  anonymised instead of deleted.
"""

from collections.abc import Callable
from typing import Any

Exporter = Callable[[Any], Any]
Eraser = Callable[[Any], bool]

_exporters: dict[str, Exporter] = {}
_erasers: dict[str, Eraser] = {}


def register_export(name: str, fn: Exporter) -> None:
    _exporters[name] = fn


def register_erasure(name: str, fn: Eraser) -> None:
    _erasers[name] = fn


def export(user) -> dict[str, Any]:
    return {name: fn(user) for name, fn in sorted(_exporters.items())}


def erase(user) -> bool:
    """Run every eraser; True when some module keeps rows that point at the account."""
    kept = [fn(user) for _, fn in sorted(_erasers.items())]
    return any(kept)
