"""Comparing models in the engine process: one input through several checkpoints, and their evaluation table.

Loaded models are cached by checkpoint path; evaluation reports are cached in
memory and on disk by (path, size, mtime, scenes), so the table is computed once per model.
"""

from __future__ import annotations

import json
import os
import traceback
from pathlib import Path
from typing import Callable, Optional

from mmexplorer.protocol import calls


def _cache_key(path: str) -> str:
    st = os.stat(path)
    return f"{Path(path).resolve()}|{st.st_size}|{st.st_mtime_ns}"


class Comparer:
    def __init__(self, send: Callable[[object], None], superseded: Callable[[type], bool]) -> None:
        self.send = send
        self.superseded = superseded  # superseded(calls.Compare): a newer Compare (or a Stop) is waiting
        self._models: dict[str, object] = {}
        self._eval_memo: Optional[dict] = None

    def _model(self, name: str, path: str, device: str):
        import dataclasses

        from mmexplorer.engine.catalog import resolve
        from mmexplorer.engine.probe import load_entry

        key = f"{path}|{device}"
        if key not in self._models:
            entry = dataclasses.replace(resolve(path), name=name)  # shown under the name the compare list uses
            self._models[key] = load_entry(entry, device)
        return self._models[key]

    def compare(self, call: calls.Compare) -> None:
        from mmexplorer.data.sample import Sample
        from mmexplorer.engine.probe import probe

        for name, path in call.models:
            if self.superseded(calls.Compare):
                break  # a newer input arrived: stop spending time on this one
            try:
                model = self._model(name, path, call.device)
                sample = Sample(call.image, model.tokenizer.encode(call.text))
                self.send(calls.Compared(call.id, name, probe(model, sample, relevancy=False)))
            except Exception as exc:
                traceback.print_exc()
                self.send(calls.Compared(call.id, name, None, f"{type(exc).__name__}: {exc}"))
        self.send(calls.CompareDone(call.id))

    def evaluate(self, call: calls.Evaluate) -> None:
        from mmexplorer.engine.model_api import EvaluationUnavailable

        memo = self._memo(call.cache)
        for name, path in call.models:
            if self.superseded(calls.Evaluate):
                return
            try:
                key = f"{_cache_key(path)}|{call.scenes}"
                if key not in memo:
                    model = self._model(name, path, "cpu")
                    try:
                        memo[key] = model.evaluate(scenes=call.scenes, deletion=False)
                    except EvaluationUnavailable:
                        self.send(calls.Evaluated(call.id, name, None, "the shapes-world evaluation scores bundled strategies only"))
                        continue
                    self._write(call.cache, memo)
                self.send(calls.Evaluated(call.id, name, json.dumps(memo[key])))
            except Exception as exc:
                traceback.print_exc()
                self.send(calls.Evaluated(call.id, name, None, f"{type(exc).__name__}: {exc}"))

    def _memo(self, cache: Optional[str]) -> dict:
        if self._eval_memo is None:
            self._eval_memo = {}
            if cache and Path(cache).is_file():
                try:
                    data = json.loads(Path(cache).read_text())
                    self._eval_memo = data if isinstance(data, dict) else {}
                except (OSError, ValueError):
                    pass
        return self._eval_memo

    @staticmethod
    def _write(cache: Optional[str], memo: dict) -> None:
        if not cache:
            return
        from mmexplorer.data.files import atomic_write_text

        try:
            atomic_write_text(cache, json.dumps(memo))
        except (OSError, ValueError):  # OutputError is a ValueError
            pass  # a cache that cannot be written only costs time
