"""The engine process: owns the model, answers calls read from a pipe (protocol/calls.py, protocol/wire.py).

The window's process starts `main` with multiprocessing's spawn context and
never imports torch itself. Calls are answered one at a time in the order they
arrive; the window keeps at most one call in flight per channel and merges the
rest, so nothing queues up here. Failures go back as one-line messages (the
trace is printed to this process's stderr for whoever runs it from a terminal).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import traceback
from collections import deque
from pathlib import Path
from typing import Callable, Optional

from mmexplorer.protocol import calls

# Test hooks (a Probe's `hooks` JSON) are honoured only when the window's tests set this variable:
# they stand in for the custom in-thread workers tests used to inject (a slow, a failing and an
# out-of-memory model), which cannot reach into another process.
TEST_HOOKS_ENV = "MMEXPLORER_ENGINE_TEST_HOOKS"


class Engine:
    """Runs calls against the one loaded model; `send` takes each reply."""

    def __init__(self, send: Callable[[object], None], stop_requested: Callable[[], bool] = lambda: False,
                 superseded: Callable[[type], bool] = lambda kind: False) -> None:
        from mmexplorer.engine.compare_service import Comparer

        self.send = send
        self.stop_requested = stop_requested  # polled between training steps
        self.comparer = Comparer(send, superseded)  # polled between compared models
        self._model = None
        self._model_key: Optional[tuple[str, str]] = None  # (checkpoint path, requested device)
        self._resolved: Optional[tuple[str, tuple, object]] = None  # (name asked for, its file's stat, catalog entry)
        self._hooks_allowed = os.environ.get(TEST_HOOKS_ENV) == "1"

    def handle(self, call) -> None:
        if isinstance(call, calls.ListModels):
            self._resolved = None  # the catalog is read afresh: so is what a name means
            self.send(calls.Listed(call.id, self.catalog()))
        elif isinstance(call, calls.Probe):
            self.probe(call)
        elif isinstance(call, calls.ExplainCell):
            self.explain(call)
        elif isinstance(call, calls.Train):
            self.train(call)
        elif isinstance(call, calls.Compare):
            self.comparer.compare(call)
        elif isinstance(call, calls.Evaluate):
            self.comparer.evaluate(call)
        elif isinstance(call, calls.CancelTrain):
            pass  # arrived after its run ended
        else:
            raise ValueError(f"{type(call).__name__} is not an engine call")

    # -- catalog -------------------------------------------------------------
    @staticmethod
    def catalog() -> calls.Catalog:
        try:
            from mmexplorer.engine.catalog import default_model_name, list_models
            from mmexplorer.engine.device import available_devices

            return calls.Catalog(tuple(list_models()), tuple(available_devices()), default_model_name())
        except Exception as exc:  # the engine itself failed to import: say so instead of dying silently
            return calls.Catalog((), ("auto", "cpu"), None, error=f"{type(exc).__name__}: {exc}")

    # -- probes ----------------------------------------------------------------
    def probe(self, call: calls.Probe) -> None:
        self.send(calls.Started(call.id))
        t0 = time.perf_counter()
        try:
            record, device = self._probe_with_fallback(call)
        except Exception as exc:
            fault, text = describe(exc)
            self.send(calls.Failed(call.id, "probe", text, fault))
            return
        self.send(calls.Probed(call.id, record, time.perf_counter() - t0, device))

    def _probe_with_fallback(self, call: calls.Probe):
        from mmexplorer.engine.device import is_out_of_memory

        try:
            return self._probe(call, call.device), self._device_name()
        except Exception as exc:
            if not is_out_of_memory(exc) or call.device == "cpu":
                raise
        self._forget_model()
        self.send(calls.FellBack(call.id, call.device))
        return self._probe(call, "cpu"), "cpu"

    def _probe(self, call: calls.Probe, device: str):
        from mmexplorer.data.sample import make_sample
        from mmexplorer.engine.probe import probe

        self._apply_hooks(call, device)
        model = self._load(call.id, call.model, device)
        sample = make_sample(call.image, call.text, model.tokenizer)
        return probe(model, sample, relevancy=call.relevancy)

    def _apply_hooks(self, call: calls.Probe, device: str) -> None:
        if not self._hooks_allowed:
            return
        hooks = json.loads(call.hooks)
        hold = hooks.get("hold")  # a file: the probe waits while it exists (a slow model)
        deadline = time.monotonic() + 60
        while hold and Path(hold).exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        if hooks.get("fail"):  # a model that raises
            raise RuntimeError(hooks["fail"])
        if hooks.get("oom") and device != "cpu":  # a GPU that runs out of memory
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")

    @contextlib.contextmanager
    def _training_hooks(self, call: calls.Train):
        """Test hook: {"nan_from": N} makes the loss NaN from step N on (1-based), as a diverging run's."""
        nan_from = json.loads(call.hooks).get("nan_from") if self._hooks_allowed else None
        if not nan_from:
            yield
            return
        import mmexplorer.engine.train as train

        real, seen = train.compute_losses, [0]

        def losses(*args, **kwargs):
            seen[0] += 1
            out = real(*args, **kwargs)
            return dict(out, loss=out["loss"] * float("nan")) if seen[0] >= int(nan_from) else out

        train.compute_losses = losses
        try:
            yield
        finally:
            train.compute_losses = real

    # -- one attention weight, explained -----------------------------------------
    def explain(self, call: calls.ExplainCell) -> None:
        from mmexplorer.data.sample import make_sample
        from mmexplorer.engine.cell import explain_cell

        try:
            model = self._load(call.id, call.model, call.device)
            sample = make_sample(call.image, call.text, model.tokenizer)
            explanation = explain_cell(model, sample, call.kind, call.layer, call.head, call.query, call.key)
        except Exception as exc:
            fault, text = describe(exc)
            self.send(calls.Failed(call.id, "cell", text, fault))
            return
        self.send(calls.Explained(call.id, explanation))

    # -- training ------------------------------------------------------------------
    def train(self, call: calls.Train) -> None:
        """engine.train.training as it is, one TrainStep sent per step."""
        import dataclasses

        last_path, steps = None, 0
        try:
            from mmexplorer.engine.device import resolve_device
            from mmexplorer.engine.recipes import recipe
            from mmexplorer.engine.train import training

            settings = recipe(call.recipe, call.fusion, steps=call.steps, lr=call.lr, seed=call.seed, tasks=call.tasks,
                              sharing=call.sharing, grounding=call.grounding, **json.loads(call.extra_json))
            with self._training_hooks(call):
                for p in training(settings, call.out, should_stop=self.stop_requested, device=resolve_device(call.device)):
                    steps = p.step
                    if p.checkpoint:
                        last_path = p.checkpoint
                    self.send(calls.TrainStep(**dataclasses.asdict(p)))
        except ValueError as exc:  # a diverged loss, a full disk, a locked output: the message says it all
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            self.send(calls.Trained(call.id, last_path, steps, call.steps, True, reason=reason))
            return
        except Exception as exc:
            traceback.print_exc()
            self.send(calls.Trained(call.id, last_path, steps, call.steps, True, error=f"{type(exc).__name__}: {exc}"))
            return
        self.send(calls.Trained(call.id, last_path, steps, call.steps, steps < call.steps))

    # -- the model ---------------------------------------------------------------
    def _load(self, call_id: int, name: str, device: str):
        from mmexplorer.engine.probe import load_model

        entry = self._resolve(name)
        key = (entry.path, device)
        if key != self._model_key:
            self._forget_model()
            model, _ = load_model(entry.path, device)  # by path; `entry` keeps its catalog source
            self._model, self._model_key = model, key
            self.send(calls.ModelLoaded(call_id, describe_model(model, entry)))
        return self._model

    def _resolve(self, name: str):
        """The catalog entry of `name`, scanned again only when the name or its file changed.

        Resolving a name lists the catalog, which opens the header of every
        installed checkpoint: a few milliseconds on every probe, for an answer
        that is the same while the user probes one model.
        """
        from mmexplorer.engine.catalog import resolve

        if self._resolved is not None and self._resolved[0] == name and _stat(self._resolved[2].path) == self._resolved[1]:
            return self._resolved[2]
        entry = resolve(name)
        self._resolved = (name, _stat(entry.path), entry)
        return entry

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


