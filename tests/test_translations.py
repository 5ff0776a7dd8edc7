"""Georgian is complete and the template is up to date with the code."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from tests.conftest import ROOT

SOURCES = ["core", "accounts", "news", "petitions", "budgeting", "smartmap", "templates"]


def message_ids(path) -> set:
    with open(path, "rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


def test_georgian_catalog_has_no_untranslated_or_fuzzy_entry():
    result = subprocess.run(
        [sys.executable, "scripts/check_catalog.py", "translations/ka/LC_MESSAGES/messages.po"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


def test_catalogs_hold_every_string_of_the_code(tmp_path):
    pot = tmp_path / "fresh.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run(
        [
            pybabel,
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "N_",
            "--no-location",
            "-o",
            str(pot),
            *SOURCES,
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    fresh = message_ids(pot)
    assert fresh == message_ids(ROOT / "translations/messages.pot"), "run `make translations`"
    assert fresh <= message_ids(ROOT / "translations/ka/LC_MESSAGES/messages.po")


def test_no_template_is_skipped_by_the_extractor():
    """Babel skips a template it cannot parse without a word; every `_("…")` must be found."""
    import re

    catalog = message_ids(ROOT / "translations/messages.pot")
    literal = re.compile(r'_\("((?:[^"\\]|\\.)*)"')
    missing = [
        (path.name, text)
        for path in (ROOT / "templates").rglob("*.*")
        for text in literal.findall(path.read_text(encoding="utf-8"))
        if "%(" not in text and text not in catalog
    ]
    assert missing == []
