"""View switch: change layer, head, token or method (a patch, in the patches view) and redraw from the cached record.

Measured offscreen on the real explorer with the default bundled model, for every
view that draws attention: the time from the selection change until the event
loop has processed the resulting update requests (the repaint of every changed
item happens inside it). Compared with drawing the same heatmaps (and picture,
and colour bar) at the same pixel size with matplotlib's Agg canvas, interleaved
with the switches so both sides see the same load.

Then the same switches on a record of a real family at full size: ViLT-B/32
with random weights (benchmarks/hf_full.py) on a 4:3 picture, 12 layers x 12
heads of joint attention over 201 tokens (the heads overview draws 144
thumbnails), handed to the same window as a probe result.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.common import Row, median, open_explorer, percentile

TARGET_MEDIAN_MS, TARGET_P95_MS, TARGET_SPEEDUP = 16.0, 33.0, 10.0
VIEWS = {"cross": "cross-modal", "self": "self-attention", "heads": "heads overview", "patches": "patches & positions"}


def _selections(record, view: str = "cross"):
    """A cycle of selections touching every control the view redraws for."""
    if view == "patches":  # position embeddings do not depend on words, layers or heads: patches do
        return [dict(patch=(7 * i) % record.n_patches) for i in range(240)]
    layers = record.layers(record.cross_kind) if record.cross_kind else 1
    out = []
    for i in range(60):
        out.append(dict(token=i % max(1, len(record.tokens))))
        out.append(dict(layer=i % layers))
        out.append(dict(reduction="head", head=i % max(1, record.heads)))
        out.append(dict(reduction="mean", method=("raw", "rollout", "relevancy")[i % 3]))
    return out


def _panels(view, state) -> tuple[list[np.ndarray], np.ndarray | None, tuple[int, int]]:
    """What the view shows, for matplotlib to draw: (heatmaps, picture under them or None, pixel size)."""
    if hasattr(view, "thumbs"):  # heads overview: one heatmap per layer and head
        return list(view.thumbs.values()), None, (view.graphics.width(), view.graphics.height())
    if hasattr(view, "weights"):  # self-attention matrix
        return [view.weights], None, (view.graphics.width(), view.graphics.height())
    if hasattr(view, "similarity"):  # patches: similarity to one patch and the grid of grids
        from mmexplorer.attention.positions import grid_of_grids

        record = state.record
        return [view.similarity, grid_of_grids(record.patch_positions, record.grid)], None, (view.graphics.width(), view.graphics.height())
    return [view.image.map], state.result.image.pixels, (view.image.width(), view.image.height())


def _matplotlib_redraw(panels, picture, size) -> float:
    """Seconds to draw `panels` (over `picture`, if any) in a grid with one colour bar."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(size[0] / 100, size[1] / 100), dpi=100)
    FigureCanvasAgg(fig)
    t0 = time.perf_counter()
    cols = int(np.ceil(np.sqrt(len(panels))))
    rows = int(np.ceil(len(panels) / cols))
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, data in zip(axes, panels):
        if picture is not None:
            ax.imshow(picture)
            im = ax.imshow(data, extent=(0, picture.shape[1], picture.shape[0], 0), alpha=0.6, cmap="inferno")
        else:
            im = ax.imshow(data, cmap="inferno")
        ax.set_axis_off()
    fig.colorbar(im, ax=list(axes))
    fig.canvas.draw()
    return time.perf_counter() - t0


def _measure(app, explorer, name: str, what: str = "", every: int = 12) -> Row:
    """Time the view's switches; matplotlib draws the same panels after every `every`-th switch."""
    explorer.window.show_view(name)
    app.processEvents()
    view, state = explorer.window.views[name], explorer.state
    runs_before = explorer.client.worker.runs
    times, mpl = [], []
    for i, change in enumerate(_selections(state.record, name)):
        t0 = time.perf_counter()
        state.select(**change)
        app.processEvents()  # delivers the update requests: every changed item is repainted here
        times.append(time.perf_counter() - t0)
        if i % every == 0:  # interleaved, so both sides see the same load on a shared machine
            mpl.append(_matplotlib_redraw(*_panels(view, state)))
    reran = explorer.client.worker.runs - runs_before
    med, p95, m = median(times) * 1e3, percentile(times, 95) * 1e3, median(mpl) * 1e3
    speedup = m / med
    ok = med <= TARGET_MEDIAN_MS and p95 <= TARGET_P95_MS and speedup >= TARGET_SPEEDUP and reran == 0
    return Row(
        f"view switch ({VIEWS[name]}, from the cached record{what})",
        f"median {med:.1f} ms, p95 {p95:.1f} ms; matplotlib redraw {m:.1f} ms = {speedup:.1f}x slower; model reruns {reran}",
        f"median <= {TARGET_MEDIAN_MS:.0f} ms, p95 <= {TARGET_P95_MS:.0f} ms, >= {TARGET_SPEEDUP:.0f}x faster than matplotlib",
        ok,
        med,
        {"median_ms": med, "p95_ms": p95, "matplotlib_ms": m, "reruns": reran},
    )


def full_size_result(previous):
    """A probe result of random ViLT-B/32 on a 640 x 480 picture, with the gradients relevancy needs."""
    import tempfile
    from pathlib import Path

    from benchmarks.bench_pretrained import picture
    from benchmarks.hf_full import TEXT, vilt
    from mmexplorer.data.image import LoadedImage
    from mmexplorer.data.sample import Sample
    from mmexplorer.engine.probe import probe
    from mmexplorer.gui.messages import ProbeResult

    with tempfile.TemporaryDirectory() as tmp:
        model = vilt(Path(tmp)).model
    image = LoadedImage(picture(), "random 640x480")
    record = probe(model, Sample(image, model.tokenizer.encode(TEXT)), relevancy=True)
    return ProbeResult(previous.request_id + 1, record, image, TEXT, 0.0, "cpu")  # a new record: a new id


def run(full_size: bool = True) -> list[Row]:
    # The cycle shows relevancy: its gradients are captured before timing, so every
    # switch below redraws from the cached record.
    app, explorer = open_explorer(with_gradients=True)
    rows = [_measure(app, explorer, name) for name in VIEWS]
    if full_size:
        state = explorer.state
        state.set_result(full_size_result(state.result))
        app.processEvents()
        record = state.record
        what = (f"; random ViLT-B/32, {record.layers('joint')} layers x {record.heads} heads, "
                f"{record.attention['joint'][0].shape[-1]} tokens")
        # matplotlib takes seconds for 144 panels: two samples of it, so the run stays short
        rows += [_measure(app, explorer, name, what, every=120) for name in VIEWS]
    explorer.window.close()
    explorer.client.shutdown()
    return rows
