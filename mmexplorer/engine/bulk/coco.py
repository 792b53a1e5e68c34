"""COCO-style captions + instances JSON -> a pairs file with a box per category word found in the caption.

For every caption, each category whose name (or its plural with -s / -es)
appears as whole words in the caption gives one box entry: {"phrase": the words
as written, "box": the boxes of every instance of that category in the image,
[x0, y0, x1, y1] in its pixels}. Phrases are resolved to word indices at probe
time, so the pairs file works with any model's tokenizer.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Iterator


MAX_COCO_BYTES = 512 << 20  # COCO 2017's instances file is 448 MiB, its captions 87 MiB


class CocoFileError(ValueError):
    """A captions or instances file that is not COCO-style JSON."""


def _load(path: str | os.PathLike, what: str) -> dict:
    from mmexplorer.data.files import read_json_file

    path = Path(path)
    data = read_json_file(path, CocoFileError, f"{what} {path}", limit=MAX_COCO_BYTES)
    if not isinstance(data, dict) or not isinstance(data.get("annotations"), list):
        raise CocoFileError(f'{what} {path} has no "annotations" list (is it COCO-style?)')
    return data


def _mention(caption: str, name: str) -> str | None:
    """The words of `caption` that name the category (singular or plural), as written, or None."""
    words = r"\s+".join(re.escape(w) for w in name.split())
    found = re.search(rf"(?<![\w]){words}(?:e?s)?(?![\w])", caption, flags=re.IGNORECASE)
    return found.group(0) if found else None


def coco_pairs(captions: str | os.PathLike, instances: str | os.PathLike | None, images: str | os.PathLike) -> Iterator[dict]:
    """One pairs-file record per caption, in the captions file's order."""
    caps = _load(captions, "--captions")
    inst = _load(instances, "--instances") if instances is not None else {"annotations": [], "categories": []}
    files = {}
    for img in caps.get("images", []) + inst.get("images", []):
        if isinstance(img, dict) and "id" in img and "file_name" in img:
            files[img["id"]] = img["file_name"]
    names = {c["id"]: str(c["name"]) for c in inst.get("categories", []) if isinstance(c, dict) and "id" in c and "name" in c}
    boxes: dict = {}  # image id -> category id -> [[x0, y0, x1, y1], ...]
    for a in inst["annotations"]:
        try:
            x, y, w, h = (float(v) for v in a["bbox"])
            image_id, category = a["image_id"], a["category_id"]
        except (KeyError, TypeError, ValueError):
            continue  # a malformed instance is skipped, not fatal
        if w > 0 and h > 0:
            boxes.setdefault(image_id, {}).setdefault(category, []).append([x, y, x + w, y + h])
    folder = Path(images)
    for a in caps["annotations"]:
        if not isinstance(a, dict) or a.get("image_id") not in files or not isinstance(a.get("caption"), str):
            continue
        caption = a["caption"].strip()
        entries = []
        for category, regions in sorted(boxes.get(a["image_id"], {}).items()):
            words = _mention(caption, names.get(category, "")) if category in names else None
            if words:
                entries.append({"phrase": words, "box": regions})
        record = {"image": str(folder / files[a["image_id"]]), "text": caption}
        if entries:
            record["boxes"] = entries
        yield record


def write_pairs(records, out: str | os.PathLike) -> int:
    """Write the records as JSONL atomically; -> how many."""
    from mmexplorer.data.files import atomic_write_text

    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    atomic_write_text(out, "".join(line + "\n" for line in lines))
    return len(lines)
