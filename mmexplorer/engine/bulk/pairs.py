"""Streaming a pairs file (JSONL or CSV with image,text columns), validating every record on its own.

A record that cannot be used becomes a PairSpec with `error` set (the run
writes it as an error row and goes on); only a path that is not a regular
file stops the run (PairsFileError). Nothing reads the whole file at once.
"""

from __future__ import annotations

import csv
import math
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from mmexplorer.data.files import parse_json

MAX_LINE = 1 << 20  # bytes; a longer JSONL line is an error row, never read into memory whole


class PairsFileError(ValueError):
    """The pairs file itself cannot be read (a folder, a FIFO, a device, no such file, a CSV without columns)."""


@dataclass(frozen=True)
class Box:
    tokens: tuple[int, ...]  # word indices (0-based, as the probe's `tokens`); several for a phrase
    regions: tuple[tuple[float, float, float, float], ...]  # x0, y0, x1, y1 in original-image pixels; several: any of them
    phrase: str | None = None  # given instead of tokens: the words of the text it covers (resolved after tokenising)


@dataclass(frozen=True)
class PairSpec:
    index: int  # 0-based position among the file's records (blank lines are not records)
    line: int  # 1-based line number in the file
    image: str = ""  # as written in the file
    text: str = ""
    boxes: tuple[Box, ...] = ()
    error: str | None = None
    folder: str = "."  # relative image paths are relative to the pairs file's folder

    @property
    def image_path(self) -> Path:
        p = Path(self.image)
        return p if p.is_absolute() else Path(self.folder) / p


