"""Data rights: what each module gives for "download my data" and does for "delete my account".

Modules register with `registry.add_data_rights(name, export, erase)`:

- an exporter `fn(user) -> JSON-ready value`, put under its name in the download;
- an eraser `fn(user) -> bool`, run when the account is deleted: it deletes the module's
  personal data about `user` or anonymises what must stay, and answers True when rows that
  must stay still point at the account (a signature that counts), so the account row is
  anonymised instead of deleted.
"""

from typing import Any

from core.registry import current_registry


def export(user) -> dict[str, Any]:
    exporters = current_registry().exporters
    return {name: exporters[name](user) for name in sorted(exporters)}


def erase(user) -> bool:
    """Run every eraser; True when some module keeps rows that point at the account."""
    erasers = current_registry().erasers
    kept = [erasers[name](user) for name in sorted(erasers)]
    return any(kept)
