"""Run the benchmarks and merge their figures into bench/results.json."""

import argparse
import importlib
import json

from bench.common import machine, save, yardstick

BENCHMARKS = ["pages", "jobs", "signing", "tally", "voting", "map", "reporting"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=BENCHMARKS)
    args = parser.parse_args()
    save("machine", machine())
    for name in [args.only] if args.only else BENCHMARKS:
        before = yardstick()
        figures = importlib.import_module(f"bench.{name}").run()
        figures["yardstick"] = {"before": before, "after": yardstick()}
        save(name, figures)
        print(json.dumps({name: figures}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
