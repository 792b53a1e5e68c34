"""The GUI side of all engine work: debounces, numbers requests, merges them, drops stale results.

Everything runs in the engine process (gui/engine_client.py, engine/service.py);
this object lives on the GUI thread. Per channel (probe, cell) at most one call
is in flight; requests made meanwhile are merged into the newest, which is sent
when the running one answers. If the engine dies, it is restarted and the
current input is probed again; nothing in the window is lost.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Optional

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal, Slot

from mmexplorer.gui.engine_client import EngineLink
from mmexplorer.gui.state import AppState

if TYPE_CHECKING:
    from mmexplorer.protocol import calls
    from mmexplorer.gui.messages import ProbeRequest

# protocol/calls.py and gui/messages.py (numpy behind them) are imported where first used: the
# window is on screen before numpy is imported.

DEBOUNCE_MS = 250  # typing or dragging a control settles before the model runs
MAX_RESTARTS = 3  # engine deaths in a row (with no probe answered between) before giving up



def failure_text(reply: "calls.Failed") -> str:
    """What the window says of a failed request, in its language (the engine sends plain facts)."""
    if reply.fault == "memory":
        return QCoreApplication.translate("ProbeWorker", "Out of memory: this model or picture needs more memory than there is")
    if reply.fault == "model":
        return QCoreApplication.translate(
            "ProbeWorker", "The model could not run on this input; it may be damaged or of a kind this explorer does not support ({detail})"
        ).format(detail=reply.message)
    return reply.message

class ProbeClient(QObject):
    finished = Signal(object)  # ProbeResult that is still current
    failed = Signal(str)
    started = Signal(int)  # request id, when a probe really starts running in the engine
    engine_restarted = Signal()  # after a crash, once the fresh engine has been asked to rerun
    cell_finished = Signal(object)  # engine Explained reply (for gui/cell_client.py)
    cell_failed = Signal(int, str)  # cell request id, a one-line message

    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent)
        self.state = state
        self.engine = EngineLink(self)
        self.runs = 0  # probes actually run in the engine (tests count them)
        # Test hooks sent with every probe (see engine/service.py); the engine ignores them
        # unless the tests' environment variable is set.
        self.test_hooks: dict = {}
        self._next_id = 0
        self._latest: Optional[ProbeRequest] = None  # the newest request made
        self._latest_failed = False
        self._pending: Optional[ProbeRequest] = None  # made while another probe runs: sent when it answers
        self._in_flight: Optional[int] = None  # id of the probe the engine is running
        self._pending_cell = None  # newest CellRequest not yet sent
        self._cell_in_flight: Optional[int] = None
        self._catalog_id = 0
        self._crashes = 0
        self._closed = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.run_now)
        self.engine.received.connect(self._on_reply)
        self.engine.died.connect(self._on_died)
        state.inputs_changed.connect(self.schedule)
        state.selection_changed.connect(self._gradients_wanted)

    @property
    def worker(self) -> "ProbeClient":
        """The older name for the object that counts runs (`client.worker.runs`)."""
        return self

    # -- lifecycle -------------------------------------------------------
    def start(self) -> None:
        self.state.set_busy(True)  # until the engine has loaded and the first probe is back
        self.engine.start()
        self.refresh_catalog()

    def refresh_catalog(self) -> None:
        if self._closed:
            return  # the window is closing: no engine is started again
        if self.engine.process is None:
            self.engine.start()  # after the engine was given up on (see _on_died)
        from mmexplorer.protocol import calls

        self._catalog_id += 1
        self.engine.send(calls.ListModels(self._catalog_id))

    def shutdown(self, timeout_ms: int = 60_000) -> bool:
        """Stop the engine process (killing it if a probe does not end in time). True when it is gone."""
        self._timer.stop()
        self._closed = True
        self._pending = self._pending_cell = None
        self.engine.stop(min(timeout_ms / 1000, 5.0))
        return not self.engine.running

    def cancel(self) -> bool:
        """Drop the running probe at once, even mid-forward, by restarting the engine. False if none ran."""
        self._timer.stop()
        self._pending = None
        if self._in_flight is None:
            return False
        self._in_flight, self._cell_in_flight, self._pending_cell = None, None, None
        self._latest_failed = True  # the same input may be run again
        self.engine.restart()
        self.state.set_busy(False)
        return True

    # -- requests --------------------------------------------------------
    @Slot()
    def schedule(self) -> None:
        """Probe after the inputs have been still for DEBOUNCE_MS."""
        if self.state.model is not None and self.state.image is not None and self.state.saved is None:
            self._timer.start()

    @Slot()
    def run_now(self, force: bool = False) -> bool:
        """Send a request for the current inputs; identical repeats are merged unless forced."""
        self._timer.stop()
        s = self.state
        if s.model is None or s.image is None or s.saved is not None:  # saved work on screen: nothing to run
            return False
        from mmexplorer.gui.messages import ProbeRequest

        # The backward pass for gradient relevancy more than doubles a probe: it runs only while
        # relevancy is the method shown (see _gradients_wanted).
        request = ProbeRequest(self._next_id + 1, s.model, s.device, s.image, s.text, relevancy=s.method == "relevancy")
        if not force and not self._latest_failed and request.same_input(self._latest):
            return False
        self._next_id += 1
        self._latest, self._latest_failed = request, False
        self._pending = request
        self._pump()
        s.set_busy(True)  # after sending: the status bar's relayout overlaps with the engine's work
        return True

    def _pump(self) -> None:
        """Send the newest waiting request when the engine is free for it."""
        from mmexplorer.protocol import calls

        if self._in_flight is None and self._pending is not None:
            r, self._pending = self._pending, None
            self._in_flight = r.id
            self.engine.send(calls.Probe(r.id, r.model, r.device, r.image, r.text, r.relevancy, json.dumps(self.test_hooks)))
        if self._cell_in_flight is None and self._pending_cell is not None:
            c, self._pending_cell = self._pending_cell, None
            self._cell_in_flight = c.id
            self.engine.send(calls.ExplainCell(c.id, c.model, c.device, c.image, c.text, c.kind, c.layer, c.head, c.query, c.key))

    def submit_cell(self, request) -> None:
        """Explain one attention weight (a gui.cell_messages.CellRequest); clicks made meanwhile merge."""
        self._pending_cell = request
        self._pump()

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

    # -- replies ------------------------------------------------------------
    @Slot(object)
    def _on_reply(self, reply) -> None:
        from mmexplorer.protocol import calls

        if isinstance(reply, calls.Probed):
            self._probe_answered(reply.id)
            self._crashes = 0
            self._on_finished(reply)
        elif isinstance(reply, calls.Failed) and reply.channel == "probe":
            self._probe_answered(reply.id)
            self._on_failed(reply.id, failure_text(reply))
        elif isinstance(reply, calls.Started):
            self.runs += 1
            self.started.emit(reply.id)
        elif isinstance(reply, calls.ModelLoaded):
            self.state.set_model_info(reply.info)
        elif isinstance(reply, calls.FellBack):
            self._on_fallback(reply.lost)
        elif isinstance(reply, calls.Listed):
            if reply.id == self._catalog_id:
                self._on_catalog(reply.catalog)
        elif isinstance(reply, (calls.Explained, calls.Failed)):
            if reply.id == self._cell_in_flight:
                self._cell_in_flight = None
            if isinstance(reply, calls.Explained):
                self.cell_finished.emit(reply)
            else:
                self.cell_failed.emit(reply.id, failure_text(reply))
            self._pump()

    def _probe_answered(self, request_id: int) -> None:
        if request_id == self._in_flight:
            self._in_flight = None
        self._pump()

    def _on_catalog(self, catalog: calls.Catalog) -> None:
        if catalog.error:
            from mmexplorer.protocol import calls

            message = QCoreApplication.translate("ProbeWorker", "the engine could not start: {error}").format(error=catalog.error)
            catalog = calls.Catalog(catalog.models, catalog.devices, catalog.default, error=message)
        self.state.set_catalog(catalog)

    def _on_fallback(self, lost: str) -> None:
        device = lost if lost != "auto" else QCoreApplication.translate("ProbeWorker", "the GPU")
        self.state.post_message(QCoreApplication.translate(
            "ProbeWorker", "Out of memory on {device}: this probe ran on the CPU instead").format(device=device), "warning")
        self.state.set_inputs(device="cpu", quiet=True)  # the engine already reran on it

    def _on_finished(self, reply: calls.Probed) -> None:
        request = self._latest
        if request is None or reply.id != request.id:
            return  # an older request finished after a newer one was sent: not what the user asked for now
        from mmexplorer.gui.messages import ProbeResult

        result = ProbeResult(reply.id, reply.record, request.image, request.text, reply.seconds, reply.device)
        self.state.set_busy(False)
        self.state.set_result(result)
        self.finished.emit(result)

    def _on_failed(self, request_id: int, message: str) -> None:
        if request_id != self.latest_id:
            return
        self.state.set_busy(False)
        self._latest_failed = True  # the same input may be retried
        self.state.post_message(message, "error")
        self.failed.emit(message)

    # -- crashes ---------------------------------------------------------------
    @Slot(object)
    def _on_died(self, code) -> None:
        """The engine stopped unasked (killed, a native crash, out of memory): restart it and rerun."""
        self._crashes += 1
        lost_probe, lost_cell = self._in_flight is not None, self._cell_in_flight
        self._in_flight, self._cell_in_flight, self._pending_cell = None, None, None
        if lost_cell is not None:
            self.cell_failed.emit(lost_cell, self.tr("the engine stopped while explaining this weight; click it again"))
        if self._crashes > MAX_RESTARTS:
            self.state.set_busy(False)
            self._latest_failed = True
            message = self.tr("The engine stopped {count} times in a row (exit code {code}) and was not restarted; "
                              "use File › Reload model list to start it again").format(count=self._crashes - 1, code=code)
            self.state.post_message(message, "error")
            self.failed.emit(message)
            self._crashes = 0  # a reload starts afresh
            return
        self.state.post_message(self.tr("The engine stopped unexpectedly (exit code {code}); it was restarted and "
                                        "the current input is running again").format(code=code), "warning")
        self.engine.start()
        if self.state.catalog is None:
            self.refresh_catalog()
        if self._pending is None and self._latest is not None and (lost_probe or self.state.result is None
                                                                     or self.state.result.request_id != self._latest.id):
            self._pending = self._latest  # the same request again (same id): its answer is current
        if self._pending is not None:
            self.state.set_busy(True)
        self._pump()
        self.engine_restarted.emit()
