"""Runs one input through several models (and their evaluation) off the GUI thread.

Loaded models are cached by checkpoint path; evaluation reports are cached in
memory and on disk by (path, size, mtime), so the table is computed once per model.
"""

from __future__ import annotations

import json
import os
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from mmexplorer.data.image import LoadedImage


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


def _cache_key(path: str) -> str:
    st = os.stat(path)
    return f"{Path(path).resolve()}|{st.st_size}|{st.st_mtime_ns}"


class CompareWorker(QObject):
    item_ready = Signal(object)  # CompareItem
    done = Signal(int)  # request id
    eval_ready = Signal(object)  # EvalRow

    def __init__(self, eval_cache: Optional[Path] = None, eval_scenes: int = 60) -> None:
        super().__init__()
        self._models: dict[str, object] = {}
        self._pending: Optional[CompareRequest] = None
        self.eval_cache = eval_cache
        self.eval_scenes = eval_scenes
        self._eval_memo: dict[str, dict] = self._read_cache()
        self.cancel_eval = threading.Event()

    def _model(self, name: str, path: str, device: str):
        import dataclasses

        from mmexplorer.engine.catalog import resolve
        from mmexplorer.engine.probe import load_entry

        key = f"{path}|{device}"
        if key not in self._models:
            entry = dataclasses.replace(resolve(path), name=name)  # shown under the name the compare list uses
            self._models[key] = load_entry(entry, device)
        return self._models[key]

    @Slot(object)
    def submit(self, request: CompareRequest) -> None:
        self._pending = request  # newer requests replace older ones not yet started
        QTimer.singleShot(0, self._drain)

    @Slot()
    def _drain(self) -> None:
        request, self._pending = self._pending, None
        if request is None:
            return
        from mmexplorer.data.sample import Sample
        from mmexplorer.engine.probe import probe

        for name, path in request.models:
            if self._pending is not None:
                break  # a newer input arrived: stop spending time on this one
            try:
                model = self._model(name, path, request.device)
                sample = Sample(request.image, model.tokenizer.encode(request.text))
                self.item_ready.emit(CompareItem(request.id, name, probe(model, sample, relevancy=False)))
            except Exception as exc:
                traceback.print_exc()
                self.item_ready.emit(CompareItem(request.id, name, None, f"{type(exc).__name__}: {exc}"))
        self.done.emit(request.id)
        if self._pending is not None:
            QTimer.singleShot(0, self._drain)

    # -- evaluation table --------------------------------------------------
    def _read_cache(self) -> dict:
        if self.eval_cache and self.eval_cache.is_file():
            try:
                data = json.loads(self.eval_cache.read_text())
                return data if isinstance(data, dict) else {}
            except (OSError, ValueError):
                return {}
        return {}

    def _write_cache(self) -> None:
        if self.eval_cache is None:
            return
        from mmexplorer.data.files import atomic_write_text

        try:
            atomic_write_text(self.eval_cache, json.dumps(self._eval_memo))
        except (OSError, ValueError):  # OutputError is a ValueError
            pass  # a cache that cannot be written only costs time

    @Slot(object)
    def evaluate(self, models: tuple[tuple[str, str], ...]) -> None:
        from mmexplorer.engine.evaluate import evaluate
        from mmexplorer.engine.model_api import BundledModel

        self.cancel_eval.clear()
        for name, path in models:
            if self.cancel_eval.is_set():
                return
            try:
                key = f"{_cache_key(path)}|{self.eval_scenes}"
                if key not in self._eval_memo:
                    model = self._model(name, path, "cpu")
                    if not isinstance(model, BundledModel):
                        self.eval_ready.emit(EvalRow(name, None, "the shapes-world evaluation scores bundled strategies only"))
                        continue
                    self._eval_memo[key] = evaluate(model.net, scenes=self.eval_scenes, deletion=False, name=name)
                    self._write_cache()
                self.eval_ready.emit(EvalRow(name, self._eval_memo[key]))
            except Exception as exc:
                traceback.print_exc()
                self.eval_ready.emit(EvalRow(name, None, f"{type(exc).__name__}: {exc}"))


class CompareRunner(QObject):
    _submit = Signal(object)
    _evaluate = Signal(object)

    def __init__(self, worker: Optional[CompareWorker] = None, parent=None) -> None:
        super().__init__(parent)
        self.worker = worker or CompareWorker()
        self.thread = QThread()
        self.thread.setObjectName("mmexplorer-compare")
        self.worker.moveToThread(self.thread)
        self._submit.connect(self.worker.submit)
        self._evaluate.connect(self.worker.evaluate)

    def _ensure(self) -> None:
        if not self.thread.isRunning():
            self.thread.start()

    def submit(self, request: CompareRequest) -> None:
        self._ensure()
        self._submit.emit(request)

    def evaluate(self, models) -> None:
        self._ensure()
        self._evaluate.emit(tuple(models))

    def shutdown(self, timeout_ms: int = 120_000) -> bool:
        self.worker.cancel_eval.set()
        if not self.thread.isRunning():
            return True
        self.thread.quit()
        return self.thread.wait(timeout_ms)
