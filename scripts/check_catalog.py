"""Fail when a catalog has untranslated or fuzzy entries (Georgian must always be complete)."""

import sys

from babel.messages.pofile import read_po


def problems(path: str) -> list[str]:
    with open(path, "rb") as handle:
        catalog = read_po(handle)
    found = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            found.append(f"fuzzy: {message.id!r}")
        elif not all(strings):
            found.append(f"untranslated: {message.id!r}")
    return found


if __name__ == "__main__":
    found = [line for path in sys.argv[1:] for line in problems(path)]
    print("\n".join(found) or "catalog complete")
    sys.exit(1 if found else 0)
