"""Training from the panel: a run finishes and announces its model; a cancel keeps a whole checkpoint or nothing."""

from pathlib import Path

import pytest

TINY = {"model": {"image_size": 64, "width": 32, "depth": 1, "unimodal_depth": 1, "heads": 2}, "batch_scenes": 4}


@pytest.fixture
def panel(qtbot, tmp_path):
    from mmexplorer.gui.training.panel import TrainingPanel

    p = TrainingPanel(lambda: tmp_path / "models", confirm_overwrite=lambda path: False)
    qtbot.addWidget(p)
    p.overrides = dict(TINY)
    yield p
    assert p.shutdown()
    assert not p.runner.engine.running  # the training engine process is gone


def test_a_run_finishes_saves_and_draws_curves(qtbot, panel, tmp_path):
    from mmexplorer.models.checkpoint import load_checkpoint

    panel.fusion.setCurrentText("cross")
    panel.steps.setValue(4)
    panel.name.setText("my-cross")
    with qtbot.waitSignal(panel.model_trained, timeout=120_000) as signal:
        assert panel.start()
        assert not panel.start_button.isEnabled() and panel.cancel_button.isEnabled()
    path = tmp_path / "models" / "my-cross.safetensors"
    assert signal.args == [str(path)]
    assert panel.curves.point_count() == 4 and panel.progress.value() == 4
    assert not panel.last_outcome.cancelled
    model = load_checkpoint(path)
    assert model.cfg.fusion == "cross" and model.cfg.width == 32
    assert "grounding" in model.cfg.objectives
    assert panel.start_button.isEnabled()
    # the same name again: consent is refused, so nothing starts and the model is untouched
    before = path.stat().st_mtime_ns
    assert not panel.start()
    assert path.stat().st_mtime_ns == before


def test_cancel_leaves_no_partial_file_and_the_kept_checkpoint_is_listed_not_opened(qtbot, panel, tmp_path):
    from mmexplorer.models.checkpoint import load_checkpoint

    opened, listed = [], []
    panel.model_trained.connect(opened.append)
    panel.model_saved.connect(listed.append)
    panel.steps.setValue(10_000)
    panel.overrides["checkpoint_every"] = 2
    panel.name.setText("cancelled")
    assert panel.start()
    qtbot.waitUntil(lambda: panel.curves.point_count() >= 3, timeout=120_000)
    panel.cancel()
    qtbot.waitUntil(lambda: panel.last_outcome is not None, timeout=120_000)
    outcome = panel.last_outcome
    assert outcome.cancelled and outcome.steps < 10_000
    folder = tmp_path / "models"
    assert not [p for p in folder.iterdir() if p.suffix == ".tmp" or p.name.endswith(".tmp")]
    assert outcome.path is not None  # a checkpoint was written at step 2
    assert load_checkpoint(outcome.path).cfg.fusion == "early"
    # a half-trained model is listed (to be deleted or kept), never opened as the current model
    assert opened == [] and listed == [outcome.path]
    assert "not opened" in panel.status.text()


def test_the_form_follows_the_explored_strategy(panel):
    panel.follow_fusion("hybrid")
    assert panel.fusion.currentText() == "hybrid"
    panel.follow_fusion("not-a-strategy")
    assert panel.fusion.currentText() == "hybrid"


def test_status_shows_the_curves_running_means_and_a_countdown(panel):
    import re

    import numpy as np

    from mmexplorer.engine.train import Progress

    rng = np.random.default_rng(0)
    hard = rng.integers(0, 2, 60).astype(float)  # one batch's hard-negative accuracy: 0% or 100%
    shown = []
    for step in range(1, 61):
        # steps slow down half way: a raw estimate of the time left would grow
        elapsed = step * 0.1 if step <= 30 else 3.0 + (step - 30) * 0.5
        panel._on_progress(Progress(step=step, total=100, loss=1.0, accuracy=0.5, hard_accuracy=float(hard[step - 1]),
                                    elapsed=elapsed, eta=0.0, lr=1e-3))
        shown.append(panel.eta.shown)
    want = np.mean(hard[-20:])  # the running mean the curve ends at
    assert f"hard negatives {want:.0%}" in panel.status.text()
    np.testing.assert_allclose(panel.curves.hard_curve.getData()[1][-1], want)
    # steps of 0.5 s from step 31: the figure moves to the new pace (40 steps x 0.5 s = 20 s) without a jump ...
    assert shown[-1] == pytest.approx(20.0, rel=0.15)
    assert all(abs(b - a) <= 0.3 * max(a, b) + 0.5 for a, b in zip(shown, shown[1:]))
    # ... and without holding still for many steps (the smallest-estimate-yet rule held it for 30)
    assert len(set(round(x, 3) for x in shown[30:])) > 25
    assert re.search(r"about \S+ left", panel.status.text())


def test_a_step_that_does_not_end_is_cut_short_and_keeps_the_last_checkpoint(qtbot, panel, tmp_path):
    """Cancel waits CANCEL_GRACE_MS for the step to end, then stops the training process; here the wait is nil."""
    from mmexplorer.models.checkpoint import load_checkpoint

    panel.steps.setValue(10_000)
    panel.overrides["checkpoint_every"] = 2
    panel.name.setText("cut-short")
    assert panel.start()
    qtbot.waitUntil(lambda: panel.curves.point_count() >= 3, timeout=120_000)
    process = panel.runner.engine.process
    panel.runner._grace.setInterval(0)  # do not wait for the step
    panel.cancel()
    qtbot.waitUntil(lambda: panel.last_outcome is not None, timeout=30_000)
    process.join(10)
    assert process.exitcode is not None and process.exitcode < 0  # stopped by a signal, not by its loop
    outcome = panel.last_outcome
    assert outcome.cancelled and outcome.path is not None
    folder = tmp_path / "models"
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    assert not (folder / ".cut-short.safetensors.lock").exists()  # the stopped process's lock file is gone too
    assert load_checkpoint(outcome.path).cfg.fusion == "early"


def test_quitting_during_a_run_asks_and_no_keeps_the_window_open(make_explorer, qtbot):
    explorer = make_explorer()
    window, training = explorer.window, explorer.tools.training
    window.show()
    asked = []
    training.confirm_quit = lambda what: asked.append(what) or False  # the user answers No
    training.overrides = dict(TINY, checkpoint_every=100_000)  # nothing written into the shared models folder
    training.steps.setValue(10_000)
    training.name.setText("long-run")
    training.confirm_overwrite = lambda path: True
    assert training.start()
    qtbot.waitUntil(lambda: training.curves.point_count() >= 1, timeout=120_000)
    assert not window.close()  # refused: the run goes on
    assert window.isVisible() and training.runner.busy
    assert len(asked) == 1 and "long-run" in asked[0] and "10000 steps" in asked[0]
    training.confirm_quit = lambda what: True  # Yes: the window closes and the run stops
    assert window.close()
    qtbot.waitUntil(lambda: not training.runner.busy, timeout=120_000)
    folder = Path(training.request().out).parent
    assert not list(folder.glob("long-run*")) and not list(folder.glob(".long-run*"))  # no model, no lock left
