"""The batch probe at scale against today's one-pair-at-a-time loop: pairs per second and disk per pair.

Both run over the same pairs file (the bundled sample pictures and their
captions, repeated): the loop reads each pair, probes it with relevancy and
writes its own npz, as `probe --pairs` did before the results store; the batch
probe runs `run_pairs` at batch 32 with --keep maps (DataLoader workers
decoding). The ratio is measured in one run, the two interleaved round by round.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from benchmarks.common import Row, bundled_or_random, median

SPEED_TARGET = 5.0
DISK_TARGET = 0.05


def _pairs_file(folder: Path, n: int) -> Path:
    """n distinct pictures (the samples with a little noise, so no two maps are alike) with their captions."""
    import numpy as np
    from PIL import Image

    from mmexplorer.data.image import load_image
    from mmexplorer.paths import SAMPLES

    samples = json.loads((SAMPLES / "index.json").read_text())["samples"]
    pictures = [load_image(SAMPLES / s["file"]).pixels for s in samples]
    rng = np.random.default_rng(0)
    path = folder / "pairs.jsonl"
    with path.open("w") as f:
        for i in range(n):
            k = i % len(samples)
            noisy = np.clip(pictures[k].astype(np.int16) + rng.integers(-12, 13, pictures[k].shape), 0, 255).astype(np.uint8)
            image = folder / f"{i:05d}.png"
            Image.fromarray(noisy).save(image)
            f.write(json.dumps({"image": str(image), "text": samples[k]["text"]}) + "\n")
    return path


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the loader's workers are joined when a run ends):
    less disturbed than wall time when other work shares the machine."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _one_at_a_time(model, pairs: Path, out: Path, limit: int) -> tuple[float, float, float]:
    """Today's loop over the first `limit` pairs: -> (seconds per pair, CPU seconds per pair, bytes per npz)."""
    from mmexplorer.attention.npz import save_record
    from mmexplorer.data.image import load_image
    from mmexplorer.data.sample import Sample
    from mmexplorer.engine.probe import probe

    out.mkdir()
    lines = pairs.read_text().splitlines()[:limit]
    t0, c0 = time.perf_counter(), _cpu()
    for number, line in enumerate(lines, 1):
        item = json.loads(line)
        record = probe(model, Sample(load_image(item["image"]), model.tokenizer.encode(item["text"])), relevancy=True)
        save_record(record, out / f"{number:05d}.npz")
    seconds, cpu = (time.perf_counter() - t0) / len(lines), (_cpu() - c0) / len(lines)
    return seconds, cpu, sum(p.stat().st_size for p in out.glob("*.npz")) / len(lines)


def _batched(model, pairs: Path, out: Path, n: int, workers: int) -> tuple[float, float, float]:
    """The whole batch command over n pairs: -> (seconds per pair, CPU seconds per pair, store bytes per pair)."""
    from mmexplorer.engine.bulk.run import BatchOptions, run_pairs

    t0, c0 = time.perf_counter(), _cpu()
    counts = run_pairs(model, pairs, out, BatchOptions(keep="maps", batch_size=32, workers=workers))
    seconds, cpu = (time.perf_counter() - t0) / n, (_cpu() - c0) / n
    assert counts["ok"] == n, counts
    store = sum(p.stat().st_size for p in out.glob("store.rank*.h5"))
    return seconds, cpu, store / n


def run(pairs_n: int = 256, loop_n: int = 8, rounds: int = 3, workers: int = 2) -> list[Row]:
    """Per model: `rounds` rounds of (the loop over loop_n pairs, the batch probe over pairs_n pairs),
    interleaved so a busy machine slows both alike; medians of the per-pair times."""
    from mmexplorer.engine.catalog import list_models

    fusions = sorted({e.fusion for e in list_models() if e.source == "bundled"}) or ["early"]
    rows = []
    for fusion in fusions:
        model = bundled_or_random(fusion)
        loop, batch = [], []
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            pairs = _pairs_file(folder, pairs_n)
            _one_at_a_time(model, pairs, folder / "warm", 2)  # warm both paths up
            _batched(model, pairs, folder / "warm-batch", pairs_n, workers)
            for r in range(rounds):
                loop.append(_one_at_a_time(model, pairs, folder / f"loop{r}", loop_n))
                batch.append(_batched(model, pairs, folder / f"batch{r}", pairs_n, workers))
        loop_s, loop_cpu, npz_bytes = median([x[0] for x in loop]), median([x[1] for x in loop]), loop[0][2]
        batch_s, batch_cpu, store_bytes = median([x[0] for x in batch]), median([x[1] for x in batch]), batch[0][2]
        speed, disk = loop_s / batch_s, store_bytes / npz_bytes
        name = model.name
        rows.append(Row(
            f"batch probe throughput ({name})",
            f"{1 / batch_s:.0f} pairs/s at batch 32 vs {1 / loop_s:.0f} pairs/s one at a time = {speed:.1f}x "
            f"(CPU time per pair: {loop_cpu / batch_cpu:.1f}x less)",
            f">= {SPEED_TARGET:.0f}x the one-pair loop",
            speed >= SPEED_TARGET, speed,
            {"batch_ms_per_pair": batch_s * 1e3, "loop_ms_per_pair": loop_s * 1e3, "batch_cpu_ms_per_pair": batch_cpu * 1e3,
             "loop_cpu_ms_per_pair": loop_cpu * 1e3, "pairs": pairs_n, "workers": workers},
        ))
        rows.append(Row(
            f"batch probe disk per pair ({name})",
            f"{store_bytes / 1e3:.1f} KB with --keep maps vs {npz_bytes / 1e3:.0f} KB per npz = {disk:.1%}",
            f"<= {DISK_TARGET:.0%} of the npz",
            disk <= DISK_TARGET, disk,
            {"store_bytes_per_pair": store_bytes, "npz_bytes": npz_bytes},
        ))
    return rows


if __name__ == "__main__":
    import sys

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 256
    for r in run(pairs_n=n):
        print(f"| {r.benchmark} | {r.measured} | {r.target} | {'yes' if r.met else '**no**'} |")
