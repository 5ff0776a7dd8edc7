"""Shared plumbing: a scratch database with demo data, timing, the results file."""

import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
import urllib.request
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from core.app import create_app
from core.cli import DEMO_DISTRICTS
from core.db import db
from core.dbadmin import recreate_database, sibling_database_url
from core.districts import import_geojson
from core.registry import registry

RESULTS = Path(__file__).resolve().parent / "results.json"


def bench_app():
    """An app on a fresh database holding the demo data."""
    url = sibling_database_url("bench")
    recreate_database(url)
    app = create_app(
        {
            "GHIA_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "bench",
        }
    )
    with app.app_context(), app.test_request_context():
        upgrade()
        import_geojson(DEMO_DISTRICTS)
        for loader in registry(app).demo_loaders():
            loader()
        db.session.commit()
    return app


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def timed_requests(client, path: str, seconds: float) -> dict:
    """Request `path` repeatedly for `seconds`; rate, latency percentiles and failures."""
    latencies, non_2xx = [], 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        response = client.get(path)
        latencies.append(time.perf_counter() - start)
        non_2xx += not 200 <= response.status_code < 300
    total = sum(latencies)
    return {
        "rps": round(len(latencies) / total, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "non_2xx": non_2xx,
        "requests": len(latencies),
    }


def yardstick() -> dict:
    """How fast this machine is at this moment. The same commit's figures have differed 2.6
    times between two sessions' machines, and this yardstick 1.8 times within minutes on one,
    so every benchmark records it before and after its run: how fast plain Python and a
    one-line Flask request are."""
    loop = min(timeit.repeat("sum(range(100))", number=100_000, repeat=5)) / 100_000
    hello = hello_app().test_client()
    request = min(timeit.repeat(lambda: hello.get("/"), number=500, repeat=5)) / 500
    return {
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "python_sum_range_100_us": round(loop * 1e6, 3),
        "flask_hello_request_ms": round(request * 1000, 3),
    }


def machine() -> dict:
    return {"cpu": _cpu_model(), "cores": os.cpu_count()}


def hello_app() -> Flask:
    """A one-line Flask app: the yardstick of a request's cost without the platform."""
    app = Flask("hello")
    app.add_url_rule("/", "hello", lambda: "hello")
    return app


def _cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:  # not Linux
        return "unknown"
    models = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return models[0] if models else "unknown"


def save(name: str, figures: dict) -> None:
    """Merge one benchmark's figures into bench/results.json."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[name] = figures
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


# Serving the app with gunicorn and loading it with GET requests from another process.


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(target: str, port: int, env: dict, options: list[str]) -> subprocess.Popen:
    """gunicorn serving `target` ("module:factory()") on 127.0.0.1:port; returns once it
    answers /healthz."""
    command = [sys.executable, "-m", "gunicorn", *options, "--bind", f"127.0.0.1:{port}",
               "--log-level", "warning", target]  # fmt: skip
    server = subprocess.Popen(command, env={**os.environ, **env})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn stopped during start-up")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # noqa: S310
                return server
        except OSError:
            time.sleep(0.2)
    stop(server)
    raise TimeoutError("gunicorn did not answer /healthz")


def stop(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


def postmaster_pid(app) -> int | None:
    """The local PostgreSQL's postmaster (a backend's parent), None when the server is remote."""
    with app.app_context():
        backend = db.session.scalar(text("SELECT pg_backend_pid()"))
        db.session.rollback()
    try:
        stat = Path(f"/proc/{backend}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def cpu_seconds(root_pid: int) -> float:
    """CPU time (user + system) of a process's living children: gunicorn's workers, or
    PostgreSQL's backends under the postmaster."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[1]) == root_pid:  # fields[1] is the parent's id
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def cpu_while(pids, work):
    """`work()`'s result and the CPU the children of each of `pids` (gunicorn's master,
    PostgreSQL's postmaster; None for a remote one, counted 0) spent while it ran."""
    before = [cpu_seconds(pid) if pid else 0.0 for pid in pids]
    result = work()
    after = [cpu_seconds(pid) if pid else 0.0 for pid in pids]
    return result, [end - start for start, end in zip(before, after, strict=True)]


# wrk's script: one path after another from PATHS_FILE (one per line, over and over), and its
# figures as one line of JSON at the end (wrk times in microseconds).
WRK_SCRIPT = """
local paths, next_path = {}, 0
for line in io.lines(os.getenv("PATHS_FILE")) do paths[#paths + 1] = line end
request = function()
  next_path = next_path % #paths + 1
  return wrk.format("GET", paths[next_path])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.6f, "bytes": %d, "p50_ms": %.3f, "p95_ms": %.3f, '
    .. '"p99_ms": %.3f, "error_statuses": %d, "socket_errors": %d}\\n',
    summary.requests, summary.duration / 1e6, summary.bytes, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""


def load_gets(base_url: str, paths: list[str], connections: int, seconds: float) -> dict:
    """GET the paths in turn for `seconds` over `connections` connections with wrk (C, one
    thread, epoll: it spends a small part of one core where a Python client spent a third of
    the machine), a closed loop: each connection sends its next request when its last answer
    has been read in full."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as folder:
        script, listed = Path(folder, "paths.lua"), Path(folder, "paths.txt")
        script.write_text(WRK_SCRIPT)
        listed.write_text("\n".join(paths) + "\n")
        command = ["wrk", "--threads", "1", "--connections", str(connections),
                   "--duration", f"{seconds:g}s", "--timeout", "10s", "--script", str(script),
                   base_url]  # fmt: skip
        printed = subprocess.run(
            command, env={**os.environ, "PATHS_FILE": str(listed)},
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client_cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    figures = json.loads(printed.strip().splitlines()[-1])
    requests = figures["requests"]
    if figures["error_statuses"] or figures["socket_errors"]:
        print(f"load: {figures['error_statuses']} error answers, {figures['socket_errors']} "
              f"socket errors in {requests} requests", file=sys.stderr)  # fmt: skip
    return {
        "requests": requests,
        "rps": round(requests / figures["seconds"], 1),
        "p50_ms": round(figures["p50_ms"], 1),
        "p95_ms": round(figures["p95_ms"], 1),
        "p99_ms": round(figures["p99_ms"], 1),
        "error_statuses": figures["error_statuses"],  # 4xx and 5xx (wrk counts those)
        "socket_errors": figures["socket_errors"],
        "mean_kb": round(figures["bytes"] / max(requests, 1) / 1024, 1),
        "client_cpu_ms": round(client_cpu / max(requests, 1) * 1000, 3),
    }
