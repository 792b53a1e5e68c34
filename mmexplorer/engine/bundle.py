"""Train the bundled models: `python -m mmexplorer.engine.bundle mmexplorer/resources/models` (what `make models` runs).

One model per fusion strategy, from fixed seeds, then index.json naming the
default: the model whose word maps point at the named object best on held-out
scenes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from mmexplorer import families
from mmexplorer.data.files import atomic_write_text
from mmexplorer.engine.recipes import recipe

# fusion -> the shipped model's training stages, as each strategy declares them (mmexplorer/families)
BUNDLE: dict[str, list[dict]] = {f.name: [dict(stage) for stage in f.stages] for f in families.bundled()}
# Stages being tried before they replace a bundled model (`--next` trains these instead). A strategy moves
# into BUNDLE only once its model meets the shipped one on the held-out evaluation and binds better.
NEXT: dict[str, list[dict]] = {}
EVAL_SEED = 1000  # scenes of the held-out split used to pick the default
EVAL_SCENES = 100  # enough to rank the models; the README table comes from `mmexplorer eval`
DEFAULT_MARGIN = 0.01  # localisation score (hit - other) by which a model must beat the current default


def bundle_settings(fusion: str, stage: int = 0, previous: Path | None = None, stages: dict | None = None):
    """The settings of one training stage of a bundled model; stages after the first start from `previous`.

    `stages`: BUNDLE (the default) or NEXT; a stage may name its recipe (else "default").
    """
    changes = dict((stages or BUNDLE)[fusion][stage])
    settings = recipe(changes.pop("recipe", "default"), fusion, **changes)
    return settings.replace(init_from=str(previous)) if stage else settings


def _log_every(fusion: str, every: int = 50):
    def log(p) -> None:
        if p.step % every == 0 or p.step == p.total:
            print(
                f"[{fusion}] step {p.step}/{p.total} loss {p.loss:.3f} acc {p.accuracy:.3f} hard {p.hard_accuracy:.3f} "
                + " ".join(f"{k} {v:.3f}" for k, v in p.losses.items())
                + f" {p.elapsed:.0f}s eta {p.eta:.0f}s",
                file=sys.stderr,
                flush=True,
            )

    return log


def train_one(fusion: str, folder: Path, stages: dict | None = None) -> Path:
    from mmexplorer.engine.train import train

    stages = stages or BUNDLE
    out = folder / f"{fusion}.safetensors"
    for stage in range(len(stages[fusion])):
        label = fusion if stage == 0 else f"{fusion} stage {stage + 1}"
        result = train(bundle_settings(fusion, stage, out, stages), out, on_progress=_log_every(label), name=fusion)
    return Path(result.path)


def _current_default(folder: Path) -> str | None:
    try:
        return json.loads((folder / "index.json").read_text()).get("default")
    except (OSError, ValueError, AttributeError):
        return None


def write_index(folder: Path, scenes: int = EVAL_SCENES) -> dict:
    """Evaluate every bundled model and name the best-localising one the default."""
    from mmexplorer.engine.evaluate import evaluate_path, localisation_score

    reports = {}
    for fusion in families.bundled_names():
        path = folder / f"{fusion}.safetensors"
        if path.is_file():
            reports[fusion] = evaluate_path(path, scenes=scenes, seed=EVAL_SEED, deletion=False)
    if not reports:
        raise SystemExit(f"no bundled models in {folder}")
    scores = {f: localisation_score(r) for f, r in reports.items()}
    default = max(scores, key=scores.get)
    # The default is what a user sees first and what the docs show: it changes only for a model that
    # localises clearly better, not for one that ties within the evaluation's noise.
    current = _current_default(folder)
    if current in scores and scores[current] >= scores[default] - DEFAULT_MARGIN:
        default = current
    atomic_write_text(folder / "index.json", json.dumps({"default": default}, indent=1) + "\n")
    atomic_write_text(folder / "eval.json", json.dumps(reports, indent=1) + "\n")
    return {"default": default, "reports": reports}


def _timed_train(fusion: str, folder: Path, next_stages: bool) -> Path:
    start = time.perf_counter()
    path = train_one(fusion, folder, NEXT if next_stages else BUNDLE)
    print(f"[{fusion}] wrote {path} in {time.perf_counter() - start:.0f}s", file=sys.stderr, flush=True)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--only", help="comma-separated fusion strategies to train (default: all)")
    parser.add_argument("--index-only", action="store_true", help="only evaluate and rewrite index.json")
    parser.add_argument("--next", action="store_true", help="train the stages being tried (NEXT) instead")
    parser.add_argument("--jobs", type=int, default=1, help="strategies trained side by side (one thread each)")
    args = parser.parse_args(argv)
    args.folder.mkdir(parents=True, exist_ok=True)
    stages = NEXT if args.next else BUNDLE
    fusions = args.only.split(",") if args.only else list(stages)
    unknown = [f for f in fusions if f not in stages]
    if unknown:
        parser.error(f"no {'NEXT' if args.next else 'BUNDLE'} stages for {', '.join(unknown)}"
                     + ("" if stages else " (NEXT is empty: every strategy is in BUNDLE)"))
    if not args.index_only:
        if args.jobs > 1:  # each run holds one thread: side by side they use a multi-core machine
            from concurrent.futures import ProcessPoolExecutor
            from multiprocessing import get_context

            with ProcessPoolExecutor(max_workers=args.jobs, mp_context=get_context("spawn")) as pool:
                runs = {fusion: pool.submit(_timed_train, fusion, args.folder, args.next) for fusion in fusions}
                for fusion, run in runs.items():
                    run.result()  # a failed run raises here
        else:
            for fusion in fusions:
                _timed_train(fusion, args.folder, args.next)
    summary = write_index(args.folder)
    print(json.dumps({"default": summary["default"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
