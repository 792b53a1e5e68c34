"""The probe worker: failures, merging, stale results, CPU fallback, and closing mid-probe."""

import threading
import time

from mmexplorer.gui.worker import ProbeWorker

from .gui_tools import SlowWorker


class FailingWorker(ProbeWorker):
    def __init__(self) -> None:
        super().__init__()
        self.fail = False

    def _probe(self, request, device):
        if self.fail:
            raise RuntimeError("the model exploded")
        return super()._probe(request, device)


class OutOfMemoryWorker(ProbeWorker):
    def _probe(self, request, device):
        if device != "cpu":
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return super()._probe(request, device)


def test_failing_worker_leaves_the_window_usable(make_explorer, qtbot):
    worker = FailingWorker()
    explorer = make_explorer(worker=worker)
    worker.fail = True
    with qtbot.waitSignal(explorer.client.failed, timeout=60_000):
        explorer.client.run_now(force=True)
    assert "the model exploded" in explorer.window.messages.text
    assert not explorer.state.busy
    worker.fail = False
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


def test_requests_sent_during_a_probe_are_merged(make_explorer, qtbot):
    worker = SlowWorker()
    explorer = make_explorer(worker=worker)
    runs = worker.runs
    worker.gate.clear()
    with qtbot.waitSignal(worker.started, timeout=10_000):
        explorer.client.run_now(force=True)
    for text in ("a red circle", "a blue square", "a green triangle"):
        explorer.state.set_inputs(text=text)
        explorer.client.run_now()
    latest = explorer.client.latest_id
    results = []
    explorer.client.finished.connect(results.append)
    worker.gate.set()
    qtbot.waitUntil(lambda: explorer.state.result.request_id == latest, timeout=60_000)
    qtbot.wait(300)
    assert worker.runs == runs + 2  # the running probe and one for the three queued behind it
    assert [r.request_id for r in results] == [latest]  # the stale first result was dropped
    assert explorer.state.record.tokens == ("a", "green", "triangle")


def test_out_of_memory_falls_back_to_cpu(make_explorer, qtbot):
    explorer = make_explorer(worker=OutOfMemoryWorker(), device="auto", wait=False)
    threads = []
    post = explorer.state.post_message
    explorer.state.post_message = lambda *a: (threads.append(threading.current_thread()), post(*a))
    qtbot.waitUntil(lambda: explorer.state.result is not None, timeout=60_000)
    assert threads == [threading.main_thread()]  # the notice reached the state on the GUI thread
    assert explorer.state.result.device == "cpu"
    assert explorer.state.device == "cpu"
    assert "Out of memory" in explorer.window.messages.text


def test_closing_during_a_probe_stops_the_thread(make_explorer, qtbot):
    worker = SlowWorker()
    explorer = make_explorer(worker=worker)
    worker.gate.clear()
    with qtbot.waitSignal(worker.started, timeout=10_000):
        explorer.client.run_now(force=True)
    threading.Timer(0.5, worker.gate.set).start()  # the probe ends while the window is closing
    t0 = time.perf_counter()
    explorer.window.close()
    assert not explorer.client.thread.isRunning()
    assert time.perf_counter() - t0 >= 0.3  # it really waited for the running probe
