"""The window's end of the engine process: starts it, sends calls, turns replies into Qt signals.

The engine (mmexplorer/engine/service.py) runs in a child process started with
multiprocessing's spawn context, so torch never loads in the window's process
and a model that crashes takes only the engine with it. A reader thread waits
on the pipe and decodes each reply (protocol/wire.py: raw frames, no pickle); the
`received` signal carries it to the GUI thread. When the pipe closes without
being asked to, `died` says so with the exit code; `restart()` starts a fresh
engine (also the way to cancel a forward pass that is running).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from typing import Optional

from PySide6.QtCore import QObject, Signal

from mmexplorer import paths as _paths
from mmexplorer.protocol.pipes import pipe_pair

# protocol/calls.py and protocol/wire.py (numpy behind them) are imported on first use: the engine
# process can be started before the window's process has loaded numpy.

STOP_TIMEOUT_S = 5.0  # a polite Stop, then the process is killed
ENGINE_NICENESS = 10  # the engine yields the CPU to the window (see engine/service.py main)


class EngineLink(QObject):
    received = Signal(object)  # a reply from protocol/calls.py, on the GUI thread
    died = Signal(object)  # the exit code (None if unknown) of an engine that stopped unasked

    # Emitted from the reader thread; the queued connection brings it to this GUI-thread object.
    _arrived = Signal(int, object)
    _lost = Signal(int)

    def __init__(self, parent=None, leave_a_core: bool = True) -> None:
        super().__init__(parent)
        self.leave_a_core = leave_a_core  # torch threads = cores - 1 in the engine (see engine/service.py main)
        self._context = multiprocessing.get_context("spawn")
        self.process: Optional[multiprocessing.process.BaseProcess] = None
        self._conn = None
        self._reader: Optional[threading.Thread] = None
        self._generation = 0  # replies and deaths of an engine that was replaced are ignored
        self._send_lock = threading.Lock()
        self._pictures = None  # the running engine's protocol/sent_images.ImageSender: each picture is sent once
        self._arrived.connect(self._on_arrived)
        self._lost.connect(self._on_lost)

    # -- lifecycle ----------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.process is not None and self.process.is_alive()

    @property
    def pid(self) -> Optional[int]:
        return self.process.pid if self.process is not None else None

    def start(self) -> None:
        if self.process is not None:
            return
        from mmexplorer.protocol.spawn import run_engine  # imports nothing here: the child loads the engine

        self._generation += 1
        self._pictures = None  # a fresh engine has no picture yet (the sender is made with the first call)
        ours, theirs = pipe_pair(self._context)
        # Lowered from here the moment it exists where the OS allows (its interpreter start and
        # imports then yield to the window too); otherwise the child lowers its own.
        renice_here = hasattr(os, "setpriority")
        niceness = 0 if renice_here else ENGINE_NICENESS
        self.process = self._context.Process(target=run_engine, args=(theirs, str(_paths.BUNDLED_MODELS), niceness, self.leave_a_core),
                                             name="mmexplorer-engine", daemon=True)
        self.process.start()
        if renice_here:
            try:
                os.setpriority(os.PRIO_PROCESS, self.process.pid, min(19, os.getpriority(os.PRIO_PROCESS, 0) + ENGINE_NICENESS))
            except OSError:
                pass
        theirs.close()  # the child holds its ends; closing ours lets a dead child show as EOF
        self._conn = ours
        self._reader = threading.Thread(target=self._read, args=(ours, self._generation),
                                        name="mmexplorer-engine-reader", daemon=True)
        self._reader.start()

    def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        """Ask the engine to end, kill it if it does not, and wait for the reader thread."""
        if self.process is None:
            return
        self._generation += 1  # from here on its replies and its death are expected, not news
        from mmexplorer.protocol.calls import Stop
        from mmexplorer.protocol.wire import frame_parts

        process, conn, reader = self.process, self._conn, self._reader
        self.process = self._conn = self._reader = None
        try:
            with self._send_lock:
                conn.send_parts(frame_parts(Stop()))
        except (OSError, ValueError):
            pass
        process.join(timeout_s)
        if process.is_alive():
            process.kill()  # busy in a long forward pass, or hung in a native kernel
            process.join(timeout_s)
        if reader is not None and reader is not threading.current_thread():
            reader.join(timeout_s)  # the dead child's end is closed, so the reader sees EOF
        conn.close()

    def kill(self) -> None:
        """Stop at once, whatever the engine is doing (cancelling a forward pass)."""
        if self.process is not None:
            self.process.kill()
        self.stop()

    def restart(self) -> None:
        self.kill()
        self.start()

    # -- calls ------------------------------------------------------------------------
    def send(self, call) -> bool:
        """Send one call (protocol/calls.py); False when there is no engine to take it."""
        from mmexplorer.protocol.sent_images import ImageSender
        from mmexplorer.protocol.wire import frame_parts

        if self._conn is None:
            return False
        if self._pictures is None:
            self._pictures = ImageSender()
        try:
            with self._send_lock:
                self._conn.send_parts(frame_parts(self._pictures.outgoing(call)))
        except (OSError, ValueError):
            return False  # the engine is gone; the reader reports its death
        return True

    # -- the reader thread ----------------------------------------------------------------
    def _read(self, conn, generation: int) -> None:
        from mmexplorer.protocol.wire import WireError, decode

        while True:
            try:
                data = conn.recv_frame()
            except (EOFError, OSError):
                self._lost.emit(generation)
                return
            try:
                reply = decode(data)
            except WireError:
                continue  # cannot happen with our own engine; never let a bad message kill the reader
            self._arrived.emit(generation, reply)

    def _on_arrived(self, generation: int, reply) -> None:
        if generation == self._generation:
            self.received.emit(reply)

    def _on_lost(self, generation: int) -> None:
        if generation != self._generation or self.process is None:
            return  # an engine we stopped ourselves
        process = self.process
        process.join(1.0)
        code = process.exitcode
        self.process = None
        if self._reader is not None:
            self._reader.join(1.0)
            self._reader = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self.died.emit(code)
