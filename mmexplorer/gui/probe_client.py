"""The GUI side of probing: owns the worker thread, debounces, numbers requests, drops stale results."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from mmexplorer.gui.messages import ProbeRequest, ProbeResult
from mmexplorer.gui.state import AppState
from mmexplorer.gui.worker import ProbeWorker

DEBOUNCE_MS = 250  # typing or dragging a control settles before the model runs


class ProbeClient(QObject):
    _submit = Signal(object)  # to the worker (queued across threads)
    _refresh = Signal()
    finished = Signal(object)  # ProbeResult that is still current
    failed = Signal(str)

    def __init__(self, state: AppState, worker: Optional[ProbeWorker] = None, parent=None) -> None:
        super().__init__(parent)
        self.state = state
        self.worker = worker or ProbeWorker()
        self.thread = QThread()
        self.thread.setObjectName("mmexplorer-probe")
        self.worker.moveToThread(self.thread)
        self._next_id = 0
        self._latest: Optional[ProbeRequest] = None  # the newest request sent
        self._latest_failed = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.run_now)

        self._submit.connect(self.worker.submit)
        self._refresh.connect(self.worker.refresh_catalog)
        self.worker.catalog_ready.connect(state.set_catalog)
        self.worker.model_loaded.connect(state.set_model_info)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        # bound slots of this GUI-thread object, never lambdas: a lambda would run in the worker thread
        self.worker.notice.connect(self._on_notice)
        self.worker.device_fallback.connect(self._on_fallback)
        state.inputs_changed.connect(self.schedule)
        state.selection_changed.connect(self._gradients_wanted)

    # -- lifecycle -------------------------------------------------------
    def start(self) -> None:
        self.state.set_busy(True)  # until the engine has loaded and the first probe is back
        self.thread.start()
        self._refresh.emit()

    def refresh_catalog(self) -> None:
        self._refresh.emit()

    def shutdown(self, timeout_ms: int = 60_000) -> bool:
        """Stop the worker thread, waiting for a running probe to end. True when the thread stopped."""
        self._timer.stop()
        if not self.thread.isRunning():
            return True
        for signal in (self.worker.finished, self.worker.failed):  # results that arrive now have no one to go to
            try:
                signal.disconnect()
            except (RuntimeError, TypeError):
                pass
        self.thread.quit()  # the loop ends after the slot that is running now returns
        stopped = self.thread.wait(timeout_ms)
        self.worker.shutdown()
        return bool(stopped)

    # -- requests --------------------------------------------------------
    @Slot()
    def schedule(self) -> None:
        """Probe after the inputs have been still for DEBOUNCE_MS."""
        if self.state.model is not None and self.state.image is not None:
            self._timer.start()

    @Slot()
    def run_now(self, force: bool = False) -> bool:
        """Send a request for the current inputs; identical repeats are merged unless forced."""
        self._timer.stop()
        s = self.state
        if s.model is None or s.image is None:
            return False
        # The backward pass for gradient relevancy more than doubles a probe: it runs only while
        # relevancy is the method shown (see _gradients_wanted).
        request = ProbeRequest(self._next_id + 1, s.model, s.device, s.image, s.text, relevancy=s.method == "relevancy")
        if not force and not self._latest_failed and request.same_input(self._latest):
            return False
        self._next_id += 1
        self._latest, self._latest_failed = request, False
        s.set_busy(True)
        self._submit.emit(request)
        return True

    @Slot()
    def _gradients_wanted(self) -> None:
        """Relevancy was picked for a record captured without gradients: capture them now, at once."""
        record = self.state.record
        if self.state.method == "relevancy" and record is not None and record.grads is None:
            self.run_now()  # merged with the request in flight when that one has gradients already

    @property
    def latest_id(self) -> int:
        return self._latest.id if self._latest else 0

    @property
    def latest_request(self) -> Optional[ProbeRequest]:
        """The newest request sent (the one a current result answers)."""
        return self._latest

    @Slot(str)
    def _on_notice(self, text: str) -> None:
        self.state.post_message(text, "warning")

    @Slot(str)
    def _on_fallback(self, device: str) -> None:
        self.state.set_inputs(device=device, quiet=True)  # the worker already reran on it

    @Slot(object)
    def _on_finished(self, result: ProbeResult) -> None:
        if result.request_id != self.latest_id:
            return  # an older request finished after a newer one was sent: not what the user asked for now
        self.state.set_busy(False)
        self.state.set_result(result)
        self.finished.emit(result)

    @Slot(int, str)
    def _on_failed(self, request_id: int, message: str) -> None:
        if request_id not in (-1, self.latest_id):
            return
        if request_id == self.latest_id:
            self.state.set_busy(False)
            self._latest_failed = True  # the same input may be retried
        self.state.post_message(message, "error")
        self.failed.emit(message)
