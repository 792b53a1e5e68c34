"""Reading and writing the user's files safely.

Reading: only regular files are read (a FIFO would block forever, /dev/zero never
ends, a device or socket is no input), and at most `limit + 1` bytes are read,
whatever st_size says (it is 0 for pipes and devices and may be stale).

Writing: atomic (a temp file in the same folder, then a rename), so a reader never
sees half a file and a failed write leaves any earlier file untouched; the target
is checked (folder, writable, free space, not overwritten without force) before
any long work starts, and every OS error becomes an OutputError with one line.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import tempfile
from pathlib import Path


class OutputError(ValueError):
    """An output that cannot be written (read-only folder, full disk, a file where a folder should be...)."""


class InputFileError(ValueError):
    """A path that is not a readable regular file; the message says what it is instead."""


def format_bytes(n: float) -> str:
    """Binary units, as the limits are set: 536870912 -> '512 MiB', 1536 -> '1.5 KiB', 661 -> '661 bytes'."""
    if n < 1024:
        return f"{int(n)} bytes"
    for unit in ("KiB", "MiB", "GiB", "TiB", "PiB"):
        n /= 1024
        if n < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if n >= 100 or float(n).is_integer() else f"{n:.1f} {unit}"
    raise AssertionError("unreachable")


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file"
    return "not a regular file"


def regular_file_problem(path: str | os.PathLike) -> str | None:
    """Why `path` cannot be read as a regular file (a phrase after the path), or None when it can.

    Only stat() is called: nothing is opened, so a FIFO cannot block here.
    """
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "is a symbolic link loop"
        if exc.errno == errno.ENOENT:
            return "is a broken symbolic link" if os.path.islink(path) else "does not exist"
        if exc.errno == errno.ENOTDIR:
            return "does not exist (a folder in its path is a file)"
        if exc.errno == errno.ENAMETOOLONG:
            return "is not a usable path (name too long)"
        if exc.errno == errno.EACCES:
            return "cannot be read: permission denied"
        return f"cannot be read: {exc.strerror or exc}"
    kind = _kind(st.st_mode)
    return None if kind is None else f"is {kind}"


def check_regular_file(path: str | os.PathLike, error: type[Exception] = InputFileError, label: str | None = None) -> None:
    problem = regular_file_problem(path)
    if problem:
        raise error(f"{label or path} {problem}")


def _open_regular(path: str | os.PathLike, error: type[Exception], label: str) -> int:
    """A descriptor of the regular file at `path`; never blocks on a FIFO, never opens a device for reading."""
    check_regular_file(path, error, label)
    try:
        # O_NONBLOCK: if the path was swapped for a FIFO after the stat, opening it must not wait for a writer
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise error(f"{label} cannot be read: {exc.strerror or exc}") from None
    try:
        kind = _kind(os.fstat(fd).st_mode)
    except OSError as exc:
        os.close(fd)
        raise error(f"{label} cannot be read: {exc.strerror or exc}") from None
    if kind is not None:
        os.close(fd)
        raise error(f"{label} is {kind}")
    return fd


def open_regular_file(path: str | os.PathLike, error: type[Exception] = InputFileError, label: str | None = None):
    """A binary file object for a regular file (for readers that seek, as zip and safetensors headers do)."""
    fd = _open_regular(path, error, label or str(path))
    try:
        os.set_blocking(fd, True)
    except OSError:
        pass
    return os.fdopen(fd, "rb")


def read_regular_file(
    path: str | os.PathLike, limit: int, error: type[Exception] = InputFileError, label: str | None = None
) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; `error` with a clear message otherwise."""
    label = label or str(path)
    fd = _open_regular(path, error, label)
    try:
        chunks, total = [], 0
        while total <= limit:  # never trust st_size: read until EOF or one byte past the limit
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise error(f"{label} cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if total > limit:
        raise error(f"{label} is larger than the limit of {format_bytes(limit)}")
    return b"".join(chunks)


# -- JSON and npz: bounded in size, in nesting and in what they inflate to -------

MAX_JSON_BYTES = 16 << 20  # settings, metadata, configs, run files: far below this
MAX_JSON_DEPTH = 64  # real configs nest 3-6 deep; 100,000 would exhaust the parser's recursion
MAX_NPZ_BYTES = 1 << 30  # a record's arrays, inflated: a 12-layer probe is a few MiB


class _TooDeep(Exception):
    pass


def parse_json(data: bytes | str, error: type[Exception] = InputFileError, label: str = "the JSON text",
               max_depth: int = MAX_JSON_DEPTH):
    """The value of a JSON text, or `error` naming the problem: not UTF-8, not JSON, nested deeper than
    `max_depth`, or holding a string that is not text (a lone surrogate such as "\\ud800", which cannot be
    written back out or drawn)."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise error(f"{label} is not UTF-8 text (a bad byte at offset {exc.start})") from None
    deep = f"{label} is nested more than {max_depth} levels deep; refused"
    try:
        value = json.loads(data)
    except RecursionError:  # the C parser's own recursion guard, far past max_depth
        raise error(deep) from None
    except ValueError as exc:
        raise error(f"{label} is not valid JSON ({exc})") from None
    try:
        _check_tree(value, max_depth)
    except _TooDeep:
        raise error(deep) from None
    except UnicodeEncodeError:
        raise error(f"{label} holds a string that is not valid text (a lone surrogate escape such as \\ud800)") from None
    return value


def _check_tree(value, max_depth: int) -> None:
    """Depth and string check without recursion (a deep value must not overflow the stack here either)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            item.encode("utf-8")
        elif isinstance(item, (dict, list)):
            if depth > max_depth:
                raise _TooDeep()
            if isinstance(item, dict):
                for key, child in item.items():
                    key.encode("utf-8")
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)