def _stat(path: str) -> tuple:
    try:
        st = os.stat(path)
        return st.st_size, st.st_mtime_ns, st.st_ino
    except OSError:
        return ()  # gone: unlike the stat of the file that was resolved


def describe_model(model, entry) -> calls.ModelInfo:
    return calls.ModelInfo(
        name=entry.name,
        fusion=model.spec.fusion,
        path=entry.path,
        source=entry.source,
        device=str(model.device),
        parameters=int(model.parameter_count()),
        has_cross_modal_attention=model.spec.has_cross_modal_attention,
        config_json=model.cfg.to_json(),
        spec_json=json.dumps(model.spec.to_dict()),
    )


def describe(exc: Exception) -> tuple[str, str]:
    """(fault, one line) for the window; the window words the faults in its own language.

    Bad images, checkpoints, configs and unknown models are all ValueErrors with a readable
    message (fault ""). Anything else is the model failing: its type and first line are kept
    as the detail of a bug report, and the trace only goes to the terminal when debugging.
    """
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, ValueError):
        return "", text or type(exc).__name__
    if isinstance(exc, MemoryError):
        return "memory", ""
    if os.environ.get("MMEXPLORER_DEBUG"):
        traceback.print_exc()
    return "model", f"{type(exc).__name__}: {text[:120]}" if text else type(exc).__name__


