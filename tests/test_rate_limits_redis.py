"""With REDIS_URL set, rate limits live in Redis, shared by every app process."""

import os
import socket
import subprocess
import sys

import pytest

from tests.conftest import ROOT

SCRIPT = """
import re, redis
from core.app import create_app
app = create_app({"GHIA_ENV": "testing", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": DB})
redis.Redis.from_url(URL).flushdb()
client = app.test_client()
page = client.get("/accounts/reset").get_data(as_text=True)
token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
codes = [client.post("/accounts/reset", data={"email": "a@b.org", "csrf_token": token}).status_code
         for _ in range(6)]
print(codes[-1], len(redis.Redis.from_url(URL).keys("LIMITS*")))
"""


def redis_reachable(host="127.0.0.1", port=6379) -> bool:
    try:
        socket.create_connection((host, port), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not redis_reachable(), reason="no Redis on 127.0.0.1:6379")
def test_limits_are_kept_in_redis(app):
    url = "redis://127.0.0.1:6379/15"
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    code = f"URL = {url!r}\nDB = {database!r}\n" + SCRIPT
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "REDIS_URL": url},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    status, keys = result.stdout.split()[-2:]
    assert status == "429"
    assert int(keys) >= 1
