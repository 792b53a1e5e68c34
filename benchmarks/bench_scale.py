"""Scale: probe time and peak memory as the text and the image grid grow."""

from __future__ import annotations

import time

from benchmarks.common import Row, bundled_or_random, median, peak_rss_mb, sample_for


def run(repeats: int = 5) -> list[Row]:
    from mmexplorer.engine.probe import probe

    model = bundled_or_random()
    cfg = model.cfg
    words = ("red circle and a blue square and " * 40).split()
    rows = []
    base = None
    sizes = [(n, cfg.image_size) for n in (8, 16, cfg.max_text_len)] + [(cfg.max_text_len, cfg.image_size * 2)]
    for n_words, side in sizes:
        sample = sample_for(model, " ".join(words[:n_words]))
        probe(model, sample, relevancy=False, input_size=side)  # warm-up
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            rec = probe(model, sample, relevancy=False, input_size=side)
            times.append(time.perf_counter() - t0)
        t = median(times)
        base = base or t
        rows.append(
            Row(
                f"scale: {len(rec.tokens)} tokens, {rec.grid[0]}x{rec.grid[1]} grid",
                f"{t * 1e3:.1f} ms ({t / base:.2f}x the smallest), peak RSS {peak_rss_mb():.0f} MB",
                "report growth",
                None,
                t / base,
            )
        )
    return rows
