"""`mmexplorer pairs-from-coco`: a pairs file with word boxes from COCO-style captions and instances."""

from __future__ import annotations

from pathlib import Path

from mmexplorer.cli.errors import UserInputError


def add_parser(sub) -> None:
    p = sub.add_parser("pairs-from-coco", help="convert COCO-style captions/instances JSON into a pairs file with word boxes")
    p.add_argument("--captions", required=True, help="captions JSON (images + annotations with caption)")
    p.add_argument("--instances", help="instances JSON (annotations with bbox and category_id, categories)")
    p.add_argument("--images", required=True, help="folder holding the images' file_name")
    p.add_argument("--out", required=True, help="pairs file to write (JSONL)")
    p.add_argument("--force", action="store_true", help="overwrite --out")


def run(args) -> int:
    from mmexplorer.engine.bulk.coco import coco_pairs, write_pairs

    out = Path(args.out)
    if out.exists() and not args.force:
        raise UserInputError(f"{out} exists; pass --force to overwrite")
    records = list(coco_pairs(args.captions, args.instances, args.images))
    with_boxes = sum(1 for r in records if r.get("boxes"))
    write_pairs(records, out)
    print(f"wrote {len(records)} pair(s) to {out}; {with_boxes} with word boxes")
    return 0
