"""Print the README's evaluation table of the bundled models.

    python scripts/eval_table.py            # from mmexplorer/resources/models/eval.json (written by `make models`)
    python scripts/eval_table.py --rerun    # evaluate every bundled model again (held-out scenes)
    python scripts/eval_table.py --binding  # every bundled model on binding scenes (seed 2000), English and Chinese
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "mmexplorer" / "resources" / "models" / "eval.json"


def rows(reports: dict) -> list[str]:
    out = [
        "| model | map evaluated | hard-negative accuracy | colour words hit / other | shape nouns hit / other | energy (colour / shape) |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in reports.items():
        p, e, m = r["pointing"], r["energy"], r["matching"]
        out.append(
            f"| {name} | {r['map_kind']} | {m['hard_accuracy']:.3f} | "
            f"{p['colour']['hit']:.3f} / {p['colour']['other']:.3f} | {p['shape']['hit']:.3f} / {p['shape']['other']:.3f} | "
            f"{e['colour']:.2f} / {e['shape']:.2f} |"
        )
    return out


def binding_rows(reports: dict) -> list[str]:
    out = [
        "| model | captions | map evaluated | scenes | colour words hit / other | shape nouns hit / other | hard-negative acc. | swap acc. |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for (name, language), r in reports.items():
        for cond, c in list(r["conditions"].items()) + [("overall", r["overall"])]:
            p, m = c["pointing"], c["matching"]
            out.append(
                f"| {name} | {language} | {r['map_kind']} | {cond} | {p['colour']['hit']:.3f} / {p['colour']['other']:.3f} | "
                f"{p['shape']['hit']:.3f} / {p['shape']['other']:.3f} | {m['hard_accuracy']:.3f} | {m['swap_accuracy']:.3f} |"
            )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rerun", action="store_true", help="evaluate again instead of reading eval.json")
    parser.add_argument("--scenes", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--binding", action="store_true", help="evaluate binding scenes (always re-evaluates)")
    args = parser.parse_args()
    if args.binding:
        from mmexplorer.engine.catalog import list_models
        from mmexplorer.engine.evaluate_binding import evaluate_binding
        from mmexplorer.models.checkpoint import load_checkpoint

        seed = 2000 if args.seed == 1000 else args.seed
        scenes = 100 if args.scenes == 200 else args.scenes
        reports = {(m.name, language): evaluate_binding(load_checkpoint(m.path), scenes, seed, name=m.name, language=language)
                   for m in list_models() if m.source == "bundled" for language in ("en", "zh")}
        print(f"Binding scenes, {scenes} per condition, seed {seed}:\n")
        print("\n".join(binding_rows(reports)))
        return 0
    if args.rerun:
        from mmexplorer.engine.catalog import list_models
        from mmexplorer.engine.evaluate import evaluate_path

        reports = {m.name: evaluate_path(m.path, args.scenes, args.seed, deletion=False) for m in list_models() if m.source == "bundled"}
    else:
        reports = json.loads(EVAL.read_text())
    first = next(iter(reports.values()))
    print(f"Held-out split, {first['scenes']} scenes, seed {first['seed']}:\n")
    print("\n".join(rows(reports)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
