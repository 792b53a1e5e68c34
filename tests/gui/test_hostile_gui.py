"""Hostile input, second round, in the explorer: special files dropped, bad models opened, a bad model at start.

Every case ends with one clear message in the window (no raw exception text, no
traceback on the terminal), the last good probe stays, and the window keeps working.
"""

import os

import pytest

import hostile

from .gui_tools import drop, file_mime


def _no_traceback(capfd) -> None:
    err = capfd.readouterr().err
    assert "Traceback" not in err, err


def test_special_and_truncated_images_dropped_on_the_window(make_explorer, qtbot, tmp_path, capfd):
    explorer = make_explorer()
    state, window = explorer.state, explorer.window
    special = hostile.special_files(tmp_path / "special")
    jpeg = tmp_path / "claims-8000x8000.jpg"
    jpeg.write_bytes(hostile.jpeg_claiming(8000, 8000))
    cases = [(path, hostile.SPECIAL_EXPECT[name]) for name, path in special.items()] + [(jpeg, "truncated")]
    before = state.result
    for path, expect in cases:
        drop(window, file_mime(path))  # returns at once: a FIFO must not block the GUI thread
        assert window.messages.level == "error", path
        assert expect in window.messages.text, (path, window.messages.text)
        assert state.result is before
    _no_traceback(capfd)
    with qtbot.waitSignal(explorer.client.finished, timeout=60_000):
        drop(window, file_mime(hostile.picture(tmp_path / "good.png")))


def _bad_models(folder):
    """(path, a fragment of the message) for models that must be refused by name."""
    configs = folder / "configs"
    out = [
        (hostile.tiny_checkpoint(configs / "wide.safetensors", config_changes={"width": 10**6}), "width"),
        (hostile.tiny_checkpoint(configs / "float.safetensors", config_changes={"width": 32.5}), "width must be an integer"),
        (hostile.tiny_checkpoint(configs / "vocab.safetensors", config_changes={"vocab": "red"}), "vocab must be a list"),
        (hostile.tiny_checkpoint(configs / "objectives.safetensors", config_changes={"objectives": "x"}), "objectives"),
        (hostile.tiny_checkpoint(configs / "nan.safetensors", poison=float("nan")), "NaN or infinite"),
    ]
    fifo = folder / "pipe.safetensors"
    os.mkfifo(fifo)
    loop = folder / "loop.safetensors"
    os.symlink(folder / "loop2.safetensors", loop)
    os.symlink(loop, folder / "loop2.safetensors")
    out += [(fifo, "named pipe"), (loop, "symbolic link loop")]
    if pytest.importorskip("transformers"):
        import json
        import shutil

        base = hostile.tiny_vit_folder(folder / "vit")
        for name, change, expect in (("vit-patch0", {"patch_size": 0}, "patch_size is 0"),
                                     ("vit-layers", {"num_hidden_layers": 100_000}, "num_hidden_layers"),
                                     ("vit-hidden", {"hidden_size": 64}, "hidden_size is 64 but the weights")):
            target = folder / name
            shutil.copytree(base, target)
            data = json.loads((target / "config.json").read_text())
            data.update(change)
            (target / "config.json").write_text(json.dumps(data))
            out.append((target, expect))
    return out


def test_bad_models_opened_in_the_explorer_give_one_clear_message(make_explorer, qtbot, tmp_path, capfd):
    explorer = make_explorer()
    window = explorer.window
    failures = []
    explorer.client.failed.connect(failures.append)
    good = explorer.state.result
    for path, expect in _bad_models(tmp_path):
        count = len(failures)
        explorer.state.set_inputs(model=str(path))  # what File > Open checkpoint / model folder does
        qtbot.waitUntil(lambda: len(failures) > count, timeout=60_000)
        message = window.messages.text
        assert window.messages.level == "error" and expect in message, (path, message)
        assert path.name in message  # the file is named
        assert not explorer.state.busy and explorer.state.result is good  # the last good probe stays
    _no_traceback(capfd)
    with qtbot.waitSignal(explorer.client.finished, timeout=60_000):
        explorer.state.set_inputs(model="test-early")


def test_a_model_that_fails_inside_shows_a_clear_line_not_a_bare_exception(make_explorer, qtbot, capfd):
    """A fault deep in a forward pass (not a ValueError): one readable line, no traceback on the terminal."""
    explorer = make_explorer()
    failures = []
    explorer.client.failed.connect(failures.append)
    # the engine's test hook raises this RuntimeError inside the probe
    explorer.client.test_hooks["fail"] = "mat1 and mat2 shapes cannot be multiplied (1x32 and 64x32)"
    explorer.state.set_inputs(text="a blue square")
    qtbot.waitUntil(lambda: bool(failures), timeout=60_000)
    explorer.client.test_hooks.clear()
    message = explorer.window.messages.text
    assert message.startswith("The model could not run on this input") and "(RuntimeError: mat1" in message
    assert "\n" not in message and len(message) < 300
    _no_traceback(capfd)
    with qtbot.waitSignal(explorer.client.finished, timeout=60_000):
        explorer.state.set_inputs(text="a red circle")


def test_starting_with_a_bad_model_is_not_stuck_on_loading(make_explorer, qtbot, tmp_path, capfd):
    bad = hostile.tiny_checkpoint(tmp_path / "broken.safetensors", config_changes={"mlp_ratio": -1.0})
    explorer = make_explorer(model=str(bad), wait=False)
    failures = []
    explorer.client.failed.connect(failures.append)
    qtbot.waitUntil(lambda: bool(failures), timeout=60_000)
    view = explorer.window.views["cross"]
    assert "Loading" not in view.label.text() and "message above" in view.label.text()
    assert "mlp_ratio" in explorer.window.messages.text and not explorer.state.busy
    _no_traceback(capfd)
    with qtbot.waitSignal(explorer.client.finished, timeout=60_000):  # the window keeps working
        explorer.state.set_inputs(model="test-early")
    assert explorer.state.record is not None


def test_a_training_whose_loss_turns_nan_stops_and_says_so(qtbot, tmp_path, capfd):
    """The panel shows why the run stopped and which checkpoint is kept; it does not announce a trained model."""
    from mmexplorer.gui.training.panel import TrainingPanel
    from mmexplorer.models.checkpoint import read_checkpoint

    panel = TrainingPanel(lambda: tmp_path / "models", confirm_overwrite=lambda path: False)
    qtbot.addWidget(panel)
    panel.overrides = {"model": {"image_size": 64, "width": 32, "depth": 1, "unimodal_depth": 1, "heads": 2},
                       "batch_scenes": 2, "checkpoint_every": 1}
    panel.steps.setValue(10)
    panel.name.setText("diverging")
    announced = []
    panel.model_trained.connect(announced.append)
    panel.runner.test_hooks = {"nan_from": 4}  # the training engine makes the loss NaN from step 4 on
    try:
        assert panel.start()
        qtbot.waitUntil(lambda: panel.last_outcome is not None, timeout=120_000)
        text = panel.status.text()
        assert "step 4" in text and "NaN or infinite" in text and "last finite checkpoint (step 3)" in text, text
        assert not announced
        _, _, extra = read_checkpoint(tmp_path / "models" / "diverging.safetensors")  # finite, else refused
        assert extra["steps_done"] == 3
        _no_traceback(capfd)
    finally:
        assert panel.shutdown()
