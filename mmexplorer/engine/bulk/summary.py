"""The summary table of a batch probe: one CSV row per pair, appended per batch, merged at the end.

Each rank appends to its own `summary.rank{R}.csv` (flushed and fsynced after
every batch, after that batch is committed to the store); rank 0 merges the
parts into `summary.csv`, sorted by index, and on request (`--parquet`, which
needs pyarrow) into `summary.parquet` too. A merge never replaces a summary
with one of fewer rows.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from pathlib import Path

from mmexplorer.data.files import atomic_write_bytes, atomic_write_text

# deletion and insertion AUCs of each method's patch order (engine.faithfulness, with --curves), and the share of
# attention on sinks per layer (attention.sinks) as JSON {kind: [share per layer]}
AUC_COLUMNS = tuple(f"{mode}_{method}" for method in ("raw", "rollout", "relevancy", "random")
                    for mode in ("deletion", "insertion"))
COLUMNS = ("index", "line", "image", "text", "status", "error", "match", "match_logit", "tokens", "boxes", "pointing",
           "energy", "unknown", *AUC_COLUMNS, "sink_share", "answer")
# unknown: the words the model read as [UNK], space-separated; answer: a generative model's answer.
# The columns every summary has had; the later ones came after, and a run resumed from a summary written before
# them keeps that summary's rows
REQUIRED = COLUMNS[:COLUMNS.index("unknown")]
PART_PATTERN = re.compile(r"summary\.rank(\d+)\.csv$")
SUMMARY = "summary.csv"
PARQUET = "summary.parquet"


class SummaryFormatError(ValueError):
    """--parquet without pyarrow, or a summary.parquet that could not be written (the user's setup: exit 2)."""


def require_parquet() -> None:
    """Raise SummaryFormatError unless pyarrow can write Parquet."""
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise SummaryFormatError("--parquet needs pyarrow, which is not installed (pip install pyarrow); "
                                 "without --parquet the summary is summary.csv") from None


def part_name(rank: int) -> str:
    return f"summary.rank{rank}.csv"


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _csv_text(rows: list[dict], header: bool) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if header:
        w.writerow(COLUMNS)
    for r in rows:
        w.writerow([_cell(r.get(c)) for c in COLUMNS])
    return buf.getvalue()


def read_rows(path: str | os.PathLike) -> list[dict]:
    """Complete rows of a summary CSV; a last line cut off by a kill (no newline) is not a row."""
    path = Path(path)
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8", errors="replace")
    if text and not text.endswith("\n"):
        text = text[: text.rfind("\n") + 1]
    rows = []
    for r in csv.DictReader(io.StringIO(text)):
        whole = None not in r and all(r.get(c) is not None for c in REQUIRED)  # no field missing, none extra
        if whole and r.get("index", "").isdigit() and r.get("status") in ("ok", "error"):
            rows.append(r)
    return rows


class SummaryPart:
    """One rank's summary, appended batch by batch."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        if not self.path.exists():
            atomic_write_text(self.path, _csv_text([], header=True))

    def append(self, rows: list[dict]) -> None:
        if not rows:
            return
        with open(self.path, "a", encoding="utf-8", newline="") as f:
            f.write(_csv_text(rows, header=False))
            f.flush()
            os.fsync(f.fileno())

    def rewrite(self, rows: list[dict]) -> None:
        atomic_write_text(self.path, _csv_text(rows, header=True))


def part_paths(folder: str | os.PathLike) -> list[Path]:
    folder = Path(folder)
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := PART_PATTERN.match(p.name))] if folder.is_dir() else []
    return [p for _, p in sorted(found)]


def merge(folder: str | os.PathLike, parquet: bool = False) -> tuple[Path, list[dict]]:
    """Write summary.csv (and with `parquet` summary.parquet) from every part, sorted by index; -> (the CSV's path,
    its rows). Keeps a longer existing summary. Without `parquet` an older summary.parquet is removed, so the
    folder never holds two summaries that disagree."""
    folder = Path(folder)
    rows: dict[int, dict] = {}
    for part in part_paths(folder):
        for r in read_rows(part):
            rows[int(r["index"])] = r
    ordered = [rows[k] for k in sorted(rows)]
    target = folder / SUMMARY
    existing = read_rows(target)
    if len(existing) > len(ordered):
        ordered = existing  # never replace a summary with a worse one
    else:
        atomic_write_text(target, _csv_text(ordered, header=True))
    if parquet:
        _parquet(folder / PARQUET, ordered)
    else:
        (folder / PARQUET).unlink(missing_ok=True)
    return target, ordered


def _parquet(path: Path, rows: list[dict]) -> None:
    require_parquet()
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {c: [r.get(c, "") for r in rows] for c in COLUMNS}
    for c in ("index", "line", "tokens", "boxes"):
        columns[c] = [int(v) if v not in ("", None) else None for v in columns[c]]
    for c in ("match", "match_logit", "pointing", "energy", *AUC_COLUMNS):
        columns[c] = [float(v) if v not in ("", None) else None for v in columns[c]]
    try:
        buf = pa.BufferOutputStream()
        pq.write_table(pa.table(columns), buf)
        atomic_write_bytes(path, buf.getvalue().to_pybytes())
    except (OSError, pa.ArrowException) as exc:
        raise SummaryFormatError(f"{path} could not be written ({exc}); {path.with_name(SUMMARY)} holds the summary") from None
