"""One row per checkpoint of a training curve: held-out split and binding scenes, English and Chinese.

    python scripts/eval_stages.py runs/hybrid-stage1.safetensors runs/hybrid-stage2.safetensors ...

Held-out split: 200 scenes, seed 1000 (`mmexplorer eval --model CKPT --scenes 200 --no-deletion
[--language zh]`); binding: 100 scenes per condition, seed 2000 (`mmexplorer eval --model CKPT --binding
--language both`). Columns: hard-negative accuracy, colour hit / other, shape hit / other; binding adds the
swap accuracy and is the mean over its four conditions.
"""

from __future__ import annotations

import argparse
import sys


def _split(report: dict) -> str:
    p, m = report["pointing"], report["matching"]
    return (f"{m['hard_accuracy']:.3f} / {p['colour']['hit']:.3f} / {p['colour']['other']:.3f} / "
            f"{p['shape']['hit']:.3f} / {p['shape']['other']:.3f}")


def _binding(report: dict) -> str:
    p, m = report["overall"]["pointing"], report["overall"]["matching"]
    return (f"{p['colour']['hit']:.3f} / {p['colour']['other']:.3f}, {p['shape']['hit']:.3f} / {p['shape']['other']:.3f}, "
            f"{m['hard_accuracy']:.3f}, {m['swap_accuracy']:.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoints", nargs="+")
    parser.add_argument("--scenes", type=int, default=200, help="held-out scenes (default 200)")
    parser.add_argument("--binding-scenes", type=int, default=100, help="binding scenes per condition (default 100)")
    args = parser.parse_args()
    from mmexplorer.engine.evaluate import evaluate
    from mmexplorer.engine.evaluate_binding import evaluate_binding
    from mmexplorer.models.checkpoint import load_checkpoint

    print("| checkpoint | split en: hard / colour hit / other / shape hit / other | split zh: the same "
          "| binding en: colour hit / other, shape hit / other, hard, swap | binding zh: the same |")
    print("|---|---|---|---|---|")
    for path in args.checkpoints:
        model = load_checkpoint(path)
        cells = [_split(evaluate(model, args.scenes, 1000, deletion=False, language=lang)) for lang in ("en", "zh")]
        cells += [_binding(evaluate_binding(model, args.binding_scenes, 2000, language=lang)) for lang in ("en", "zh")]
        print(f"| {path} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
