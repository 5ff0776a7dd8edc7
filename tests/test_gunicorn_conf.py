"""The project's gunicorn settings: read by `gunicorn wsgi:app` from the project's root, and
its worker hook takes the loaded app out of the garbage collector's full collections."""

import gc
import re
import runpy
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_gunicorn_started_in_the_project_reads_its_settings():
    printed = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--print-config", "wsgi:app"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "gunicorn.conf.py" in printed
    assert re.search(r"^post_worker_init\s+= <post_worker_init\(\)>$", printed, re.MULTILINE)


def test_a_worker_moves_the_loaded_app_out_of_the_collectors_reach():
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    gc.unfreeze()
    try:
        settings["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 10_000  # the app's modules, mappers and routes
    finally:
        gc.unfreeze()