def serve(conn) -> None:
    """Answer calls from `conn` (a protocol/pipes.PipePair) until Stop or the window goes away."""
    from mmexplorer.protocol.sent_images import ImageKeeper
    from mmexplorer.protocol.wire import decode, frame_parts

    inbox: deque = deque()  # calls read early, while a long call looked for a stop or a newer input
    pictures = ImageKeeper()  # every call is read through it, in the order it came

    def receive():
        return pictures.incoming(decode(conn.recv_frame()))

    def look() -> None:
        try:
            while conn.poll(0):
                inbox.append(receive())
        except (EOFError, OSError):
            inbox.append(calls.Stop())  # the window's process ended

    def stop_requested() -> bool:  # between training steps
        look()
        return any(isinstance(c, (calls.Stop, calls.CancelTrain)) for c in inbox)

    def superseded(kind: type) -> bool:  # between compared or evaluated models: a newer call of `kind` waits
        look()
        return any(isinstance(c, (calls.Stop, kind)) for c in inbox)

    engine = Engine(lambda reply: conn.send_parts(frame_parts(reply)), stop_requested, superseded)
    while True:
        try:
            call = inbox.popleft() if inbox else receive()
        except (EOFError, OSError):
            return  # the window's process ended: nobody to answer
        if isinstance(call, calls.Stop):
            return
        try:
            engine.handle(call)
        except (BrokenPipeError, ConnectionResetError):
            return  # the window's process ended while this call was answered: nobody to tell


def main(conn, bundled_models: Optional[str] = None, niceness: int = 0, leave_a_core: bool = False) -> None:
    """The engine process's entry point (multiprocessing spawn target).

    This process belongs to the engine alone, so its settings are its own: a lower
    CPU priority than the window's process (when both want the cores, the window
    wins and does not stall) and, with `leave_a_core`, one torch thread fewer than
    there are cores, so the window always has one. On a loaded 2-core machine a
    probe with two threads took 1-4 s against 20-90 ms with one.
    """
    if niceness and hasattr(os, "nice"):  # 0 where the window lowered it already (gui/engine_client.py)
        os.nice(niceness)
    if leave_a_core:
        import torch

        torch.set_num_threads(max(1, (os.cpu_count() or 2) - 1))
    if bundled_models is not None:
        # The window's idea of where bundled models live (tests point it at an empty folder);
        # this is the engine process's own copy of the module.
        from mmexplorer.engine import catalog

        catalog.BUNDLED_MODELS = Path(bundled_models)
    try:
        serve(conn)
    finally:
        conn.close()
