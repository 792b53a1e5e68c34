"""The window's line to the engine process: two one-way pipes, each able to hold a whole record.

multiprocessing's duplex Pipe is a socket pair whose buffer (about 200 kB) is
smaller than one AttentionRecord frame (about 1 MB for a bundled model): the
engine's write then stops four or five times, each time waiting for the
window's reader thread to be scheduled and drain it, a few milliseconds apiece
on a loaded machine. A one-way pipe can be widened to 1 MiB on Linux (the
unprivileged maximum), so a record is written in one go and read on one
wake-up. Elsewhere the pipes keep their default size and only take longer.

A frame is written with one gathering write (os.writev) straight from the
arrays' memory, and read into one buffer made for it (os.readv), in
multiprocessing's own framing (a 4-byte big-endian length) so either end may
still use a Connection's recv_bytes. A Connection writes a long message's
length and body with two writes, which wakes the reader twice; it reads the
body chunk by chunk into a BytesIO and copies it out again.
"""

from __future__ import annotations

import fcntl
import os
import struct
from typing import Sequence

PIPE_BYTES = 1 << 20  # /proc/sys/fs/pipe-max-size, the default limit for unprivileged processes
_SHORT = struct.Struct("!i")  # multiprocessing.connection's length prefix; -1 and then 8 bytes for 2 GiB and over
_LONG = struct.Struct("!Q")
_IOV_MAX = 512  # buffers per writev call, well inside every system's limit


class PipePair:
    """Calls one way, replies the other: frames by send_parts / recv_frame (or a Connection's send_bytes /
    recv_bytes, the same framing), poll and close as on one duplex Connection."""

    def __init__(self, reader, writer) -> None:
        self.reader, self.writer = reader, writer  # multiprocessing Connections; picklable for spawn

    def recv_bytes(self) -> bytes:
        return self.reader.recv_bytes()

    def send_bytes(self, data) -> None:
        self.writer.send_bytes(data)

    def send_parts(self, parts: Sequence) -> None:
        """One framed message made of `parts` (buffers), written without joining them first."""
        views = [memoryview(p).cast("B") for p in parts]
        total = sum(v.nbytes for v in views)
        prefix = _SHORT.pack(total) if total <= 0x7FFFFFFF else _SHORT.pack(-1) + _LONG.pack(total)
        _write_all(self.writer.fileno(), [memoryview(prefix), *views])

    def recv_frame(self) -> bytearray:
        """The next framed message, read into one buffer of its size (EOFError when the other end is gone)."""
        fd = self.reader.fileno()
        (size,) = _SHORT.unpack(_read_exactly(fd, bytearray(_SHORT.size)))
        if size == -1:
            (size,) = _LONG.unpack(_read_exactly(fd, bytearray(_LONG.size)))
        return _read_exactly(fd, bytearray(size))

    def poll(self, timeout: float = 0.0) -> bool:
        return self.reader.poll(timeout)

    def close(self) -> None:
        self.reader.close()
        self.writer.close()


def _write_all(fd: int, views: list[memoryview]) -> None:
    views = [v for v in views if v.nbytes]
    while views:
        written = os.writev(fd, views[:_IOV_MAX])
        while views and written >= views[0].nbytes:  # drop what went out whole, keep the rest of a part cut short
            written -= views[0].nbytes
            views.pop(0)
        if written:
            views[0] = views[0][written:]


def _read_exactly(fd: int, buffer: bytearray) -> bytearray:
    view, got = memoryview(buffer), 0
    while got < len(buffer):
        n = os.readv(fd, [view[got:]])
        if n == 0:
            raise EOFError("the other end of the pipe closed")
        got += n
    return buffer


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
