"""The GUI side of explaining one attention weight: a request for the shown record, sent to the engine.

The engine process owns the model, so the request goes through the probe
client (immutable request in, frozen explanation out); answers for an older
click or an older record are dropped.
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QObject, Signal, Slot

from mmexplorer.gui.cell_messages import CellRequest, CellResult


class CellClient(QObject):
    explained = Signal(object)  # CellResult for the newest request, still about the record shown
    failed = Signal(str)
    requested = Signal(object)  # CellRequest, as it is sent

    def __init__(self, state, probe_client, parent=None) -> None:
        super().__init__(parent)
        self.state = state
        self.probes = probe_client
        self._next_id = 0
        self.latest: Optional[CellRequest] = None
        self._source: Optional[tuple[int, str, str]] = None  # (result id, model, device) the shown record came from
        state.result_changed.connect(self._remember_source)
        probe_client.cell_finished.connect(self._on_finished)
        probe_client.cell_failed.connect(self._on_failed)

    @Slot()
    def _remember_source(self) -> None:
        """The model that made the record now shown: a cell must come from it, not from a model picked since."""
        result, request = self.state.result, self.probes.latest_request
        if result is not None and request is not None and request.id == result.request_id:
            self._source = (result.request_id, request.model, self.state.device)  # the device after any fallback

    def request(self, kind: str, layer: int, head: int, query: int, key: int) -> bool:
        """Explain weight [head, query, key] of the shown record's `kind` layer `layer`. False if there is no record."""
        result = self.state.result
        if result is None or kind not in result.record.attention:
            return False
        if self._source is None or self._source[0] != result.request_id:
            self._remember_source()
        if self._source is None or self._source[0] != result.request_id:
            return False
        _, model, device = self._source
        self._next_id += 1
        self.latest = CellRequest(self._next_id, result.request_id, model, device, result.image, result.text,
                                  kind, int(layer), int(head), int(query), int(key))
        self.requested.emit(self.latest)
        self.probes.submit_cell(self.latest)
        return True

    def _current(self, request_id: int) -> bool:
        result = self.state.result
        return (self.latest is not None and request_id == self.latest.id and result is not None
                and result.request_id == self.latest.result_id)

    @Slot(object)
    def _on_finished(self, reply) -> None:
        """`reply` is the engine's Explained (protocol/calls.py) for request `reply.id`."""
        if self._current(reply.id):
            self.explained.emit(CellResult(self.latest, reply.explanation))

    @Slot(int, str)
    def _on_failed(self, request_id: int, message: str) -> None:
        if self._current(request_id):
            self.failed.emit(message)
