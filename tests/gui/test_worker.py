"""Probing in the engine process: failures, merging, stale results, CPU fallback, cancel, crashes and closing."""

import multiprocessing
import os
import signal
import sys
import threading
import time

from .gui_tools import engine_held, release


def test_failing_model_leaves_the_window_usable(make_explorer, qtbot):
    explorer = make_explorer()
    explorer.client.test_hooks["fail"] = "the model exploded"  # the engine raises inside the probe
    with qtbot.waitSignal(explorer.client.failed, timeout=60_000):
        explorer.client.run_now(force=True)
    assert "the model exploded" in explorer.window.messages.text
    assert not explorer.state.busy
    explorer.client.test_hooks.pop("fail")
    with qtbot.waitSignal(explorer.client.finished, timeout=60_000):
        explorer.client.run_now()  # the same input may be retried after a failure
    assert explorer.window.messages.text == ""


def test_unknown_model_is_reported(make_explorer, qtbot):
    explorer = make_explorer(wait=False)
    with qtbot.waitSignal(explorer.client.finished, timeout=60_000):
        pass
    with qtbot.waitSignal(explorer.client.failed, timeout=60_000):
        explorer.state.set_inputs(model="no-such-model")
    assert "unknown model 'no-such-model'" in explorer.window.messages.text


def test_requests_sent_during_a_probe_are_merged(make_explorer, qtbot, tmp_path):
    explorer = make_explorer()
    runs = explorer.client.runs
    gate = tmp_path / "gate"
    with engine_held(explorer, gate):
        with qtbot.waitSignal(explorer.client.started, timeout=10_000):
            explorer.client.run_now(force=True)
        for text in ("a red circle", "a blue square", "a green triangle"):
            explorer.state.set_inputs(text=text)
            explorer.client.run_now()
        latest = explorer.client.latest_id
        results = []
        explorer.client.finished.connect(results.append)
    qtbot.waitUntil(lambda: explorer.state.result.request_id == latest, timeout=60_000)
    qtbot.wait(300)
    assert explorer.client.runs == runs + 2  # the running probe and one for the three queued behind it
    assert [r.request_id for r in results] == [latest]  # the stale first result was dropped
    assert explorer.state.record.tokens == ("a", "green", "triangle")


def test_out_of_memory_falls_back_to_cpu(make_explorer, qtbot):
    explorer = make_explorer(hooks={"oom": True}, device="auto", wait=False)
    threads = []
    post = explorer.state.post_message
    explorer.state.post_message = lambda *a: (threads.append(threading.current_thread()), post(*a))
    qtbot.waitUntil(lambda: explorer.state.result is not None, timeout=60_000)
    assert threads == [threading.main_thread()]  # the notice reached the state on the GUI thread
    assert explorer.state.result.device == "cpu"
    assert explorer.state.device == "cpu"
    assert "Out of memory" in explorer.window.messages.text


def test_the_window_process_never_loads_torch(make_explorer):
    explorer = make_explorer()
    assert explorer.state.record is not None
    # this test process imported torch for its fixtures, so ask a fresh interpreter instead
    import subprocess

    code = (
        "import os, sys\n"
        "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from mmexplorer.gui.app import Explorer, Options\n"
        "from PySide6.QtCore import QTimer\n"
        "e = Explorer(Options(model='test-early', persist=False))\n"
        "e.first_probe_drawn.connect(lambda: (print('drawn', 'torch' in sys.modules, 'transformers' in sys.modules),"
        " e.window.close(), app.quit()))\n"
        "e.client.failed.connect(lambda m: (print('failed', m), app.quit()))\n"
        "QTimer.singleShot(120_000, app.quit)\n"
        "e.start()\n"
        "app.exec()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180, env=dict(os.environ))
    assert "drawn False False" in out.stdout, out.stdout + out.stderr


def test_cancel_stops_a_running_probe_at_once(make_explorer, qtbot, tmp_path):
    explorer = make_explorer()
    client, old = explorer.client, explorer.client.engine.process
    with engine_held(explorer, tmp_path / "gate"):  # a forward pass that would not end by itself for a minute
        with qtbot.waitSignal(client.started, timeout=10_000):
            client.run_now(force=True)
        assert client.cancel()
        assert old.exitcode == -signal.SIGKILL  # killed mid-probe, not waited for
    assert not explorer.state.busy
    assert client.engine.pid != old.pid and client.engine.running  # a fresh engine took over
    with qtbot.waitSignal(client.finished, timeout=60_000):
        client.run_now()  # the same input may run again


def test_an_engine_killed_mid_probe_is_restarted_and_the_input_rerun(make_explorer, qtbot, tmp_path):
    explorer = make_explorer(text="a red circle")
    client, state = explorer.client, explorer.state
    state.set_inputs(text="a blue square", quiet=True)  # typed by the user, not yet probed
    image, text = state.image, state.text
    gate = tmp_path / "gate"
    with engine_held(explorer, gate):
        with qtbot.waitSignal(client.started, timeout=10_000):
            client.run_now()
        pid = client.engine.pid
        latest = client.latest_id
        with qtbot.waitSignal(client.engine_restarted, timeout=30_000):
            os.kill(pid, signal.SIGKILL)
    assert "engine stopped unexpectedly" in explorer.window.messages.text
    assert explorer.window.messages.text.count("\n") == 0  # one line
    qtbot.waitUntil(lambda: state.result is not None and state.result.request_id == latest, timeout=60_000)
    assert client.engine.pid != pid and client.engine.running
    assert state.record.tokens == ("a", "blue", "square")  # the input the user had, probed again
    assert state.image is image and state.text == text and state.result.image is image
    assert state.model_info is not None and state.model_info.name == "test-early"  # the model was loaded again
    _wait_gone(pid)


def test_closing_during_a_probe_stops_the_engine_process(make_explorer, qtbot, tmp_path):
    explorer = make_explorer(own_engine=True)  # the app's own engine process, not the tests' shared one
    gate = tmp_path / "gate"
    with engine_held(explorer, gate):
        with qtbot.waitSignal(explorer.client.started, timeout=10_000):
            explorer.client.run_now(force=True)
        pid = explorer.client.engine.pid
        threading.Timer(0.5, release, (gate,)).start()  # the probe ends while the window is closing
        explorer.window.close()
    assert not explorer.client.engine.running
    _wait_gone(pid)
    assert multiprocessing.active_children() == []  # nor any other engine process (training, compare)


def _wait_gone(pid: int) -> None:
    """The engine process is reaped, not left as an orphan or a zombie."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError(f"engine process {pid} is still there")
