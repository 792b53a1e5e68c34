"""Run every hostile case of tests/hostile.py and count, per class, how many are handled.

    PYTHONPATH=. python tests/hostile_report.py [--verbose] [--timeout S] [--skip-unbounded] [--skip NAME]... [--memory-limit GIB] [--progress]

A case that blocks inside native code (safetensors opening a FIFO, on a build
without the regular-file check) cannot be interrupted by --timeout: --skip it.
--skip-unbounded leaves out the cases that read /dev/zero (on a build without the
size bound they read until memory runs out); --memory-limit caps this process's
address space, so a build without the config checks fails fast instead of swapping.

Handled: exit 2, exactly one `error:` line naming the problem, no traceback, and
nothing partial or overwritten left behind. Cases are built in a temporary folder.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> int:
    import hostile

    args = sys.argv[1:]
    verbose = "--verbose" in args
    if "--timeout" in args:
        hostile.CASE_TIMEOUT_S = int(args[args.index("--timeout") + 1])
    if "--memory-limit" in args:
        import resource

        limit = int(float(args[args.index("--memory-limit") + 1]) * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        os.environ["MMEXPLORER_HOME"] = str(home)
        cases = hostile.build(Path(tmp) / "cases", home)
        if "--skip-unbounded" in args:
            cases = [c for c in cases if "zero" not in c.name]
        skip = [args[i + 1] for i, a in enumerate(args) if a == "--skip"]
        cases = [c for c in cases if not any(s in c.name for s in skip)]
        outcomes = []
        for case in cases:
            if "--progress" in args:  # which case a crashing build died in
                print(f"running [{case.kind}] {case.name}", file=sys.__stderr__, flush=True)
            outcomes.append(hostile.run(case))
    tried, handled = Counter(), Counter()
    for o in outcomes:
        tried[o.case.kind] += 1
        handled[o.case.kind] += o.handled
        if verbose or not o.handled:
            mark = "ok  " if o.handled else "FAIL"
            detail = o.stderr.strip().splitlines()[-1] if o.stderr.strip() else ""
            print(f"{mark} [{o.case.kind}] {o.case.name}: {o.problem or detail}")
    width = max(len(k) for k in tried)
    for kind in tried:
        print(f"{kind:<{width}}  {handled[kind]:>3} / {tried[kind]:<3} handled")
    total, ok = sum(tried.values()), sum(handled.values())
    print(f"{'all':<{width}}  {ok:>3} / {total:<3} handled")
    return 0 if ok == total else 1


if __name__ == "__main__":
    sys.exit(main())
