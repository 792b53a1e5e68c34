"""Seconds since the process started, for `--timings`."""

from __future__ import annotations

import os
import time

_IMPORTED = time.time()


def process_start() -> float:
    """Wall-clock time the process started (Linux: from /proc; elsewhere: when this module was imported)."""
    try:
        with open(f"/proc/{os.getpid()}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        start_ticks = int(fields[19])  # field 22 of stat: starttime in clock ticks after boot
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
        return time.time() - uptime + start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return _IMPORTED


class Stopwatch:
    """Named moments measured from process start; only the first time a name is marked counts."""

    def __init__(self) -> None:
        self.start = process_start()
        self.marks: dict[str, float] = {}

    def mark(self, name: str) -> None:
        self.marks.setdefault(name, round(time.time() - self.start, 3))
