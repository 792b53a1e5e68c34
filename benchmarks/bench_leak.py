"""Memory over repeated probes: the last 50 of 100 probes stay within 2% of each other."""

from __future__ import annotations

import gc

from benchmarks.common import Row, bundled_or_random, rss_mb, sample_for


def run(probes: int = 100) -> list[Row]:
    from mmexplorer.engine.probe import probe

    model = bundled_or_random()
    sample = sample_for(model)
    rss = []
    for _ in range(probes):
        rec = probe(model, sample, relevancy=True)
        del rec
        gc.collect()
        rss.append(rss_mb())
    tail = rss[probes // 2 :]
    spread = (max(tail) - min(tail)) / min(tail)
    return [
        Row(
            "memory over 100 probes",
            f"RSS {rss[0]:.0f} -> {rss[-1]:.0f} MB; last 50 spread {spread * 100:.2f}%",
            "last 50 within 2%",
            spread <= 0.02,
            spread,
        )
    ]
