"""Shared helpers: interleaved timing, medians, RSS, the model and sample every benchmark uses."""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np


@dataclass
class Row:
    benchmark: str
    measured: str  # human-readable measurement
    target: str  # the target in words
    met: bool | None  # None where there is no target (a report only)
    value: float | None = None  # the number compared with the target
    detail: dict | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def median(xs) -> float:
    return float(statistics.median(xs))


def percentile(xs, q: float) -> float:
    return float(np.percentile(np.asarray(xs), q))


def interleaved(fns: dict[str, Callable[[], object]], repeats: int, warmup: int = 2) -> dict[str, list[float]]:
    """Time each function `repeats` times, alternating between them so machine noise hits all alike."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return times


def rss_mb() -> float:
    """Current resident set size in MB (Linux /proc; falls back to the peak elsewhere)."""
    try:
        with open(f"/proc/{os.getpid()}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bundled_or_random(fusion: str | None = None):
    """The bundled model (default, or of a fusion) as an ExplorableModel; a fresh random model of the
    default variant when none is installed."""
    import torch

    from mmexplorer.config import load_variant
    from mmexplorer.engine.catalog import default_model_name, model_for_fusion
    from mmexplorer.engine.model_api import BundledModel
    from mmexplorer.engine.probe import load_model
    from mmexplorer.models import build_model

    entry = model_for_fusion(fusion) if fusion else None
    name = entry.name if entry else (default_model_name() if fusion is None else None)
    if name:
        return load_model(name, "cpu")[0]
    torch.manual_seed(0)
    return BundledModel(build_model(load_variant(fusion or "early")).eval(), name=f"random-{fusion or 'early'}")


def sample_for(model, text: str = "a red circle and a blue square", size=(128, 128)):
    from mmexplorer.data.sample import make_sample

    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    return make_sample(pixels, text, model.tokenizer)


def open_explorer(with_gradients: bool = False, timeout_s: float = 300.0):
    """The real explorer, offscreen at 1400 x 860 with throw-away settings, once its first record is drawn.

    With `with_gradients`, relevancy is picked and the gradients it needs are
    captured (the first backward pass also warms autograd up), then the method
    goes back to raw: what follows starts from a record that has everything.
    Returns (QApplication, Explorer).
    """
    import tempfile

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from mmexplorer.gui.app import Explorer, Options
    from mmexplorer.gui.blas import use_one_blas_thread
    from mmexplorer.gui.settings import Settings

    use_one_blas_thread()  # as `mmexplorer gui` does (gui/launch.py)
    ini = os.path.join(tempfile.mkdtemp(), "s.ini")
    explorer = Explorer(Options(persist=False), settings=Settings(QSettings(ini, QSettings.Format.IniFormat)))
    explorer.window.resize(1400, 860)
    explorer.start()
    deadline = time.time() + timeout_s
    state = explorer.state

    def wait(done) -> None:
        while not done() and time.time() < deadline:
            app.processEvents()
            time.sleep(0.01)

    wait(lambda: state.record is not None)
    if with_gradients:
        state.select(method="relevancy")
        wait(lambda: state.record.grads is not None)
        state.select(method="raw")
    return app, explorer
