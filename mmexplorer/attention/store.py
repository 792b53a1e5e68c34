"""The results store of a batch probe: HDF5 files holding the probe npz arrays of many pairs.

A run writes one part per rank, `store.rank{R}.h5`; together the parts are the
store (`ResultsStore(folder)`). While a run goes (or after it was killed) a
rank's newest pairs are in segment files `store.rank{R}.segments/NNNNNNNN.h5`,
one per batch, each written under a temporary name and renamed into place
whole; the run compacts them into the part when it ends or resumes. A file
is never updated in place once it holds committed pairs, because a process
killed while HDF5 rewrites a shared chunk or index node can damage what was
already there. Inside a part (or segment) every npz key (tokens, grid,
token_to_image, attn/<kind>/<layer>, ...) is one ragged array:

    arrays/<key>/data    1-D, chunked and compressed: every pair's values, flattened, one after another
    arrays/<key>/shape   int64 [P, ndim]: each pair's shape
    arrays/<key>/offset  int64 [P]: where each pair starts in data, -1 when the pair has no such array
    arrays/<key>/length  int64 [P]: how many elements of data are the pair's
    index                int64 [P]: the pair's index in the pairs file

Text arrays (tokens, meta) are stored as UTF-8 JSON bytes (uint8). Only the
first `committed` rows (a file attribute) count. Nothing is ever unpickled.
"""

from __future__ import annotations

import io
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np

FORMAT = "mmexplorer-results"
VERSION = 1
KEEPS = ("maps", "attention", "all")
MAP_KEYS = ("tokens", "grid", "token_to_image", "meta")
CHUNK = 1 << 16  # elements per chunk of a data array (256 KB of float32)
ROWS = 1024  # rows per chunk of the per-pair tables (index, shape, offset, length)
PACK = dict(compression="gzip", compression_opts=4, shuffle=True)
PART_PATTERN = re.compile(r"store\.rank(\d+)\.h5$")
SEGMENTS_PATTERN = re.compile(r"store\.rank(\d+)\.segments$")


class StoreError(ValueError):
    """A folder or file that is not a readable results store."""


class StoreDamaged(StoreError):
    """A part that exists but cannot be opened (not HDF5, or damaged), as opposed to one that is in use."""


def _locked(exc: OSError) -> bool:
    """HDF5 could not lock the file: another process has it open (not "bad superblock", which merely contains "lock")."""
    return "unable to lock" in str(exc).lower()


def part_name(rank: int) -> str:
    return f"store.rank{rank}.h5"


def segments_name(rank: int) -> str:
    return f"store.rank{rank}.segments"