def read_json_file(path: str | os.PathLike, error: type[Exception] = InputFileError, label: str | None = None,
                   limit: int = MAX_JSON_BYTES, max_depth: int = MAX_JSON_DEPTH):
    """A regular file's JSON value: bounded in bytes (read_regular_file) and in depth (parse_json)."""
    label = label or str(path)
    return parse_json(read_regular_file(path, limit, error, label), error, label, max_depth)


MAX_SAFETENSORS_HEADER = 100 << 20  # safetensors' own limit


def read_safetensors_header(path: str | os.PathLike, error: type[Exception] = InputFileError,
                            label: str | None = None) -> dict:
    """The JSON header of a safetensors file (names, dtypes, shapes, metadata), no tensor data read:
    bounded in bytes and in depth before the library's own parser sees it."""
    import struct

    label = label or str(path)
    with open_regular_file(path, error, label) as f:
        try:
            size = os.fstat(f.fileno()).st_size
            head = f.read(8)
            if len(head) < 8:
                raise error(f"{label} is not a valid safetensors file (shorter than its header)")
            (length,) = struct.unpack("<Q", head)
            if length > min(MAX_SAFETENSORS_HEADER, size - 8):
                raise error(f"{label} is not a valid safetensors file (its header claims {format_bytes(length)})")
            raw = f.read(length)
        except OSError as exc:
            raise error(f"{label} cannot be read: {exc.strerror or exc}") from None
    header = parse_json(raw, error, f"{label}: the safetensors header")
    if not isinstance(header, dict):
        raise error(f"{label} is not a valid safetensors file (its header is not an object)")
    return header


def read_npz(path: str | os.PathLike, error: type[Exception] = InputFileError, label: str | None = None,
             budget: int = MAX_NPZ_BYTES) -> dict:
    """name -> array of an npz file (no pickles), each array's inflated size checked before it is inflated.

    An npz is a zip of .npy files: a few MiB can hold an array whose header claims 4 GiB. The zip's stated
    sizes and each array's header (shape x item size) are read first; the whole must fit `budget`, and
    no array may claim more bytes than its zip member holds.
    """
    import zipfile

    import numpy as np

    label = label or str(path)
    with open_regular_file(path, error, label) as f:
        try:
            zf = zipfile.ZipFile(f)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise error(f"{label} is not an npz file ({exc})") from None
        with zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            if total > budget:
                raise error(f"{label} would inflate to {format_bytes(total)}, over the limit of {format_bytes(budget)}")
            arrays = {}
            for info in infos:
                name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
                try:
                    with zf.open(info) as member:
                        version = np.lib.format.read_magic(member)
                        if version == (1, 0):
                            shape, _, dtype = np.lib.format.read_array_header_1_0(member)
                        else:  # 2.0 and 3.0 share the 4-byte header length; 3.0 only widens the text's encoding
                            shape, _, dtype = np.lib.format.read_array_header_2_0(member)
                        claimed = int(np.prod(shape, dtype=object)) * dtype.itemsize
                        if dtype.hasobject:
                            raise ValueError(f"array {name} holds Python objects")
                        if claimed > info.file_size:
                            raise ValueError(f"array {name} claims {format_bytes(claimed)} in "
                                             f"{format_bytes(info.file_size)} of data")
                    with zf.open(info) as member:
                        arrays[name] = np.lib.format.read_array(member, allow_pickle=False)
                except (ValueError, OSError, EOFError, zipfile.BadZipFile, RuntimeError) as exc:
                    raise error(f"{label} is not a usable npz file ({exc})") from None
    return arrays


# -- writing ------------------------------------------------------------------

