"""The voting benchmark's client, in a process of its own: CLIENTS asyncio tasks post ballots
over plain HTTP/1.1 (one connection per request, as gunicorn's sync workers close them).
Reads the plan from a JSON file; prints its figures as JSON."""

import asyncio
import json
import sys
import time

from bench.common import percentile
from bench.keepalive import post_request


async def post(port: int, path: str, cookie: str, body: str) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    headers = {"Cookie": f"session={cookie}", "User-Agent": "ghia-bench", "Connection": "close"}
    writer.write(post_request(f"127.0.0.1:{port}", path, headers, body.encode()))
    await writer.drain()
    status = int((await reader.readline()).split()[1])
    await reader.read()
    writer.close()
    return status


async def client(queue: asyncio.Queue, port: int, path: str, figures: dict) -> None:
    while not queue.empty():
        person = queue.get_nowait()
        for step in person["steps"]:
            start = time.perf_counter()
            try:
                status = await post(port, path, person["cookie"], step["body"])
            except OSError:
                figures["errors"] += 1
                status = 0
            figures["latencies"].append(time.perf_counter() - start)
            if step["ok"]:
                figures["accepted"] += status == 302
                figures["valid_refused"] += status != 302
            else:
                figures["over_budget_attempts"] += 1
                figures["over_budget_accepted"] += status != 422
            figures["errors"] += status not in (302, 422)


async def main(spec: dict) -> dict:
    queue: asyncio.Queue = asyncio.Queue()
    for person in spec["plan"]:
        queue.put_nowait(person)
    figures = {"latencies": [], "accepted": 0, "valid_refused": 0, "over_budget_attempts": 0,
               "over_budget_accepted": 0, "errors": 0}  # fmt: skip
    start = time.perf_counter()
    await asyncio.gather(
        *(client(queue, spec["port"], spec["path"], figures) for _ in range(spec["clients"]))
    )
    seconds = time.perf_counter() - start
    latencies = figures.pop("latencies")
    return {
        **figures,
        "submissions": len(latencies),
        "seconds": round(seconds, 2),
        "ballots_per_s": round(len(latencies) / seconds, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
    }


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as handle:
        print(json.dumps(asyncio.run(main(json.load(handle)))))
