"""Reading a batch probe's summary table back: one row per pair, numbers parsed (numpy-free, no torch).

`mmexplorer probe --pairs` writes summary.csv beside the results store (while a
run goes, or after one was killed, each rank's summary.rank{R}.csv). A row the
table cannot parse is left out, never guessed at; a huge or special file is
refused with a clear message.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from mmexplorer.data.files import read_regular_file

SUMMARY = "summary.csv"
PART = re.compile(r"summary\.rank(\d+)\.csv$")
MAX_SUMMARY_BYTES = 2 << 30  # a few hundred bytes per pair: millions of pairs


class PairsTableError(ValueError):
    """A summary table that cannot be read."""


@dataclass(frozen=True)
class PairRow:
    index: int  # the pair's line order in the pairs file (the store's key)
    image: str
    text: str
    status: str  # "ok" | "error"
    error: str
    score: Optional[float]  # the match probability (or the top class's), None when the model gave none
    match_logit: Optional[float]
    pointing: Optional[float]  # did the map's peak fall in the pair's box (with boxes only)
    energy: Optional[float]  # the share of the map inside the box (with boxes only)

    @property
    def failed(self) -> bool:
        return self.status != "ok"


def _number(text: Optional[str]) -> Optional[float]:
    try:
        value = float(text) if text not in (None, "") else None
    except ValueError:
        return None
    return None if value is None or math.isnan(value) else value


def table_paths(folder: str | os.PathLike) -> list[Path]:
    """summary.csv, else the ranks' parts of a run still going (or killed)."""
    folder = Path(folder)
    merged = folder / SUMMARY
    if os.path.lexists(merged):
        return [merged]
    return sorted((p for p in folder.glob("summary.rank*.csv") if PART.match(p.name)), key=lambda p: int(PART.match(p.name)[1]))


def read_pairs_table(folder: str | os.PathLike) -> list[PairRow]:
    """Every readable row, by pair index (a pair listed twice keeps its last row); [] when there is no table."""
    rows: dict[int, PairRow] = {}
    for path in table_paths(folder):
        raw = read_regular_file(path, MAX_SUMMARY_BYTES, PairsTableError)
        text = raw.decode("utf-8", errors="replace")
        if text and not text.endswith("\n"):
            text = text[: text.rfind("\n") + 1]  # a line cut off by a kill is not a row
        try:
            for r in csv.DictReader(io.StringIO(text)):
                row = _row(r)
                if row is not None:
                    rows[row.index] = row
        except csv.Error as exc:
            raise PairsTableError(f"{path} is not a summary table ({exc})") from None
    return [rows[k] for k in sorted(rows)]


def _row(r: dict) -> Optional[PairRow]:
    index = str(r.get("index") or "")
    status = r.get("status")
    if not index.isdigit() or status not in ("ok", "error"):
        return None
    return PairRow(index=int(index), image=str(r.get("image") or ""), text=str(r.get("text") or ""), status=status,
                   error=str(r.get("error") or ""), score=_number(r.get("match")), match_logit=_number(r.get("match_logit")),
                   pointing=_number(r.get("pointing")), energy=_number(r.get("energy")))
