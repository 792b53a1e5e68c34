"""The README's faithfulness table: deletion and insertion AUCs of every method on held-out shapes scenes.

Writes SCENES held-out shapes-world scenes (the eval split's stream) as PNGs and a pairs file whose boxes are
the objects' ("red circle": the object's box), runs `mmexplorer probe --pairs --curves STEPS` with every bundled
model, and prints one markdown row per model: pointing, energy and the mean AUC of each method and mode.

    python scripts/faithfulness_table.py --scenes 200 --steps 8 --out-dir /tmp/faith
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

METHODS = ("raw", "rollout", "relevancy", "random")


def write_pairs(folder: Path, scenes: int, seed: int) -> Path:
    from mmexplorer.data.shapes import make_scene, scene_rng

    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for index in range(scenes):
        scene = make_scene(scene_rng(seed, "eval", index))
        name = f"scene{index:04d}.png"
        Image.fromarray(scene.pixels).save(folder / name)
        boxes = [{"phrase": f"{o.colour} {o.shape}", "box": list(o.box)} for o in scene.objects
                 if f"{o.colour} {o.shape}" in scene.caption.text]
        lines.append(json.dumps({"image": name, "text": scene.caption.text, "boxes": boxes}))
    path = folder / "pairs.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def mean(rows: list[dict], column: str) -> float:
    values = [float(r[column]) for r in rows if r.get(column) not in ("", None)]
    return float(np.mean(values)) if values else float("nan")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=200)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--models", nargs="*", help="bundled model names (default: every bundled model)")
    args = parser.parse_args(argv)
    from mmexplorer.cli import main as cli
    from mmexplorer.engine.catalog import list_models

    out = Path(args.out_dir)
    pairs = write_pairs(out / "scenes", args.scenes, args.seed)
    names = args.models or [e.name for e in list_models() if e.source == "bundled"]
    header = ["model", "pairs", "pointing", "energy"] + [f"{mode[:3]} {m}" for m in METHODS for mode in ("deletion", "insertion")]
    table = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name in names:
        print(f"[{name}] probing {args.scenes} pairs with curves...", file=sys.stderr, flush=True)
        code = cli(["probe", "--model", name, "--pairs", str(pairs), "--out-dir", str(out / name), "--force",
                    "--device", "cpu", "--workers", "0", "--curves", str(args.steps), "--json"])
        with open(out / name / "summary.csv", encoding="utf-8") as f:
            rows = [r for r in csv.DictReader(f) if r["status"] == "ok"]
        cells = [name, str(len(rows)), f"{mean(rows, 'pointing'):.3f}", f"{mean(rows, 'energy'):.3f}"]
        cells += [f"{mean(rows, f'{mode}_{m}'):.3f}" for m in METHODS for mode in ("deletion", "insertion")]
        table.append("| " + " | ".join(cells) + " |")
        if code:
            print(f"[{name}] exit {code}", file=sys.stderr)
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