def default_file_mode() -> int:
    """The mode a plainly created file would get (0o666 less the umask); mkstemp's 0o600 is too private."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except OSError:
        pass
    return 0o644


def describe_os_error(exc: OSError, path: str | os.PathLike) -> str:
    """One line for an OS error met while writing `path`."""
    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is exceeded",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.ENOTDIR: "a folder in its path is a file",
        errno.EISDIR: "it is a folder",
        errno.ENAMETOOLONG: "the name is too long",
        errno.EFBIG: "the file is too large for the file system",
    }
    reason = reasons.get(exc.errno or 0, exc.strerror or type(exc).__name__)
    return f"cannot write {path}: {reason}"


def _existing_ancestor(folder: Path) -> Path:
    """The nearest folder (or file) on the way up from `folder` that exists."""
    current = folder
    while not os.path.lexists(current) and current.parent != current:
        current = current.parent
    return current


def check_output_file(path: str | os.PathLike, force: bool = False, need_bytes: int = 0, flag: str = "--force") -> Path:
    """Refuse, before any long work, an output that could not be written.

    The path must not be a folder or a special file, must not exist unless
    `force`, its folder must be creatable and writable, and the disk must have
    `need_bytes` free (plus a small margin).
    """
    path = Path(path)
    if os.path.isdir(path):
        raise OutputError(f"{path} is a folder; give a file name")
    if os.path.lexists(path):
        problem = regular_file_problem(path)
        if problem and "does not exist" not in problem and "broken" not in problem:
            raise OutputError(f"{path} {problem}")
        if not force:
            raise FileExistsError(f"{path} exists; pass {flag} to overwrite")
    check_output_folder(path.parent, need_bytes)
    return path


def check_output_folder(folder: str | os.PathLike, need_bytes: int = 0) -> Path:
    """The folder exists or can be created, can be written to, and has `need_bytes` free."""
    folder = Path(folder) if str(folder) else Path(".")
    base = _existing_ancestor(folder)
    if not base.is_dir():
        raise OutputError(f"cannot write into {folder}: {base} is a file, not a folder")
    _probe_writable(base, folder)
    free = free_bytes(base)
    margin = 1 << 20  # a megabyte for file-system metadata and the temp file's name
    if free is not None and need_bytes and free < need_bytes + margin:
        raise OutputError(f"not enough free space in {base}: about {format_bytes(need_bytes)} needed, {format_bytes(free)} free")
    return folder


def free_bytes(folder: str | os.PathLike) -> int | None:
    try:
        return int(shutil.disk_usage(folder).free)
    except OSError:
        return None


def _probe_writable(base: Path, folder: Path) -> None:
    """Create and remove an empty file: the only test that also holds for root and read-only mounts."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".mmexplorer-write-check.", dir=base)
    except OSError as exc:
        raise OutputError(describe_os_error(exc, folder).replace("cannot write", "cannot write into", 1)) from None
    os.close(fd)
    try:
        os.unlink(tmp)
    except OSError:
        pass


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write `data` to `path` through a temp file and a rename; OutputError (and no file left) on failure."""
    path = Path(path)
    tmp = None
    try:
        if os.path.isdir(path):
            raise OSError(errno.EISDIR, "is a folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, path)
    except OSError as exc:
        _discard(tmp)
        raise OutputError(describe_os_error(exc, path)) from None
    except BaseException:
        _discard(tmp)
        raise
    return path


def _discard(tmp: str | None) -> None:
    if tmp is not None:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def atomic_write_set(files: list[tuple[str | os.PathLike, bytes]]) -> list[Path]:
    """Write several files as one unit: every file's bytes go to a temp file beside it first, and only when all
    are on disk are they renamed into place, in the given order (put the file that ties the others together
    last). A full disk while writing leaves every earlier file untouched and no temp file behind."""
    staged: list[tuple[str, Path]] = []
    current: Path | None = None
    try:
        for path, data in files:
            current = Path(path)
            if os.path.isdir(current):
                raise OSError(errno.EISDIR, "is a folder")
            current.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{current.name}.", suffix=".tmp", dir=current.parent)
            staged.append((tmp, current))
            try:
                _write_all(fd, data)
                os.fsync(fd)  # on disk before any rename: a crash between renames leaves whole files only
            finally:
                os.close(fd)
            os.chmod(tmp, default_file_mode())
        for tmp, target in staged:
            current = target
            os.replace(tmp, target)
    except OSError as exc:
        for tmp, _ in staged:
            _discard(tmp)
        raise OutputError(describe_os_error(exc, current)) from None
    except BaseException:
        for tmp, _ in staged:
            _discard(tmp)
        raise
    return [target for _, target in staged]


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))
