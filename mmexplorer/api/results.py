"""Results: a `mmexplorer probe --pairs` output folder read pair by pair (store + summary table)."""

from __future__ import annotations

import os
from typing import Iterator, Optional, Union

import numpy as np

from mmexplorer.api.record import Record
from mmexplorer.attention.pairs_table import PairRow, read_pairs_table


class Results:
    """The stored pairs of a batch run, by pair index, and its summary table (failures included).

        with mmexplorer.open_results("out/") as results:
            for pair in results.rows:            # every pair of the pairs file, ok or failed
                ...
            record = results[3]                  # pair 3's Record (its picture read from where it was)

    Only the arrays the run kept are there: with `--keep maps` a record holds its stored maps
    (record.token_to_image) and no attention sets.
    """

    def __init__(self, folder: Union[str, os.PathLike]) -> None:
        from mmexplorer.attention.store import ResultsStore, StoreError

        self.folder = str(folder)
        try:
            self._store = ResultsStore(folder)
        except OSError as exc:
            raise StoreError(f"{folder} cannot be read as a results store ({exc})") from None
        self.rows: list[PairRow] = read_pairs_table(folder)  # the summary table, by pair index

    def __enter__(self) -> "Results":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Release the store's files."""
        self._store.close()

    def __len__(self) -> int:
        return len(self._store)

    def __contains__(self, index: int) -> bool:
        return index in self._store

    def indices(self) -> list[int]:
        """The pair indices with stored arrays, ascending (failed pairs have none)."""
        return self._store.indices()

    @property
    def failures(self) -> list[PairRow]:
        return [r for r in self.rows if r.failed]

    def row(self, index: int) -> Optional[PairRow]:
        """Pair `index`'s summary row (score, pointing, energy, status, error), None when the table has none."""
        return next((r for r in self.rows if r.index == index), None)

    def arrays(self, index: int) -> dict[str, np.ndarray]:
        """Pair `index`'s stored arrays, as the probe npz names them."""
        return self._store.arrays(index)

    def __getitem__(self, index: int) -> Record:
        """Pair `index` as a Record; KeyError when it is not stored, ValueError when its arrays are damaged."""
        from mmexplorer.attention.npz import ProbeFileError, record_from_arrays

        try:
            record = record_from_arrays(self.arrays(index))
        except (ValueError, TypeError, AttributeError) as exc:
            raise ProbeFileError(f"pair {index} of {self.folder} has malformed arrays ({type(exc).__name__}: {exc})") from None
        return Record(record, _picture(record), f"{self.folder}#{index}")

    def __iter__(self) -> Iterator[Record]:
        """The stored pairs' records, one at a time, by pair index."""
        for index in self.indices():
            yield self[index]

    def __repr__(self) -> str:
        return f"<mmexplorer.Results {self.folder}: {len(self)} stored pair(s), {len(self.failures)} failed>"


def _picture(record) -> Optional[np.ndarray]:
    """The pair's picture from the path the run recorded, when it is still there and the same size."""
    from mmexplorer.data.image import ImageError, load_image

    source = record.meta.get("image_source")
    if not source:
        return None
    try:
        pixels = load_image(str(source)).pixels
    except ImageError:
        return None
    return pixels if (pixels.shape[1], pixels.shape[0]) == tuple(record.image_size) else None


def open_results(folder: Union[str, os.PathLike]) -> Results:
    """Open a `mmexplorer probe --pairs --out-dir` folder; ValueError (a StoreError) says why one is not readable."""
    return Results(folder)
