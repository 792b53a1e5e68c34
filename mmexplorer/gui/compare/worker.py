"""Runs one input through several models (and their evaluation) in an engine process of its own.

engine/compare_service.py does the work (it caches loaded models and reports);
this side turns its replies into the panel's CompareItem and EvalRow. A newer
input makes the engine stop after the model it is on. Compare has its own
process so that the explorer's probes never wait behind it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from PySide6.QtCore import QObject, Signal

from mmexplorer.data.image import LoadedImage
from mmexplorer.protocol import calls
from mmexplorer.gui.engine_client import EngineLink


@dataclass(frozen=True)
class CompareRequest:
    id: int
    models: tuple[tuple[str, str], ...]  # (name, checkpoint path)
    image: LoadedImage
    text: str
    device: str


@dataclass(frozen=True)
class CompareItem:
    request_id: int
    name: str
    record: object  # AttentionRecord, or None when the model failed
    error: Optional[str] = None


@dataclass(frozen=True)
class EvalRow:
    name: str
    report: Optional[dict]
    error: Optional[str] = None


class CompareEvents(QObject):
    item_ready = Signal(object)  # CompareItem
    done = Signal(int)  # request id
    eval_ready = Signal(object)  # EvalRow


class CompareRunner(QObject):
    def __init__(self, parent=None, eval_cache: Optional[Path] = None, eval_scenes: int = 60) -> None:
        super().__init__(parent)
        self.worker = CompareEvents(self)  # the signals the panel listens to
        self.engine = EngineLink(self)
        self.engine.received.connect(self._on_reply)
        self.eval_cache = eval_cache
        self.eval_scenes = eval_scenes
        self._eval_id = 0

    def submit(self, request: CompareRequest) -> None:
        self.engine.start()
        self.engine.send(calls.Compare(request.id, tuple(request.models), request.image, request.text, request.device))

    def evaluate(self, models) -> None:
        self.engine.start()
        self._eval_id += 1
        cache = str(self.eval_cache) if self.eval_cache else None
        self.engine.send(calls.Evaluate(self._eval_id, tuple(tuple(m) for m in models), self.eval_scenes, cache))

    def _on_reply(self, reply) -> None:
        if isinstance(reply, calls.Compared):
            self.worker.item_ready.emit(CompareItem(reply.id, reply.name, reply.record, reply.error))
        elif isinstance(reply, calls.CompareDone):
            self.worker.done.emit(reply.id)
        elif isinstance(reply, calls.Evaluated) and reply.id == self._eval_id:
            report = json.loads(reply.report_json) if reply.report_json is not None else None
            self.worker.eval_ready.emit(EvalRow(reply.name, report, reply.error))

    def shutdown(self, timeout_ms: int = 120_000) -> bool:
        """End the process (after the model it is on, or by stopping it)."""
        self.engine.stop(min(timeout_ms / 1000, 5.0))
        return not self.engine.running
