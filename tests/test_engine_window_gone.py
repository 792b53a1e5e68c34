"""The engine process ends quietly when the window's process is gone, even in the middle of an answer."""

from __future__ import annotations

from mmexplorer.protocol import calls
from mmexplorer.engine.service import serve
from mmexplorer.protocol.wire import encode


class _Gone:
    """A connection whose window has just quit: one call arrived, every answer hits a closed pipe."""

    def __init__(self, pending: list[bytes]) -> None:
        self.pending = pending
        self.sent = 0

    def poll(self, _timeout=0) -> bool:
        return bool(self.pending)

    def recv_frame(self) -> bytes:
        if not self.pending:
            raise EOFError
        return self.pending.pop(0)

    def send_parts(self, _parts) -> None:
        self.sent += 1
        raise BrokenPipeError(32, "Broken pipe")


def test_an_answer_to_a_window_that_quit_ends_the_engine_without_a_traceback():
    conn = _Gone([encode(calls.ListModels(1)), encode(calls.ListModels(2))])
    serve(conn)  # returns: no BrokenPipeError escapes to print a traceback in the user's terminal
    assert conn.sent == 1  # it tried to answer the first call, then stopped instead of answering the second
