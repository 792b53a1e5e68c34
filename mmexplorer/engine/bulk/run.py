"""run_pairs: probe every pair of a pairs file into a results store and a summary table.

Per batch: the records go into this rank's store part (written, flushed, then
counted as committed), and only then their rows are appended to this rank's
summary part. A kill at any moment therefore leaves at most a batch that is
in the store but not in the summary (or not counted in the store); `--resume`
reconciles the two (drops such rows from the store, and summary rows whose
arrays are missing), then skips every pair the summaries already list.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from mmexplorer.attention.npz import record_to_arrays
from mmexplorer.attention.sinks import sink_shares
from mmexplorer.attention.store import PART_PATTERN as STORE_PART
from mmexplorer.attention.store import SEGMENTS_PATTERN
from mmexplorer.engine.bulk import summary as summaries
from mmexplorer.engine.bulk.dist import Ranks
from mmexplorer.engine.bulk.loader import Item, PairDataset, _message, pair_items
from mmexplorer.engine.bulk.metrics import box_metrics
from mmexplorer.engine.bulk.part import PartWriter, compact
from mmexplorer.engine.bulk.pairs import check_pairs_file
from mmexplorer.engine.precision import PrecisionError

RUN_FILE = "run.json"


class OutputFolderError(ValueError):
    """The output folder is in the way (results there without --resume/--force, or another run's results)."""


@dataclass(frozen=True)
class BatchOptions:
    keep: str = "maps"  # maps | attention | all
    batch_size: int = 32
    workers: int = 2
    relevancy: bool = True
    resume: bool = False
    force: bool = False
    parquet: bool = False  # also write summary.parquet (pyarrow); summary.csv is always written
    dtype: str = "float32"  # float32 | bfloat16 | float16 (engine.precision: each record's deviation measured)
    curves: int = 0  # steps of each pair's deletion and insertion curves (engine.faithfulness); 0: none


def _ours(path: Path) -> bool:
    """Files and folders a run writes (what --force removes; anything else in the folder is left alone)."""
    name = path.name.lstrip(".").removesuffix(".tmp")
    name = name.split(".damaged-")[0]
    return bool(STORE_PART.match(name) or SEGMENTS_PATTERN.match(name) or summaries.PART_PATTERN.match(name)) or name in (
        summaries.SUMMARY, summaries.PARQUET, RUN_FILE)


def match_score(outputs: dict) -> float:
    if "match_prob" in outputs:
        return float(outputs["match_prob"])
    if outputs.get("classes"):
        return float(outputs["classes"][0][1])
    return math.nan


def _row(item: Item, record=None, error: str | None = None, aucs: dict | None = None) -> dict:
    spec = item.spec
    row = {"index": spec.index, "line": spec.line, "image": spec.image, "text": spec.text, "boxes": len(spec.boxes)}
    if record is None:
        return {**row, "status": "error", "error": error or item.error or "failed"}
    metrics = box_metrics(record, spec.boxes)
    shares = {k: [round(v, 6) for v in layers] for k, layers in sink_shares(record).items()}
    return {**row, "status": "ok", "error": "", "match": match_score(record.outputs),
            "match_logit": record.outputs.get("match_logit"), "tokens": len(record.tokens),
            "unknown": " ".join(record.unknown_words), **metrics,
            **(aucs or {}), "sink_share": json.dumps(shares, separators=(",", ":")),
            "answer": record.outputs.get("answer") if record.generative else None}


def pair_curves(model, item: Item, record, steps: int) -> dict:
    """{deletion_raw: AUC, insertion_raw: ...} of the pair: each method's order of the boxes' words' map (every
    word's when the pair has no boxes), through engine.faithfulness."""
    from mmexplorer.data.image import load_image
    from mmexplorer.data.sample import Sample
    from mmexplorer.engine.faithfulness import faithfulness

    tokens = sorted({t for b in item.spec.boxes for t in b.tokens}) or None
    # the curves paint on the original picture: a resized item holds only a stand-in of it, read it again
    sample = item.loaded if item.loaded is not None else Sample(load_image(item.spec.image_path), item.encoding)
    return faithfulness(model, sample, steps=steps, tokens=tokens, seed=item.spec.index, record=record)["auc"]


class _Prober:
    """Records for a batch of items, through the model's capture_batch (one padded forward pass for the
    families that batch, one probe per pair for the others)."""

    def __init__(self, model, relevancy, dtype: str = "float32") -> None:
        from mmexplorer.engine.probe import versions

        self.model, self.relevancy, self.dtype = model, relevancy, dtype
        self.meta = {"versions": versions()}
        self.deviation: float | None = None  # the largest map deviation from float32 so far (half precision)

    def many(self, items: list[Item]) -> list:
        from mmexplorer.engine.precision import capture_batch_at

        # pictures the loader processes already resized for the model (worker_preprocessing), else None
        pixels = [i.pixels for i in items] if items and items[0].pixels is not None else None
        records = capture_batch_at(self.model, [i.sample for i in items], self.dtype, self.relevancy, pixels=pixels,
                                   meta=self.meta)
        for r in records:
            if "precision" in r.meta:
                self.deviation = max(self.deviation or 0.0, r.meta["precision"]["max_abs_map_deviation"])
        return records

    def one(self, item: Item):
        return self.many([item])[0]


def _prepare_folder(out_dir: Path, opts: BatchOptions, identity: dict, ranks: Ranks) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputFolderError(f"--out-dir {out_dir} is a file, not a folder")
    entries = list(out_dir.iterdir()) if out_dir.is_dir() else []
    if entries and not (opts.resume or opts.force):
        raise OutputFolderError(f"--out-dir {out_dir} is not empty; pass --resume to continue its run or --force to start over")
    previous = None
    if opts.resume and not opts.force and os.path.lexists(out_dir / RUN_FILE):
        from mmexplorer.data.files import read_json_file

        try:  # a regular file, bounded and not nested deep: a FIFO here must not hang the resume
            previous = read_json_file(out_dir / RUN_FILE, ValueError)
            if not isinstance(previous, dict):
                raise ValueError(f"{out_dir / RUN_FILE} is not a JSON object")
        except ValueError as exc:
            raise OutputFolderError(f"{exc}; pass --force to start over") from None
        for key in ("model", "keep", "pairs"):
            if previous.get(key) != identity[key]:
                raise OutputFolderError(f"--resume: {out_dir} holds a run with {key} {previous.get(key)!r}, not {identity[key]!r}; "
                                        "pass --force to start over")
    elif opts.resume and not opts.force and any(_ours(p) for p in entries):
        raise OutputFolderError(f"--resume: {out_dir} has results but no {RUN_FILE}; pass --force to start over")
    ranks.barrier()  # every rank has checked before anything is removed
    if ranks.rank == 0:
        out_dir.mkdir(parents=True, exist_ok=True)
        if opts.force:
            for p in entries:
                if _ours(p):
                    shutil.rmtree(p) if p.is_dir() else p.unlink()
        if previous is None:
            from mmexplorer.data.files import atomic_write_text

            atomic_write_text(out_dir / RUN_FILE, json.dumps(identity, indent=1))
    ranks.barrier()


def reconcile(out_dir: Path, rank: int, keep: str, log: Callable[[str], None] = lambda s: None) -> int:
    """Make part `rank`'s store and summary agree; -> the pairs it keeps.

    The store keeps only pairs the summary lists as ok (a batch committed to the
    store whose rows never reached the summary is dropped and probed again); the
    summary drops ok rows whose arrays are missing, repeated rows and a last row
    cut off mid-write.
    """
    part = summaries.SummaryPart(out_dir / summaries.part_name(rank))
    rows = summaries.read_rows(part.path)
    held = compact(out_dir, rank, keep, wanted={int(r["index"]) for r in rows if r["status"] == "ok"}, log=log)
    seen, kept_rows = set(), []
    for r in rows:
        index = int(r["index"])
        if index in seen or (r["status"] == "ok" and index not in held):
            continue
        seen.add(index)
        kept_rows.append(r)
    part.rewrite(kept_rows)  # also drops a row a kill cut off mid-line, which an append would extend
    return len(kept_rows)


def run_pairs(model, pairs: str | Path, out_dir: str | Path, opts: BatchOptions, ranks: Ranks | None = None,
              log: Callable[[str], None] = lambda s: None) -> dict:
    """Probe the pairs this rank owns; -> {"ok", "failed", "skipped"} of this rank, and on rank 0 "summary" (its path),
    "rows" and "errors" (error rows) of the merged summary."""
    ranks = ranks or Ranks()
    pairs, out_dir = Path(pairs).resolve(), Path(out_dir)
    check_pairs_file(pairs)
    if opts.batch_size < 1 or opts.workers < 0 or opts.curves < 0:
        raise OutputFolderError("--batch-size must be >= 1, --workers >= 0 and --curves >= 0")
    identity = {"format": "mmexplorer-batch-probe", "model": model.name,
                "keep": opts.keep, "pairs": str(pairs)}
    if opts.parquet:
        summaries.require_parquet()
    _prepare_folder(out_dir, opts, identity, ranks)

    reconcile(out_dir, ranks.rank, opts.keep, log)
    if ranks.rank == 0:  # parts of an earlier run with more ranks
        for p in summaries.part_paths(out_dir):
            r = int(summaries.PART_PATTERN.match(p.name).group(1))
            if r >= ranks.world:
                reconcile(out_dir, r, opts.keep, log)
    ranks.barrier()
    done = frozenset(int(r["index"]) for p in summaries.part_paths(out_dir) for r in summaries.read_rows(p))

    # the curves' relevancy order needs every map's gradients, not only those the default maps are made from
    relevancy = (True if opts.keep == "all" or opts.curves else "maps") if opts.relevancy else False
    from mmexplorer.engine.precision import torch_dtype

    torch_dtype(opts.dtype)  # an unknown dtype is refused before any pair runs
    prober = _Prober(model, relevancy, opts.dtype)
    cfg = model.worker_preprocessing()  # None: the model preprocesses each picture itself
    dataset = PairDataset(pairs, model.tokenizer, cfg, ranks.rank, ranks.world, done)
    part = summaries.SummaryPart(out_dir / summaries.part_name(ranks.rank))
    counts = {"ok": 0, "failed": 0, "skipped": sum(1 for i in done if i % ranks.world == ranks.rank)}
    store = PartWriter(out_dir, ranks.rank, opts.keep)
    pending: list[Item] = []
    errors: list[dict] = []

    def commit() -> None:
        records = []
        if pending:
            try:
                records = list(zip(pending, prober.many(pending)))
            except PrecisionError:  # the --dtype, not a pair, is at fault: refused as a whole
                raise
            except Exception:  # find the pair that fails, keep the others
                records = []
                for item in pending:
                    try:
                        records.append((item, prober.one(item)))
                    except Exception as exc:
                        errors.append(_row(item, error=_message(exc)))
        rows = [_row(item, rec, aucs=pair_curves(model, item, rec, opts.curves) if opts.curves else None)
                for item, rec in records]
        store.append([(item.spec.index, record_to_arrays(rec)) for item, rec in records])  # a whole segment file
        part.append(rows + errors)  # only then the summary lists them
        counts["ok"] += len(rows)
        counts["failed"] += len(errors)
        for e in errors:
            log(f"pair {e['index']} (line {e['line']}): {e['error']}")
        pending.clear()
        errors.clear()

    for item in pair_items(dataset, opts.workers):
        if item.error is not None:
            errors.append(_row(item))
        else:
            pending.append(item)
        if len(pending) >= opts.batch_size or len(errors) >= opts.batch_size:
            commit()
    commit()
    compact(out_dir, ranks.rank, opts.keep, log=log)  # every segment's rows are in the summary by now
    if prober.deviation is not None:
        counts["max_map_deviation"] = prober.deviation
    ranks.barrier()
    if ranks.rank == 0:
        path, rows = summaries.merge(out_dir, parquet=opts.parquet)
        counts.update(summary=str(path), rows=len(rows), errors=sum(r["status"] == "error" for r in rows))
    return counts
