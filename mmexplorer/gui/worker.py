"""The probe worker: a QObject living in its own QThread, the only owner of the model.

Requests arrive through a queued signal; the newest one wins (requests that
arrive while a probe runs are merged into one), and every result carries the
id of the request it answers so the GUI can drop stale ones. The engine (and
with it torch) is imported here, in the worker thread, never at module level.
"""

from __future__ import annotations

import json
import os
import time
import traceback
from typing import Optional

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal, Slot

from mmexplorer.gui.messages import Catalog, ModelInfo, ProbeRequest, ProbeResult


class ProbeWorker(QObject):
    catalog_ready = Signal(object)  # Catalog
    model_loaded = Signal(object)  # ModelInfo
    started = Signal(int)  # request id, when a probe really starts running
    finished = Signal(object)  # ProbeResult
    failed = Signal(int, str)  # request id, a one-line message
    notice = Signal(str)  # something the user should know (e.g. a CPU fallback)
    device_fallback = Signal(str)  # the device the worker switched to
    cell_finished = Signal(object)  # CellResult: one attention weight explained
    cell_failed = Signal(int, str)  # cell request id, a one-line message

    def __init__(self) -> None:
        super().__init__()
        self._pending: Optional[ProbeRequest] = None
        self._model = None
        self._model_key: Optional[tuple[str, str]] = None  # (checkpoint path, requested device)
        self.runs = 0  # probes actually run (tests count them)
        self._pending_cell = None  # the newest CellRequest not yet explained

    # -- catalog -------------------------------------------------------
    @Slot()
    def refresh_catalog(self) -> None:
        try:
            from mmexplorer.engine.catalog import default_model_name, list_models
            from mmexplorer.engine.device import available_devices

            models = tuple(list_models())
            self.catalog_ready.emit(Catalog(models, tuple(available_devices()), default_model_name()))
        except Exception as exc:  # the engine itself failed to import: say so instead of dying silently
            message = self.tr("the engine could not start: {error}").format(error=f"{type(exc).__name__}: {exc}")
            self.catalog_ready.emit(Catalog((), ("auto", "cpu"), None, error=message))

    # -- requests ------------------------------------------------------
    @Slot(object)
    def submit(self, request: ProbeRequest) -> None:
        # Requests queued behind a running probe all land here before the first
        # drain runs, so only the newest is kept.
        self._pending = request
        QTimer.singleShot(0, self._drain)

    @Slot()
    def _drain(self) -> None:
        request, self._pending = self._pending, None
        if request is not None:
            self._run(request)

    def _run(self, request: ProbeRequest) -> None:
        self.started.emit(request.id)
        self.runs += 1
        t0 = time.perf_counter()
        try:
            record, device = self._probe_with_fallback(request)
        except Exception as exc:
            self.failed.emit(request.id, self._describe(exc))
            return
        self.finished.emit(ProbeResult(request.id, record, request.image, request.text, time.perf_counter() - t0, device))

    def _probe_with_fallback(self, request: ProbeRequest):
        from mmexplorer.engine.device import is_out_of_memory

        try:
            return self._probe(request, request.device), self._device_name()
        except Exception as exc:
            if not is_out_of_memory(exc) or request.device == "cpu":
                raise
        lost = request.device if request.device != "auto" else self.tr("the GPU")
        self._forget_model()
        self.notice.emit(self.tr("Out of memory on {device}: this probe ran on the CPU instead").format(device=lost))
        self.device_fallback.emit("cpu")
        return self._probe(request, "cpu"), "cpu"

    # -- one attention weight, explained on request ------------------------
    @Slot(object)
    def submit_cell(self, request) -> None:
        self._pending_cell = request  # clicks queued behind a running probe merge into the newest
        QTimer.singleShot(0, self._drain_cell)

    @Slot()
    def _drain_cell(self) -> None:
        from mmexplorer.gui.cell_messages import CellResult

        request, self._pending_cell = self._pending_cell, None
        if request is None:
            return
        try:
            explanation = self._explain(request)
        except Exception as exc:
            self.cell_failed.emit(request.id, self._describe(exc))
            return
        self.cell_finished.emit(CellResult(request, explanation))

    def _explain(self, request):
        from mmexplorer.data.sample import make_sample
        from mmexplorer.engine.cell import explain_cell

        model = self._load(request.model, request.device)
        sample = make_sample(request.image, request.text, model.tokenizer)
        return explain_cell(model, sample, request.kind, request.layer, request.head, request.query, request.key)

    # -- engine calls (overridable in tests) -----------------------------
    def _probe(self, request: ProbeRequest, device: str):
        from mmexplorer.data.sample import make_sample
        from mmexplorer.engine.probe import probe

        model = self._load(request.model, device)
        sample = make_sample(request.image, request.text, model.tokenizer)
        return probe(model, sample, relevancy=request.relevancy)

    def _load(self, name: str, device: str):
        from mmexplorer.engine.catalog import resolve
        from mmexplorer.engine.probe import load_model

        entry = resolve(name)
        key = (entry.path, device)
        if key != self._model_key:
            self._forget_model()
            model, _ = load_model(entry.path, device)  # by path; `entry` keeps its catalog source
            self._model, self._model_key = model, key
            self.model_loaded.emit(self._describe_model(model, entry, device))
        return self._model

    def _forget_model(self) -> None:
        self._model, self._model_key = None, None
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except Exception:
            pass

    def _device_name(self) -> str:
        if self._model is None:
            return "cpu"
        return str(self._model.device)

    @staticmethod
    def _describe_model(model, entry, device: str) -> ModelInfo:
        return ModelInfo(
            name=entry.name,
            fusion=model.spec.fusion,
            path=entry.path,
            source=entry.source,
            device=str(model.device),
            parameters=model.parameter_count(),
            has_cross_modal_attention=model.spec.has_cross_modal_attention,
            config_json=model.cfg.to_json(),
            spec_json=json.dumps(model.spec.to_dict()),
        )

    @staticmethod
    def _describe(exc: Exception) -> str:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        # Bad images, checkpoints, configs and unknown models are all ValueErrors with a readable message.
        if isinstance(exc, ValueError):
            return text or type(exc).__name__
        if isinstance(exc, MemoryError):
            return QCoreApplication.translate("ProbeWorker", "Out of memory: this model or picture needs more memory than there is")
        if os.environ.get("MMEXPLORER_DEBUG"):
            traceback.print_exc()  # for whoever debugs the engine; the window shows one clear line either way
        detail = f"{type(exc).__name__}: {text[:120]}" if text else type(exc).__name__  # for a bug report
        return QCoreApplication.translate(
            "ProbeWorker", "The model could not run on this input; it may be damaged or of a kind this explorer does not support ({detail})"
        ).format(detail=detail)

    def shutdown(self) -> None:
        """Called in the worker thread just before it stops: drop queued work and the model."""
        self._pending = self._pending_cell = None
        self._model, self._model_key = None, None
