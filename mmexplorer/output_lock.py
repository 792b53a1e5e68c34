"""One writer per output: a lock file next to the output, held while a long run writes it.

Two trainings to the same --out would both report success while one silently
overwrote the other; the second one is refused at once instead. The lock is an
fcntl lock on `.<name>.lock` (released by the OS if the process dies, so a crash
leaves no stale lock); where fcntl does not exist an O_EXCL lock file is used.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None


class OutputLocked(ValueError):
    """Another process is writing this output now."""


def lock_path(path: str | os.PathLike) -> Path:
    path = Path(path)
    return path.with_name(f".{path.name}.lock")


@contextlib.contextmanager
def output_lock(path: str | os.PathLike) -> Iterator[Path]:
    """Hold the lock of `path` for the duration of the block; OutputLocked when another process holds it."""
    lock = lock_path(path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            raise OutputLocked(f"{path} is being written by another run (lock file {lock})") from None
        try:
            yield lock
        finally:
            os.close(fd)
            lock.unlink(missing_ok=True)
        return
    fd = _take(lock, path)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        try:
            yield lock
        finally:
            with contextlib.suppress(OSError):
                lock.unlink()  # while still held: a run waiting on this inode sees it gone and retries
    finally:
        os.close(fd)


def _take(lock: Path, path) -> int:
    """An fd of the lock file, locked; retried when the file was removed between open and lock."""
    for _ in range(10):
        fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise OutputLocked(f"{path} is being written by another run now; wait for it or pick another --out") from None
        try:
            same = os.stat(lock).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)  # the holder finished and removed it: lock the new file instead
    raise OutputLocked(f"{path}: could not take its lock file {lock}")


def remove_stale_lock(path: str | os.PathLike) -> bool:
    """Remove the lock file of `path` when no process holds it (a writer stopped by a signal leaves the file;
    the OS has already released its lock), and the temporary files it was writing (`.NAME.*.tmp` beside it: a
    checkpoint and its training state are staged together, data/files.py atomic_write_set). True when the lock
    file was removed."""
    lock = lock_path(path)
    if fcntl is None or not lock.exists():
        return False
    try:
        fd = os.open(lock, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # held: a run is writing it
    else:
        target = Path(path)
        for leftover in target.parent.glob(f".{target.stem}.*.tmp"):
            with contextlib.suppress(OSError):
                leftover.unlink()
        with contextlib.suppress(OSError):
            lock.unlink()
        return True
    finally:
        os.close(fd)
