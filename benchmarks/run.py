"""Run every benchmark and print a table (and --json). `make bench`."""

from __future__ import annotations

import argparse
import datetime
import importlib
import inspect
import json
import platform
import sys
import time

# Order matters only for reading: cheap ones first.
BENCHMARKS = ["startup", "probe", "views", "train", "scale", "responsive", "engine", "leak", "memory", "pretrained", "batch", "families", "faithfulness"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="mmexplorer benchmarks")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    parser.add_argument("--only", nargs="*", choices=BENCHMARKS, help="run only these")
    parser.add_argument("--device", default="cpu", help="where the benchmarks that take a device run (cpu, cuda, "
                        "cuda:N; default: cpu)")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(max(1, torch.get_num_threads()))
    rows = []
    started = time.time()
    for name in args.only or BENCHMARKS:
        try:
            module = importlib.import_module(f"benchmarks.bench_{name}")
        except ModuleNotFoundError as exc:
            print(f"[{name}] unavailable: {exc}", file=sys.stderr)
            continue
        t0 = time.time()
        print(f"[{name}] running...", file=sys.stderr, flush=True)
        takes_device = "device" in inspect.signature(module.run).parameters
        rows += module.run(device=args.device) if takes_device else module.run()
        print(f"[{name}] {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
    header = {
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores, torch {torch.__version__}, "
                   f"load {__import__('os').getloadavg()[0]:.1f}, device {args.device}",
        "seconds": round(time.time() - started),
    }
    if args.json:
        print(json.dumps({**header, "rows": [r.to_dict() for r in rows]}, indent=1))
    else:
        print(f"mmexplorer benchmarks, {header['date']}, {header['machine']}, {header['seconds']} s")
        print("| benchmark | measured | target | met |\n|---|---|---|---|")
        for r in rows:
            met = "report" if r.met is None else ("yes" if r.met else "**no**")
            print(f"| {r.benchmark} | {r.measured} | {r.target} | {met} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
