"""Run every hostile case of tests/hostile.py and count, per class, how many are handled.

    PYTHONPATH=. python tests/hostile_report.py [--verbose]

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

    verbose = "--verbose" in sys.argv
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        os.environ["MMEXPLORER_HOME"] = str(home)
        outcomes = [hostile.run(case) for case in hostile.build(Path(tmp) / "cases", home)]
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
