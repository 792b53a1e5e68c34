"""The window's line to the engine process: two one-way pipes, each able to hold a whole record.

multiprocessing's duplex Pipe is a socket pair whose buffer (about 200 kB) is
smaller than one AttentionRecord frame (about 1 MB for a bundled model): the
engine's write then stops four or five times, each time waiting for the
window's reader thread to be scheduled and drain it, a few milliseconds apiece
on a loaded machine. A one-way pipe can be widened to 1 MiB on Linux (the
unprivileged maximum), so a record is written in one go and read on one
wake-up. Elsewhere the pipes keep their default size and only take longer.
"""

from __future__ import annotations

import fcntl

PIPE_BYTES = 1 << 20  # /proc/sys/fs/pipe-max-size, the default limit for unprivileged processes


class PipePair:
    """Calls one way, replies the other, used like one duplex Connection (recv_bytes, send_bytes, poll, close)."""

    def __init__(self, reader, writer) -> None:
        self.reader, self.writer = reader, writer  # multiprocessing Connections; picklable for spawn

    def recv_bytes(self) -> bytes:
        return self.reader.recv_bytes()

    def send_bytes(self, data) -> None:
        self.writer.send_bytes(data)

    def poll(self, timeout: float = 0.0) -> bool:
        return self.reader.poll(timeout)

    def close(self) -> None:
        self.reader.close()
        self.writer.close()


def pipe_pair(context) -> tuple[PipePair, PipePair]:
    """(the window's end, the engine's end), from a multiprocessing context."""
    calls_in, calls_out = context.Pipe(duplex=False)  # (reading end, writing end)
    replies_in, replies_out = context.Pipe(duplex=False)
    for end in (calls_out, replies_out):
        _widen(end)
    return PipePair(replies_in, calls_out), PipePair(calls_in, replies_out)


def _widen(conn) -> None:
    setter = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only
    if setter is None:
        return
    try:
        fcntl.fcntl(conn.fileno(), setter, PIPE_BYTES)
    except OSError:
        pass  # a lower limit on this machine: the default size works, a little slower