def segment_paths(folder: Path) -> list[Path]:
    """The segment files of a segments folder, oldest first (temporary files are not segments)."""
    return sorted(p for p in folder.glob("*.h5") if not p.name.startswith(".")) if folder.is_dir() else []


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_whole(path: str | os.PathLike, rows: list[tuple[int, dict[str, np.ndarray]]], keep: str) -> Path:
    """A new store file holding `rows`, written under a temporary name, synced, then renamed into place."""
    from mmexplorer.data.files import OutputError, describe_os_error

    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    # HDF5 writes into memory (a segment is one batch): a full disk then fails in a plain write with a clear
    # error, never inside the library, which left half-written objects whose cleanup crashed the process.
    buffer = io.BytesIO()
    _write_new(buffer, [(index, pack(arrays, keep)) for index, arrays in rows], keep)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        try:
            view = buffer.getbuffer()
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        fsync_path(path.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(describe_os_error(exc, path)) from None
    return path


def kept(arrays: dict[str, np.ndarray], keep: str) -> dict[str, np.ndarray]:
    """The arrays a `--keep` choice stores: maps (token_to_image, grid, tokens, meta), attention (+ attn/*), all."""
    if keep == "all":
        return arrays
    if keep == "attention":
        return {k: v for k, v in arrays.items() if k in MAP_KEYS or k.startswith("attn/")}
    if keep == "maps":
        return {k: v for k, v in arrays.items() if k in MAP_KEYS}
    raise ValueError(f"keep must be one of {', '.join(KEEPS)}, not {keep!r}")


@dataclass(frozen=True)
class Packed:
    """One array as a store file holds it: flat values, the array's shape, and how to decode it."""

    flat: np.ndarray  # 1-D
    shape: tuple
    how: str  # "json" for text arrays, "" for numbers


def _encode(value: np.ndarray) -> Packed:
    if value.dtype.kind == "U":  # tokens (1-D) or meta (0-d)
        text = json.dumps(value.tolist(), ensure_ascii=False)
        return Packed(np.frombuffer(text.encode("utf-8"), dtype=np.uint8), value.shape, "json")
    return Packed(np.ascontiguousarray(value).reshape(-1), value.shape, "")


def pack(arrays: dict[str, np.ndarray], keep: str) -> dict[str, Packed]:
    """The arrays of one pair that `keep` stores, encoded."""
    return {key: _encode(np.asarray(value)) for key, value in kept(arrays, keep).items()}


def _decode(flat: np.ndarray, shape, how: str) -> np.ndarray:
    if how == "json":
        return np.array(json.loads(flat.tobytes().decode("utf-8")), dtype=str)
    return flat.reshape(tuple(int(s) for s in shape))


def _by_key(rows: list[tuple[int, dict[str, Packed]]]) -> dict[str, list[tuple[int, Packed]]]:
    """key -> (row, its packed array) for the rows that have that key, in row order."""
    per_key: dict[str, list] = {}
    for r, (_, packed) in enumerate(rows):
        for key, value in packed.items():
            per_key.setdefault(key, []).append((r, value))
    return per_key


def _tables(items: list[tuple[int, Packed]], n: int, width: int, start: int = 0):
    """-> (shape [n, width], offset [n] (-1: no array; else `start` + position), length [n], data 1-D) of one key."""
    shapes = np.zeros((n, width), np.int64)
    offsets = np.full(n, -1, np.int64)
    lengths = np.zeros(n, np.int64)
    pos = start
    for r, value in items:
        shapes[r, : len(value.shape)] = value.shape
        offsets[r] = pos
        lengths[r] = len(value.flat)
        pos += len(value.flat)
    data = np.concatenate([value.flat for _, value in items]) if items else None
    return shapes, offsets, lengths, data


def _write_new(path: Path, rows: list[tuple[int, dict[str, Packed]]], keep: str) -> None:
    """A store file holding `rows` (pair index, packed arrays), every dataset made at its final size.

    Written once and never appended to (a segment), so nothing is resizable: making each
    dataset with its data costs a fraction of growing it, and the data chunk is no larger
    than the data (a part's 64K-element chunk would be compressed whole for a few pairs).
    """
    n = len(rows)
    with h5py.File(path, "w") as f:
        f.attrs.update(format=FORMAT, version=VERSION, keep=keep, committed=n)
        f.create_dataset("index", data=np.array([index for index, _ in rows], np.int64))
        for key, items in _by_key(rows).items():
            ndim = len(items[0][1].shape)
            g = f.create_group(f"arrays/{key}")
            g.attrs["ndim"] = ndim
            g.attrs["how"] = items[0][1].how
            shapes, offsets, lengths, data = _tables(items, n, max(ndim, 1))
            packing = dict(chunks=(min(CHUNK, len(data)),), **PACK) if len(data) else {}  # HDF5 chunks nothing empty
            g.create_dataset("data", data=data, **packing)
            g.create_dataset("shape", data=shapes)
            g.create_dataset("offset", data=offsets)
            g.create_dataset("length", data=lengths)
        f.flush()


class StoreWriter:
    """Appends batches of pairs to one part; `with StoreWriter(path, keep) as w: w.append(rows)`."""

    def __init__(self, path: str | os.PathLike, keep: str) -> None:
        self.path = Path(path)
        self.keep = keep
        new = not self.path.exists()
        try:
            # The default (earliest) format: files of the latest one carry a "being written" flag that a
            # killed run leaves set, and such a file then refuses to open until h5clear is run on it.
            self.file = h5py.File(self.path, "a")
        except BlockingIOError:
            raise StoreError(f"{self.path} is in use by another process (is a run into this folder still going?)") from None
        except OSError as exc:
            if _locked(exc):
                raise StoreError(f"{self.path} is in use by another process (is a run into this folder still going?)") from None
            raise StoreDamaged(f"{self.path} cannot be opened as a results store ({exc})") from None
        if new:
            self.file.attrs.update(format=FORMAT, version=VERSION, keep=keep, committed=0)
            self.file.create_dataset("index", shape=(0,), maxshape=(None,), dtype=np.int64, chunks=(ROWS,), **PACK)
            self.file.flush()
        elif self.file.attrs.get("format") != FORMAT or "index" not in self.file:
            self.file.close()
            raise StoreDamaged(f"{self.path} is not a results store")
        self.committed = int(self.file.attrs["committed"])
        self.truncate(self.committed)  # rows of a batch that was never counted

    def __enter__(self) -> "StoreWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.file.id.valid:
            self.file.close()

    def indices(self) -> np.ndarray:
        return self.file["index"][: self.committed]

    def _key_group(self, key: str, ndim: int, rows: int):
        """The group of `key`, created when first seen (earlier rows marked absent)."""
        name = f"arrays/{key}"
        if name in self.file:
            return self.file[name]
        g = self.file.create_group(name)
        g.attrs["ndim"] = ndim  # a 0-d array (meta) still gets one shape column
        width = max(ndim, 1)
        g.create_dataset("shape", data=np.zeros((rows, width), np.int64), maxshape=(None, width), chunks=(ROWS, width), **PACK)
        g.create_dataset("offset", data=np.full(rows, -1, np.int64), maxshape=(None,), chunks=(ROWS,), **PACK)
        g.create_dataset("length", data=np.zeros(rows, np.int64), maxshape=(None,), chunks=(ROWS,), **PACK)
        return g

    def append(self, rows: list[tuple[int, dict[str, np.ndarray]]]) -> None:
        """Write a batch of (pair index, npz arrays), flush, then count it as committed."""
        self.append_packed([(index, pack(arrays, self.keep)) for index, arrays in rows])

    def append_packed(self, rows: list[tuple[int, dict[str, Packed]]]) -> None:
        """`append` for arrays already packed (as `StorePart.packed_rows` reads them: compaction copies them as they are)."""
        if not rows:
            return
        f, start, n = self.file, self.committed, len(rows)
        end = start + n
        f["index"].resize((end,))
        f["index"][start:end] = [index for index, _ in rows]
        per_key = _by_key(rows)
        for key in self._all_keys() | set(per_key):
            items = per_key.get(key, [])
            ndim = len(items[0][1].shape) if items else int(self.file[f"arrays/{key}"].attrs["ndim"])
            g = self._key_group(key, ndim, start)
            width = g["shape"].shape[1]
            if items and "how" not in g.attrs:
                g.attrs["how"] = items[0][1].how
                g.create_dataset("data", shape=(0,), maxshape=(None,), dtype=items[0][1].flat.dtype, chunks=(CHUNK,), **PACK)
            used = self._used(g, start) if items else 0
            shapes, offsets, lengths, values = _tables(items, n, width, used)
            if items:
                data = g["data"]
                data.resize((used + len(values),))
                data[used:] = values.astype(data.dtype, copy=False)
            g["shape"].resize((end, width))
            g["shape"][start:end] = shapes
            for name, column in (("offset", offsets), ("length", lengths)):
                g[name].resize((end,))
                g[name][start:end] = column
        f.flush()  # the batch's data is on disk ...
        f.attrs["committed"] = end
        f.flush()  # ... before it counts
        self.committed = end

    def _all_keys(self) -> set[str]:
        keys: set[str] = set()
        if "arrays" in self.file:
            self.file["arrays"].visit(lambda name: keys.add(name.rsplit("/", 1)[0]) if name.endswith("/offset") else None)
        return keys

    def _used(self, g, rows: int) -> int:
        """Elements of g/data that belong to the first `rows` pairs."""
        if "data" not in g or rows == 0:
            return 0
        ends = g["offset"][:rows] + g["length"][:rows]
        return int(max(ends.max(), 0))

    def truncate(self, rows: int) -> None:
        """Keep only the first `rows` pairs (drops an uncounted batch, or rows the summary never got)."""
        f = self.file
        if f["index"].shape[0] == rows and rows == int(f.attrs["committed"]):
            return
        for key in self._all_keys():
            g = f[f"arrays/{key}"]
            if "data" in g:
                g["data"].resize((self._used(g, rows),))
            g["shape"].resize((rows, g["shape"].shape[1]))
            g["offset"].resize((rows,))
            g["length"].resize((rows,))
        f["index"].resize((rows,))
        f.attrs["committed"] = rows
        f.flush()
        self.committed = rows


class StorePart:
    """One part, read-only: its committed pairs' arrays as the probe npz has them."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        try:
            self.file = h5py.File(self.path, "r")
        except OSError as exc:
            if isinstance(exc, BlockingIOError) or _locked(exc):
                raise StoreError(f"{self.path} is in use by another process (is a run into this folder still going?)") from None
            raise StoreDamaged(f"{self.path} is not a readable results store ({exc})") from None
        if self.file.attrs.get("format") != FORMAT or "index" not in self.file:
            self.file.close()
            raise StoreDamaged(f"{self.path} is not a results store")
        self.keep = str(self.file.attrs.get("keep", ""))
        self.committed = int(self.file.attrs["committed"])
        self.index = self.file["index"][: self.committed]
        self.keys: list[str] = []
        if "arrays" in self.file:
            self.file["arrays"].visit(lambda name: self.keys.append(name[: -len("/offset")]) if name.endswith("/offset") else None)

    def close(self) -> None:
        if self.file.id.valid:
            self.file.close()

    def arrays(self, row: int) -> dict[str, np.ndarray]:
        if not 0 <= row < self.committed:
            raise IndexError(row)
        out = {}
        for key in self.keys:
            g = self.file[f"arrays/{key}"]
            offset = int(g["offset"][row])
            if offset < 0:
                continue
            flat = g["data"][offset : offset + int(g["length"][row])]
            out[key] = _decode(flat, g["shape"][row][: int(g.attrs["ndim"])], str(g.attrs.get("how", "")))
        return out

    def packed_rows(self, start: int, stop: int) -> list[dict[str, Packed]]:
        """The packed arrays of rows start..stop-1, reading each key's tables and data range once (compaction)."""
        stop = min(stop, self.committed)
        out: list[dict] = [{} for _ in range(start, stop)]
        for key in self.keys:
            g = self.file[f"arrays/{key}"]
            offsets, lengths = g["offset"][start:stop], g["length"][start:stop]
            present = offsets >= 0
            if not present.any():
                continue
            shapes, ndim, how = g["shape"][start:stop], int(g.attrs["ndim"]), str(g.attrs.get("how", ""))
            lo, hi = int(offsets[present].min()), int((offsets + lengths)[present].max())
            data = g["data"][lo:hi]
            for r in np.flatnonzero(present):
                o = int(offsets[r]) - lo
                out[r][key] = Packed(data[o : o + int(lengths[r])], tuple(int(v) for v in shapes[r][:ndim]), how)
        return out

    def rows(self, start: int, stop: int) -> list[dict[str, np.ndarray]]:
        """arrays(row) for rows start..stop-1."""
        return [{key: _decode(p.flat.copy(), p.shape, p.how) for key, p in packed.items()}
                for packed in self.packed_rows(start, stop)]


def part_paths(folder: str | os.PathLike) -> list[Path]:
    """Every store file of a run's folder: each rank's part, then its segments."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    ranks = {int(m.group(1)) for p in folder.iterdir() if (m := PART_PATTERN.match(p.name) or SEGMENTS_PATTERN.match(p.name))}
    paths = []
    for rank in sorted(ranks):
        main = folder / part_name(rank)
        paths += ([main] if main.exists() else []) + segment_paths(folder / segments_name(rank))
    return paths


class ResultsStore:
    """Every part of a run's store, read-only, addressed by pair index: `store.arrays(k)`."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = Path(folder)
        paths = part_paths(self.folder)
        if not paths:
            raise StoreError(f"{self.folder} holds no results store (no store.rank*.h5)")
        self.parts = [StorePart(p) for p in paths]
        self._where: dict[int, tuple[int, int]] = {}
        for p, part in enumerate(self.parts):
            for row, index in enumerate(part.index):
                self._where.setdefault(int(index), (p, row))  # a pair both compacted and in a segment: one copy

    def __enter__(self) -> "ResultsStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for part in self.parts:
            part.close()

    def indices(self) -> list[int]:
        """Pair indices with stored arrays, ascending."""
        return sorted(self._where)

    def __len__(self) -> int:
        return len(self._where)

    def __contains__(self, index: int) -> bool:
        return index in self._where

    def arrays(self, index: int) -> dict[str, np.ndarray]:
        """The npz arrays of pair `index` (the keys its --keep stored)."""
        if index not in self._where:
            raise KeyError(f"pair {index} is not in the store")
        p, row = self._where[index]
        return self.parts[p].arrays(row)
