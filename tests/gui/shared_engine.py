"""One engine process for the explorer tests of a session, lent to one explorer at a time.

Starting an engine imports torch: seconds on a loaded 2-core machine, for each of
about a hundred explorers. `SessionEngine` is that one process; an explorer's
`SharedLink` (patched in for gui/engine_client.EngineLink by make_explorer)
borrows it at start and gives it back at close, so the window's side runs as it
does with an engine of its own:

- given back, the engine is asked for its catalog and the answer awaited: calls
  are answered in order, so every reply to the last explorer has arrived (and
  been dropped) before the next borrows it; an engine still busy after the stop
  timeout is killed, and the next test gets a fresh one;
- the engine sends ModelLoaded only when it loads a model; when an explorer's
  first answer comes from the model the engine already held, the ModelLoaded it
  would have had from an engine of its own is handed to it first;
- a shared engine that is killed (cancel, restart) or dies is not lent again:
  its explorer goes on with engines of its own, as in the app, and the next test
  gets a fresh shared one;
- an engine reads its environment and the bundled-models folder once, at start:
  an explorer whose test changed either gets an engine of its own.
"""

from __future__ import annotations

import dataclasses
import os
import threading

from mmexplorer.gui.engine_client import STOP_TIMEOUT_S, EngineLink
from mmexplorer.protocol import calls
from mmexplorer.protocol.sent_images import ImageSender
from mmexplorer.protocol.wire import WireError, decode

PER_TEST_ENV = ("PYTEST_CURRENT_TEST",)  # changes with every test; the engine never reads it


def engine_setting() -> tuple[dict, str]:
    """What an engine process takes from the window's process when it starts."""
    import mmexplorer.paths as paths

    return {k: v for k, v in os.environ.items() if k not in PER_TEST_ENV}, str(paths.BUNDLED_MODELS)


class SessionEngine(EngineLink):
    """The shared engine process; `_read` hands each reply to the link borrowing it."""

    def __init__(self) -> None:
        super().__init__()
        self.setting = None
        self.borrower = None  # (SharedLink, its generation) while lent
        self.held_model = None  # the newest ModelLoaded: the model the engine holds
        self._synced = threading.Event()
        self._sync_id = 0

    def start(self) -> None:
        if self.process is None:
            self.setting, self.held_model = engine_setting(), None
            super().start()
            self._pictures = ImageSender()  # one per engine process, whoever borrows it

    def lendable(self, leave_a_core: bool) -> bool:
        return (self.running and self.borrower is None and leave_a_core == self.leave_a_core
                and engine_setting() == self.setting)

    def give_back(self, timeout_s: float) -> None:
        """Wait until every reply to the borrower has arrived; kill an engine that stays busy."""
        self.borrower = None
        self._sync_id += 1
        self._synced.clear()
        if not (self.send(calls.ListModels(-self._sync_id)) and self._synced.wait(timeout_s)):
            self.kill()

    def _read(self, conn, generation: int) -> None:
        while True:
            try:
                data = conn.recv_frame()
            except (EOFError, OSError):
                borrower = self.borrower
                if borrower is not None:
                    borrower[0]._lost.emit(borrower[1])
                self._lost.emit(generation)
                return
            try:
                reply = decode(data)
            except WireError:
                continue
            if isinstance(reply, calls.ModelLoaded):
                self.held_model = reply
            if isinstance(reply, calls.Listed) and reply.id < 0:  # give_back's question (explorers count from 1)
                if reply.id == -self._sync_id:
                    self._synced.set()
                continue
            borrower = self.borrower
            if borrower is not None:
                borrower[0]._arrived.emit(borrower[1], reply)


class SharedLink(EngineLink):
    """An explorer's link that borrows the session's engine, and starts its own once that one is lost."""

    session: SessionEngine | None = None  # set by the shared_engine fixture

    def __init__(self, parent=None, leave_a_core: bool = True) -> None:
        super().__init__(parent, leave_a_core)
        self._borrowed: SessionEngine | None = None
        self._own = False  # the shared engine was killed or died under this link
        self._model_told = False
        self._held_model = None

    def start(self) -> None:
        if self.process is not None:
            return
        shared = type(self).session
        if self._own or shared is None or not shared.lendable(self.leave_a_core):
            super().start()
            return
        self._generation += 1
        self._borrowed = shared
        self.process, self._conn, self._reader = shared.process, shared._conn, shared._reader
        self._pictures, self._send_lock = shared._pictures, shared._send_lock
        self._model_told, self._held_model = False, shared.held_model
        shared.borrower = (self, self._generation)

    def _let_go(self) -> SessionEngine:
        shared, self._borrowed = self._borrowed, None
        self._generation += 1  # replies still on their way are not for this link any more
        self.process = self._conn = self._reader = None
        self._pictures, self._send_lock = None, threading.Lock()
        return shared

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        if self._borrowed is None:
            super().stop(timeout_s)
        else:
            self._let_go().give_back(timeout_s)

    def kill(self) -> None:
        if self._borrowed is None:
            super().kill()
            return
        shared = self._let_go()
        shared.borrower = None
        self._own = True
        shared.kill()

    def _on_lost(self, generation: int) -> None:
        if self._borrowed is None or generation != self._generation:
            super()._on_lost(generation)
            return
        process = self.process
        self._let_go().borrower = None  # the session engine closes its own end of the pipe
        self._own = True
        process.join(1.0)
        self.died.emit(process.exitcode)

    def _on_arrived(self, generation: int, reply) -> None:
        if generation == self._generation and not self._model_told:
            if isinstance(reply, calls.ModelLoaded):
                self._model_told = True
            elif isinstance(reply, (calls.Probed, calls.Explained)) and self._held_model is not None:
                self._model_told = True  # answered by the model the engine held when this link borrowed it
                super()._on_arrived(generation, dataclasses.replace(self._held_model, id=reply.id))
        super()._on_arrived(generation, reply)
