"""One rank's part of the results store while a run goes: a segment file per batch, compacted at the end.

Appending never touches a file that already holds committed pairs: each batch
becomes a new segment (written whole, then renamed into place), and
`compact` merges the part and its segments into a new part file (written
whole, then renamed over the old one) before removing the segments. A kill at
any point leaves complete files only: at worst a segment whose pairs are also
in the part (compaction finished, segments not yet removed), which the next
compaction and every reader count once.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Callable, Optional

from mmexplorer.attention.store import (
    StoreDamaged, StoreError, StorePart, StoreWriter, fsync_path, part_name, segment_paths, segments_name, write_whole)

COMPACT_ROWS = 256  # pairs per append while compacting


class PartWriter:
    def __init__(self, out_dir: Path, rank: int, keep: str) -> None:
        self.folder = Path(out_dir) / segments_name(rank)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.keep = keep
        existing = segment_paths(self.folder)
        self.next = int(existing[-1].stem) + 1 if existing else 0

    def append(self, rows) -> None:
        """Commit a batch of (pair index, npz arrays): once this returns, the batch is on disk whole."""
        if rows:
            write_whole(self.folder / f"{self.next:08d}.h5", rows, self.keep)
            self.next += 1


def _open(path: Path, log: Callable[[str], None]) -> Optional[StorePart]:
    """A readable store file, or None after moving a damaged one aside (never deleted)."""
    try:
        return StorePart(path)
    except StoreDamaged:
        pass
    except StoreError as exc:
        if "in use" in str(exc):
            raise
    aside = path.with_name(f"{path.name}.damaged-{int(time.time())}")
    path.rename(aside)
    log(f"{path} could not be read; moved to {aside.name}, its pairs will be probed again")
    return None


def compact(out_dir: Path, rank: int, keep: str, wanted: Optional[set] = None,
            log: Callable[[str], None] = lambda s: None) -> set[int]:
    """Merge part `rank` and its segments into one part file holding each pair once (only those in
    `wanted`, when given: pairs the summary lists); -> the pair indices it holds."""
    out_dir = Path(out_dir)
    main, folder = out_dir / part_name(rank), out_dir / segments_name(rank)
    (out_dir / f".{main.name}.tmp").unlink(missing_ok=True)  # left by a compaction that was killed
    sources = [p for p in [main] if p.exists()] + segment_paths(folder)
    readers = [r for r in (_open(p, log) for p in sources) if r is not None]
    try:
        held = [int(i) for r in readers for i in r.index]
        only_main = len(readers) == 1 and readers[0].path == main and len(set(held)) == len(held)
        if not readers or (only_main and (wanted is None or set(held) <= wanted)):
            result = set(held)  # nothing to merge or drop
        else:
            result = _merge(readers, main, keep, wanted, log)
    finally:
        for r in readers:
            r.close()
    # Every segment's wanted pairs are in the part now; the rest are probed again.
    if folder.exists():
        shutil.rmtree(folder)
    return result


def _merge(readers: list[StorePart], main: Path, keep: str, wanted: Optional[set], log: Callable[[str], None]) -> set[int]:
    """Write the new part file from `readers`, each pair once, whole, in place of the old one; -> its pairs.

    The arrays are copied as stored (packed), COMPACT_ROWS pairs at a time, so a
    part of any size is merged in bounded memory and nothing is decoded.
    """
    from mmexplorer.data.files import OutputError, check_output_folder, describe_os_error

    tmp = main.with_name(f".{main.name}.tmp")
    # the merged part is at most the sum of its sources: refused before HDF5 writes a byte when that is not free
    # (a write failing inside HDF5 leaves objects whose cleanup can crash the process)
    check_output_folder(main.parent, sum(r.path.stat().st_size for r in readers))
    try:
        result = _merge_into(tmp, readers, keep, wanted, log)
        fsync_path(tmp)
        os.replace(tmp, main)
        fsync_path(main.parent)
    except (OSError, RuntimeError) as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(describe_os_error(exc, main) if isinstance(exc, OSError) and exc.errno
                          else f"cannot write {main}: {str(exc).splitlines()[0][:200]}") from None
    return result


def _merge_into(tmp: Path, readers: list[StorePart], keep: str, wanted: Optional[set], log: Callable[[str], None]) -> set[int]:
    result: set[int] = set()
    with StoreWriter(tmp, keep) as w:
        rows: list = []
        for reader in readers:
            index = [int(i) for i in reader.index]
            for start in range(0, len(index), COMPACT_ROWS):
                try:
                    block = reader.packed_rows(start, start + COMPACT_ROWS)
                except OSError as exc:  # an unreadable block: its pairs are probed again
                    log(f"{reader.path} rows {start}+ could not be read ({exc}); those pairs will be probed again")
                    continue
                for k, packed in zip(index[start:], block):
                    if k not in result and (wanted is None or k in wanted):
                        rows.append((k, packed))
                        result.add(k)
                if len(rows) >= COMPACT_ROWS:
                    w.append_packed(rows)
                    rows = []
        w.append_packed(rows)
    return result