_KINDS = [(stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")]


def check_pairs_file(path: str | os.PathLike) -> str:
    """-> "jsonl" or "csv"; PairsFileError unless `path` is a regular file (checked before opening, so a FIFO never blocks)."""
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise PairsFileError(f"--pairs {path} does not exist") from None
    except OSError as exc:
        raise PairsFileError(f"--pairs {path} cannot be read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        what = next((name for test, name in _KINDS if test(mode)), "not a regular file")
        raise PairsFileError(f"--pairs {path} is {what}, not a pairs file")
    return "csv" if path.suffix.lower() == ".csv" else "jsonl"


def _type_name(value) -> str:
    return "null" if value is None else {bool: "a boolean", int: "a number", float: "a number", list: "a list", dict: "an object"}.get(type(value), type(value).__name__)


def _number(v) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ValueError
    return float(v)


def _region(raw, i: int) -> tuple[float, float, float, float]:
    try:
        if not isinstance(raw, list) or len(raw) != 4:
            raise ValueError
        x0, y0, x1, y1 = (_number(v) for v in raw)
    except ValueError:
        raise ValueError(f"box {i}: box must be four finite numbers [x0, y0, x1, y1] (or a list of such)") from None
    if not (x1 > x0 and y1 > y0):
        raise ValueError(f"box {i}: box [x0, y0, x1, y1] needs x1 > x0 and y1 > y0")
    return x0, y0, x1, y1


def parse_boxes(value) -> tuple[Box, ...]:
    """[{"token": 2, "box": [x0, y0, x1, y1]}, {"tokens": [1, 2], ...}, {"phrase": "red circle", ...}] -> Boxes.

    "box" may also be a list of boxes (several objects of one word: a hit in any
    counts). ValueError says what is wrong.
    """
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError(f'"boxes" must be a list, not {_type_name(value)}')
    boxes = []
    for i, item in enumerate(value):
        named = [k for k in ("token", "tokens", "phrase") if isinstance(item, dict) and k in item]
        if not isinstance(item, dict) or "box" not in item or len(named) != 1:
            raise ValueError(f'box {i}: expected {{"token": K, "box": [x0, y0, x1, y1]}} (or "tokens": [K, ...], or "phrase": "words")')
        phrase = None
        if named[0] == "phrase":
            phrase, tokens = item["phrase"], []
            if not isinstance(phrase, str) or not phrase.strip():
                raise ValueError(f"box {i}: phrase must be non-empty text")
        else:
            tokens = item["tokens"] if "tokens" in item else [item["token"]]
            if not isinstance(tokens, list) or not tokens or any(isinstance(t, bool) or not isinstance(t, int) or t < 0 for t in tokens):
                raise ValueError(f"box {i}: token indices must be whole numbers >= 0")
        raw = item["box"]
        many = isinstance(raw, list) and raw and all(isinstance(r, list) for r in raw)
        regions = tuple(_region(r, i) for r in raw) if many else (_region(raw, i),)
        boxes.append(Box(tuple(tokens), regions, phrase))
    return tuple(boxes)


def spec_from(item, index: int, line: int, folder: str) -> PairSpec:
    """Validate one parsed record (a dict from JSON, or a CSV row with boxes still JSON text)."""
    base = dict(index=index, line=line, folder=folder)
    if not isinstance(item, dict):
        return PairSpec(**base, error=f'expected a JSON object {{"image": ..., "text": ...}}, not {_type_name(item)}')
    image, text = item.get("image"), item.get("text")
    shown = dict(base, image=image if isinstance(image, str) else "", text=text if isinstance(text, str) else "")
    if "image" not in item:
        return PairSpec(**shown, error='missing "image"')
    if not isinstance(image, str) or not image:
        return PairSpec(**shown, error=f'"image" must be a file path, not {_type_name(image) if image != "" else "empty"}')
    if "text" not in item:
        return PairSpec(**shown, error='missing "text"')
    if not isinstance(text, str):
        return PairSpec(**shown, error=f'"text" must be a string, not {_type_name(text)}')
    try:
        boxes = parse_boxes(item.get("boxes"))
    except ValueError as exc:
        return PairSpec(**shown, error=str(exc))
    return PairSpec(**shown, boxes=boxes)


class _LineError(ValueError):
    """One line of a pairs file that is not usable JSON: that pair's error, the others go on."""


def _jsonl(path: Path, folder: str) -> Iterator[PairSpec]:
    index = 0
    with open(path, "rb") as f:
        number = 0
        while True:
            raw = f.readline(MAX_LINE + 1)
            if not raw:
                return
            number += 1
            too_long = len(raw) > MAX_LINE and not raw.endswith(b"\n")
            if too_long:
                while (rest := f.readline(MAX_LINE)) and not rest.endswith(b"\n"):
                    pass  # skip to the end of the line without holding it
            if not raw.strip():
                continue
            if too_long:
                yield PairSpec(index, number, folder=folder, error=f"line is longer than {MAX_LINE} bytes")
            else:
                try:  # bounded in depth, strings that are text: a pair's error, never a worker's crash
                    item = parse_json(raw, _LineError, "line")
                except _LineError as exc:
                    yield PairSpec(index, number, folder=folder, error=str(exc).removeprefix("line ").replace(
                        "is not valid JSON (", "not JSON (").replace("is not UTF-8 text", "line is not UTF-8 text"))
                else:
                    yield spec_from(item, index, number, folder)
            index += 1


def _csv(path: Path, folder: str) -> Iterator[PairSpec]:
    with open(path, "r", encoding="utf-8", errors="replace", newline="") as f:
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise PairsFileError(f"--pairs {path}: the CSV header cannot be read ({exc})") from None
        header = [h.strip().lstrip("\ufeff") for h in header]
        if "image" not in header or "text" not in header:
            raise PairsFileError(f"--pairs {path}: a CSV pairs file needs image and text columns (found {', '.join(header) or 'none'})")
        index = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield PairSpec(index, reader.line_num, folder=folder, error=f"unreadable CSV row ({exc})")
                index += 1
                continue
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                yield PairSpec(index, reader.line_num, folder=folder, error=f"{len(row)} fields where the header has {len(header)}")
            else:
                item = dict(zip(header, row))
                if item.get("boxes", "").strip():
                    try:
                        item["boxes"] = parse_json(item["boxes"], _LineError, "boxes")
                    except _LineError as exc:
                        item["boxes"] = str(exc).removeprefix("boxes ").replace("is not valid JSON", "not JSON")
                else:
                    item.pop("boxes", None)
                yield spec_from(item, index, reader.line_num, folder)
            index += 1


def iter_pairs(path: str | os.PathLike) -> Iterator[PairSpec]:
    """Every record of the pairs file, in order, read as it goes."""
    path = Path(path)
    fmt = check_pairs_file(path)
    folder = str(path.parent)
    yield from (_csv if fmt == "csv" else _jsonl)(path, folder)
